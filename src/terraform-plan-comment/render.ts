import type { ClassifiedResource, Kind, OutputChange, PlanAnalysis, PlanChange } from './plan.ts';
import { summaryLine } from './plan.ts';
import type { Redactor } from './text.ts';
import { REDACTED, SECRET_NAME } from './text.ts';

/**
 * The comment (and job summary) Markdown. Every string that comes from the plan goes through
 * `code()` (inline code with a fence longer than any backtick run inside, one line) or a fenced
 * block whose fence is longer than any backtick run inside; nothing from the plan is ever placed
 * in HTML or plain Markdown, so no tag, link, mention or `</details>` in it can take effect.
 */

export type Status = 'changes' | 'no-changes' | 'failed';

export interface CommentKey {
  directory: string;
  workspace: string;
  label: string;
}

export interface RenderInput {
  key: CommentKey;
  status: Status;
  /** Absent when the plan failed before a plan JSON existed. */
  analysis?: PlanAnalysis;
  /** Cleaned and redacted text plan (or the failed command's output). */
  text: string;
  /** Cleaned and redacted `Error:` blocks. */
  errors: string[];
  redactor: Redactor;
  footer: { sha: string; runUrl: string; time: Date; tool: string };
}

export interface RenderOptions {
  maxChars: number;
  /** Where the full rendering is when this one had to be cut. */
  fullRenderingHint: string;
}

export interface Rendered {
  markdown: string;
  truncated: boolean;
}

const MARKER_PREFIX = '<!-- terraform-plan-comment';

/** The hidden first line that finds the comment again: one per (directory, workspace, label). */
export function markerLine(key: CommentKey): string {
  const enc = (s: string) => encodeURIComponent(s);
  return `${MARKER_PREFIX} dir=${enc(key.directory)} workspace=${enc(key.workspace)} label=${enc(key.label)} -->`;
}

export function isMarkerOf(body: string, key: CommentKey): boolean {
  const firstLine = body.split('\n', 1)[0]!.trim();
  return firstLine === markerLine(key);
}

