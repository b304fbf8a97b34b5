/**
 * The text plan is only ever shown, never parsed for meaning. Before it is shown it is cleaned:
 * ANSI codes and hashicorp/setup-terraform wrapper noise removed, values the JSON marks sensitive
 * and values that look like secrets redacted.
 */

// CSI sequences (colours, cursor moves), OSC sequences (titles, links), and lone two-byte escapes.
const ANSI =
  // eslint-disable-next-line no-control-regex
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-_]|\u009b[0-?]*[ -/]*[@-~]/g;
// Workflow commands the wrapper (or anything it ran) printed: ::debug::, ::error::, ::set-output name=x::, ...
const WORKFLOW_COMMAND = /^::[a-z-]+(?: [^:]*)?::/;
// Old runner syntax (##[group] ...), and the wrapper's echo of the command it ran.
const RUNNER_LINE = /^(##\[[a-z-]+\]|\[command\])/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** ANSI codes, CRs, wrapper lines and stray control characters removed; trailing blanks trimmed. */
export function cleanText(raw: string): string {
  const lines = stripAnsi(raw)
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .filter((line) => !WORKFLOW_COMMAND.test(line) && !RUNNER_LINE.test(line))
    .map((line) => line.replace(CONTROL, '').replace(/\s+$/, ''));
  while (lines.length && lines[0] === '') lines.shift();
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n');
}

/**
 * The `Error:` diagnostics of Terraform's output, cleaned: the boxed form (`╷ │ Error: ... ╵`)
 * of Terraform >= 0.15 and the plain form of older versions. Warnings are left out.
 */
export function extractErrors(cleaned: string): string[] {
  const lines = cleaned.split('\n');
  const blocks: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('╷')) {
      const body: string[] = [];
      let j = i + 1;
      for (; j < lines.length && !lines[j]!.startsWith('╵') && !lines[j]!.startsWith('╷'); j++)
        body.push(lines[j]!.replace(/^│ ?/, ''));
      const text = trimBlank(body).join('\n');
      if (/^Error: /.test(text)) blocks.push(text);
      i = lines[j]?.startsWith('╵') ? j : j - 1;
    } else if (/^Error: /.test(line)) {
      const body = [line];
      let j = i + 1;
      for (; j < lines.length; j++) {
        const next = lines[j]!;
        if (/^(Error|Warning): /.test(next) || next.startsWith('╷')) break;
        if (next === '' && (lines[j + 1] ?? '') === '') break;
        body.push(next);
      }
      blocks.push(trimBlank(body).join('\n'));
      i = j - 1;
    }
  }
  return blocks;
}

function trimBlank(lines: string[]): string[] {
  const out = [...lines];
  while (out.length && out[0]!.trim() === '') out.shift();
  while (out.length && out[out.length - 1]!.trim() === '') out.pop();
  return out;
}

// ------------------------------------------------------------------ redaction

/** What a sensitive value renders as (Terraform's own text plan says `(sensitive value)`, kept as it is). */
export const REDACTED = '(sensitive)';

/** Attribute names whose values are secrets whatever the plan says. */
export const SECRET_NAME =
  /(^|[_\-.])(password|passwd|secret|secret_key|token|api_key|apikey|private_key|client_secret|access_key|secret_access_key|auth|credentials?|connection_string|passphrase)([_\-.]|$)/i;

/** Values that look like credentials wherever they appear. */
const SECRET_VALUE_PATTERNS: RegExp[] = [
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
  /\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{16}\b/g,
  /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{40,}\b/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/g,
  /\bglpat-[A-Za-z0-9_-]{20,}\b/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g,
  /\b(?:sk|rk)_live_[A-Za-z0-9]{16,}\b/g,
  /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@"']+:([^\s@/"']+)@/gi,
];

export function redactSecretPatterns(text: string): string {
  let out = text;
  for (const pattern of SECRET_VALUE_PATTERNS) {
    out = out.replace(pattern, (match: string, password?: unknown) =>
      typeof password === 'string' && password ? match.replace(password, REDACTED) : REDACTED,
    );
  }
  return out;
}

// `name = "value"`, `"name": "value"`, `name = value` lines of a text plan (with +/-/~ markers).
const ASSIGNMENT = /^(\s*(?:[+~-]|-\/\+|\+\/-)?\s*"?([A-Za-z0-9_.-]+)"?\s*[=:]\s*)(.*)$/;
const HARMLESS_VALUE =
  /^(\(sensitive(?: value)?\)|\(known after apply\)|null|true|false|\[\]|\{\}|\[|\{|<<-?EOT|-?\d+(\.\d+)?|"")\s*,?$/;

export class Redactor {
  private readonly values: RegExp | undefined;

  constructor(sensitiveValues: readonly string[]) {
    const all = new Set<string>();
    for (const v of sensitiveValues) {
      all.add(v);
      // As it appears inside a quoted string of the text plan or a JSON value.
      const escaped = JSON.stringify(v).slice(1, -1);
      if (escaped !== v) all.add(escaped);
    }
    const sorted = [...all].sort((a, b) => b.length - a.length);
    this.values = sorted.length
      ? new RegExp(sorted.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g')
      : undefined;
  }

  /** Values the JSON marks sensitive (also as JSON-escaped strings), then secret-looking values. */
  value(text: string): string {
    let out = this.values ? text.replace(this.values, REDACTED) : text;
    out = redactSecretPatterns(out);
    return out;
  }

  /** A whole text plan: also the values of attributes named like secrets (`password = "..."`). */
  text(text: string): string {
    const lines = this.value(text).split('\n');
    for (let i = 0; i < lines.length; i++) {
      const m = ASSIGNMENT.exec(lines[i]!);
      if (!m || !SECRET_NAME.test(m[2]!)) continue;
      const value = m[3]!.trim();
      if (HARMLESS_VALUE.test(value)) continue;
      // `old -> new`: both sides go.
      lines[i] = `${m[1]}${REDACTED}`;
    }
    return lines.join('\n');
  }
}