/** Inline code that nothing can break out of: one line, fenced by more backticks than it holds. */
export function code(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  let clean = text.replace(/\r?\n/g, '⏎').replace(/[\u0000-\u001f\u007f]/g, ' ');
  if (clean.length > max) clean = `${clean.slice(0, max)}…`;
  const longest = Math.max(0, ...(clean.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') || clean === '' ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}

/** Resource addresses are shown whole (for_each keys can be long); they cannot hold sensitive values. */
const addr = (address: string) => code(address, 1000);

/** A fenced block whose fence cannot be closed by the content. */
export function fenced(text: string, info = 'text'): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${text}\n${fence}`;
}

const REASONS: Record<string, string> = {
  replace_because_tainted: 'the object is tainted',
  replace_because_cannot_update: 'an attribute cannot be updated in place',
  replace_by_request: 'replacement was requested (-replace)',
  replace_by_triggers: 'replace_triggered_by changed',
  delete_because_no_resource_config: 'no longer in the configuration',
  delete_because_no_module: 'its module is no longer in the configuration',
  delete_because_wrong_repetition: 'count/for_each changed how it is repeated',
  delete_because_count_index: 'its count index is out of range',
  delete_because_each_key: 'its for_each key is gone',
  delete_because_no_move_target: 'its moved target does not exist',
  read_because_config_unknown: 'its configuration depends on values known only after apply',
  read_because_dependency_pending: 'it depends on a pending change',
  read_because_check_nested: 'a check block reads it',
};

/** A known reason in words; any other string from the plan only as inline code. */
function reason(r: ClassifiedResource): string {
  if (!r.reason) return '';
  return Object.hasOwn(REASONS, r.reason) ? REASONS[r.reason]! : `reason ${code(r.reason, 120)}`;
}

const STATUS_TEXT: Record<Status, string> = {
  changes: '✅ plan ok',
  'no-changes': '✅ no changes',
  failed: '❌ failed',
};

const GROUPS: Array<{ kind: Kind; title: string }> = [
  { kind: 'create', title: 'Create' },
  { kind: 'update', title: 'Update in place' },
  { kind: 'replace', title: 'Replace' },
  { kind: 'delete', title: 'Destroy' },
  { kind: 'read', title: 'Read (data sources)' },
  { kind: 'import', title: 'Import' },
  { kind: 'move', title: 'Move' },
  { kind: 'forget', title: 'Forget (removed from state, not destroyed)' },
];

// ------------------------------------------------------------------ values

function isTrue(mask: unknown): boolean {
  return mask === true;
}

/** The mask of one attribute: `true` on a whole object (or list) covers every attribute in it. */
function child(mask: unknown, key: string): unknown {
  if (mask === true) return true;
  return typeof mask === 'object' && mask !== null ? (mask as Record<string, unknown>)[key] : undefined;
}

/**
 * Redaction here goes by the plan's masks, not by matching values: a value marked sensitive is
 * never rendered, however short (the value list of `collectSensitiveValues`, used on free text,
 * has to leave out values under 4 characters; the structured rendering does not depend on it).
 */
function formatValue(value: unknown, sensitive: unknown, unknown: unknown, redactor: Redactor): string {
  if (isTrue(sensitive)) return REDACTED;
  if (isTrue(unknown)) return '(known after apply)';
  if (value === undefined) return 'null';
  const text = JSON.stringify(value) ?? 'null';
  // Nested sensitive parts inside an object: render the object as redacted rather than guess.
  if (typeof sensitive === 'object' && sensitive !== null && JSON.stringify(sensitive).includes('true'))
    return REDACTED;
  return redactor.value(text);
}

interface AttributeChange {
  name: string;
  before: string;
  after: string;
}

function changedAttributes(
  change: PlanChange,
  redactor: Redactor,
  max = 15,
): AttributeChange[] & { more?: number } {
  const before = (change.before ?? {}) as Record<string, unknown>;
  const after = (change.after ?? {}) as Record<string, unknown>;
  if (
    typeof before !== 'object' ||
    typeof after !== 'object' ||
    Array.isArray(before) ||
    Array.isArray(after)
  )
    return [];
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  const unknownMask = change.after_unknown;
  if (typeof unknownMask === 'object' && unknownMask !== null)
    for (const k of Object.keys(unknownMask)) names.add(k);
  const out: AttributeChange[] & { more?: number } = [];
  let more = 0;
  for (const name of [...names].sort()) {
    const aUnknown = child(change.after_unknown, name);
    if (!isTrue(aUnknown) && JSON.stringify(before[name]) === JSON.stringify(after[name])) continue;
    if (isTrue(aUnknown) && before[name] === undefined && after[name] === undefined && change.before === null)
      continue;
    if (out.length >= max) {
      more++;
      continue;
    }
    const secretName = SECRET_NAME.test(name);
    out.push({
      name,
      before: secretName
        ? REDACTED
        : formatValue(before[name], child(change.before_sensitive, name), false, redactor),
      after: secretName
        ? REDACTED
        : formatValue(after[name], child(change.after_sensitive, name), aUnknown, redactor),
    });
  }
  if (more) out.more = more;
  return out;
}

function attributeLines(change: PlanChange, redactor: Redactor, indent = '  '): string[] {
  const attrs = changedAttributes(change, redactor);
  const lines = attrs.map(
    (a) => `${indent}- ${code(a.name, 80)}: ${code(a.before, 120)} → ${code(a.after, 120)}`,
  );
  if (attrs.more) lines.push(`${indent}- … and ${attrs.more} more attribute${attrs.more === 1 ? '' : 's'}`);
  return lines;
}

// ------------------------------------------------------------------ sections

function header(input: RenderInput): string {
  const { key } = input;
  const label = key.label ? ` · ${code(key.label, 80)}` : '';
  return `### Terraform plan: ${code(key.directory)} · workspace ${code(key.workspace)}${label} — ${STATUS_TEXT[input.status]}`;
}

function summary(input: RenderInput): string {
  if (input.status === 'failed') {
    const partial = input.analysis?.hasChanges ? ` The partial plan: ${summaryLine(input.analysis)}` : '';
    return `**The plan failed.**${partial}`;
  }
  return `**${summaryLine(input.analysis!)}**`;
}

function destroyLine(r: ClassifiedResource): string {
  const what =
    r.kind === 'replace'
      ? r.createBeforeDestroy
        ? 'replaced (new one created first, then the old one destroyed)'
        : 'replaced (destroyed first, then created again)'
      : 'destroyed';
  const why = reason(r);
  const deposed = r.deposed ? ` (deposed object ${code(r.deposed, 40)})` : '';
  return `> - ${addr(r.address)}${deposed} — ${what}${why ? `: ${why}` : ''}`;
}

function destroyWarning(items: ClassifiedResource[], cutTo?: number): string {
  if (!items.length) return '';
  const shown = cutTo === undefined ? items : items.slice(0, cutTo);
  const lines = shown.map(destroyLine);
  if (shown.length < items.length)
    lines.push(`> - … and ${items.length - shown.length} more (see the full rendering)`);
  const n = items.length;
  return [
    '> [!WARNING]',
    `> **${n} resource${n === 1 ? '' : 's'} will be destroyed or replaced:**`,
    ...lines,
  ].join('\n');
}

function resourceEntry(r: ClassifiedResource, redactor: Redactor): string {
  const extra: string[] = [];
  if (r.previousAddress) extra.push(`moved from ${addr(r.previousAddress)}`);
  if (r.importId !== undefined && r.kind !== 'import')
    extra.push(`imported from ${code(redactor.value(r.importId), 120)}`);
  const suffix = extra.length ? ` (${extra.join(', ')})` : '';
  switch (r.kind) {
    case 'update':
      return [`- ${addr(r.address)}${suffix}`, ...attributeLines(r.change, redactor)].join('\n');
    case 'replace': {
      const order = r.createBeforeDestroy ? 'create before destroy' : 'destroy before create';
      const paths = (r.change.replace_paths ?? [])
        .map((p) => (Array.isArray(p) ? p.map(String).join('.') : String(p)))
        .filter(Boolean);
      const why = reason(r);
      return [
        `- ${addr(r.address)}${suffix} — ${order}${why ? `; ${why}` : ''}${paths.length ? `; forces replacement: ${paths.map((p) => code(p, 80)).join(', ')}` : ''}`,
        ...attributeLines(r.change, redactor),
      ].join('\n');
    }
    case 'delete':
    case 'read': {
      const why = reason(r);
      return `- ${addr(r.address)}${suffix}${why ? ` — ${why}` : ''}`;
    }
    case 'import':
      return `- ${addr(r.address)} — import ID ${code(redactor.value(r.importId ?? ''), 120)}${r.previousAddress ? ` (moved from ${addr(r.previousAddress)})` : ''}`;
    case 'move':
      return `- ${addr(r.previousAddress ?? '')} → ${addr(r.address)}`;
    case 'forget':
      return `- ${addr(r.address)}${suffix} — will no longer be managed by Terraform; the object is not destroyed`;
    default:
      return `- ${addr(r.address)}${suffix}`;
  }
}

function outputEntry(o: OutputChange, redactor: Redactor): string {
  const c = o.change;
  const action = o.actions.map((a) => code(String(a), 80)).join(', ');
  const secretName = SECRET_NAME.test(o.name);
  const before =
    c.before === null || c.before === undefined
      ? '(none)'
      : secretName
        ? REDACTED
        : formatValue(c.before, c.before_sensitive, false, redactor);
  const after =
    o.actions.includes('delete') && !o.actions.includes('create')
      ? '(removed)'
      : secretName
        ? REDACTED
        : formatValue(c.after, c.after_sensitive, c.after_unknown, redactor);
  return `- ${code(o.name, 120)} (${action}): ${code(before, 120)} → ${code(after, 120)}`;
}

function driftEntry(r: ClassifiedResource, redactor: Redactor): string {
  const what = r.actions.includes('delete') ? 'deleted outside of Terraform' : 'changed outside of Terraform';
  return [
    `- ${addr(r.address)} — ${what}`,
    ...(r.actions.includes('delete') ? [] : attributeLines(r.change, redactor)),
  ].join('\n');
}

/** Per-resource detail as a list of blocks, in order; each block is a heading or one entry. */
function detailBlocks(a: PlanAnalysis, redactor: Redactor): string[] {
  const blocks: string[] = [];
  for (const g of GROUPS) {
    const items = a.resources.filter((r) => r.kind === g.kind);
    if (!items.length) continue;
    blocks.push(`\n**${g.title}** (${items.length})\n`);
    for (const r of items) blocks.push(resourceEntry(r, redactor));
  }
  if (a.outputs.length) {
    blocks.push(`\n**Output changes** (${a.outputs.length})\n`);
    for (const o of a.outputs) blocks.push(outputEntry(o, redactor));
  }
  if (a.drift.length) {
    blocks.push(`\n**Changed outside of Terraform** (${a.drift.length}, drift found while refreshing)\n`);
    for (const r of a.drift) blocks.push(driftEntry(r, redactor));
  }
  return blocks;
}

function footerLine(input: RenderInput): string {
  const f = input.footer;
  const sha = f.sha ? `commit ${code(f.sha.slice(0, 12), 12)}` : '';
  const run = f.runUrl
    ? `[workflow run](${encodeURI(f.runUrl).replace(/[()]/g, (c) => encodeURIComponent(c))})`
    : '';
  const time = `${f.time
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC')}`;
  const tool = input.analysis?.terraformVersion
    ? `${f.tool} ${code(input.analysis.terraformVersion, 30)}`
    : f.tool;
  return `<sub>${[sha, run, time, tool].filter(Boolean).join(' · ')}</sub>`;
}

function textBlock(text: string, totalLines: number, cut: number): string {
  const note = cut > 0 ? `\n… ${cut} more line${cut === 1 ? '' : 's'} cut to fit the comment` : '';
  return `<details><summary>Full plan output (${totalLines} lines)</summary>\n\n${fenced(text + note)}\n\n</details>`;
}

/** Renders within `maxChars`: cuts the text plan first, then per-resource detail, never the head. */
export function renderComment(input: RenderInput, options: RenderOptions): Rendered {
  const { redactor } = input;
  const max = options.maxChars;
  const head = [markerLine(input.key), header(input), '', summary(input)].join('\n');
  const destroyItems = (input.analysis?.resources ?? []).filter(
    (r) => r.kind === 'delete' || r.kind === 'replace',
  );
  const errors = input.errors.length
    ? `**Errors** (${input.errors.length})\n\n${fenced(input.errors.join('\n\n'))}`
    : '';
  const details = input.analysis ? detailBlocks(input.analysis, redactor) : [];
  const footer = footerLine(input);
  const note = (what: string) =>
    `> [!NOTE]\n> This comment was shortened to stay under ${max.toLocaleString('en-US')} characters (left out: ${what}): ${options.fullRenderingHint}`;
  // Sized for the longest "left out" text; the real one is written once the cuts are known.
  const cutNote = note(
    `${'9'.repeat(9)} of ${'9'.repeat(9)} lines of the text plan, ${'9'.repeat(9)} per-resource entries`,
  );

  const join = (parts: string[]) => parts.filter((p) => p !== '').join('\n\n');
  const textLines = input.text ? input.text.split('\n') : [];
  const full = join([
    head,
    destroyWarning(destroyItems),
    errors,
    details.length
      ? `<details open><summary>Changes by resource</summary>\n${details.join('\n')}\n\n</details>`
      : '',
    textLines.length ? textBlock(input.text, textLines.length, 0) : '',
    footer,
  ]);
  if (full.length <= max) return { markdown: full, truncated: false };

  // 1. The fixed part: head, destroy/replace list, errors (capped), footer and the cut note.
  let warning = destroyWarning(destroyItems);
  let errorPart = errors;
  const fixed = () => join([head, warning, errorPart, cutNote, footer]).length;
  if (fixed() > max && errorPart) {
    const room = Math.max(200, max - join([head, warning, cutNote, footer]).length - 200);
    errorPart = `**Errors** (${input.errors.length})\n\n${fenced(cutToLines(input.errors.join('\n\n'), room - 40).text)}`;
  }
  if (fixed() > max) {
    // Last resort, only for plans destroying thousands of resources: shorten the list itself.
    let lo = 0;
    let hi = destroyItems.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      warning = destroyWarning(destroyItems, mid);
      if (fixed() <= max) lo = mid;
      else hi = mid - 1;
    }
    warning = destroyWarning(destroyItems, lo);
  }
  let budget = max - fixed() - 4;

  // 2. Per-resource detail, whole entries only, while there is room (the text plan comes after).
  let detailPart = '';
  let omittedEntries = 0;
  if (details.length && budget > 200) {
    const open = '<details open><summary>Changes by resource</summary>\n';
    const close = '\n\n</details>';
    const kept: string[] = [];
    let used = open.length + close.length + 80;
    let omitted = 0;
    for (const block of details) {
      if (omitted === 0 && used + block.length + 1 <= budget) {
        kept.push(block);
        used += block.length + 1;
      } else if (!block.startsWith('\n**')) omitted++;
    }
    omittedEntries = omitted;
    if (omitted) kept.push(`\n… ${omitted} more entr${omitted === 1 ? 'y' : 'ies'} not shown`);
    if (kept.length > (omitted ? 1 : 0)) detailPart = `${open}${kept.join('\n')}${close}`;
    budget -= detailPart.length + 2;
  }

  // 3. The text plan with what is left, cut on a line boundary.
  let textPart = '';
  let cutLines = textLines.length;
  if (textLines.length && budget > 300) {
    const overhead = textBlock('', textLines.length, textLines.length).length + 20;
    const { text, cut } = cutToLines(input.text, budget - overhead);
    if (cut < textLines.length) {
      textPart = textBlock(text, textLines.length, cut);
      cutLines = cut;
    }
  }
  const leftOut = [
    ...(cutLines ? [`${cutLines} of ${textLines.length} lines of the text plan`] : []),
    ...(omittedEntries ? [`${omittedEntries} per-resource entr${omittedEntries === 1 ? 'y' : 'ies'}`] : []),
  ];
  const markdown = join([
    head,
    warning,
    errorPart,
    detailPart,
    textPart,
    note(leftOut.join(', ') || 'detail'),
    footer,
  ]);
  if (markdown.length <= max) return { markdown, truncated: true };
  // Only when the head alone is over the limit (a tiny max-comment-chars): drop the optional parts,
  // then cut on a line boundary and close whatever fence or <details> is open.
  const smaller = join([head, warning, errorPart, note(leftOut.join(', ') || 'detail'), footer]);
  return { markdown: smaller.length <= max ? smaller : cutWellFormed(smaller, max), truncated: true };
}

/** Whole lines of `markdown` within `max` characters, with open fences and <details> closed. */
export function cutWellFormed(markdown: string, max: number): string {
  const lines = markdown.split('\n');
  const kept: string[] = [];
  let fence = '';
  let details = 0;
  let used = 0;
  const closing = () => `${fence ? `\n${fence}` : ''}${'\n</details>'.repeat(details)}`;
  for (const line of lines) {
    let nextFence = fence;
    let nextDetails = details;
    if (fence) {
      if (
        line.trim().startsWith(fence[0]!) &&
        /^\s*(`{3,}|~{3,})\s*$/.test(line) &&
        line.trim().length >= fence.length
      )
        nextFence = '';
    } else {
      const open = /^(`{3,}|~{3,})/.exec(line);
      if (open) nextFence = open[1]!;
      else {
        nextDetails += (line.match(/<details/g) ?? []).length;
        nextDetails -= (line.match(/<\/details>/g) ?? []).length;
      }
    }
    const prev = { fence, details };
    fence = nextFence;
    details = Math.max(0, nextDetails);
    const after = used + line.length + (kept.length ? 1 : 0);
    if (after + closing().length > max) {
      fence = prev.fence;
      details = prev.details;
      break;
    }
    kept.push(line);
    used = after;
  }
  return (kept.join('\n') + closing()).slice(0, max);
}

/** The first lines of `text` that fit in `room` characters, and how many lines were left out. */
export function cutToLines(text: string, room: number): { text: string; cut: number } {
  const lines = text.split('\n');
  let used = 0;
  let n = 0;
  for (; n < lines.length; n++) {
    const len = lines[n]!.length + 1;
    if (used + len > room) break;
    used += len;
  }
  return { text: lines.slice(0, n).join('\n'), cut: lines.length - n };
}
