// The job log (masked, written live) and the workflow commands (`::name props::data`) of step output.
import { appendFileSync } from 'node:fs';

/** Replaces registered secret values with `***`, as the runner's SecretMasker does. */
export class SecretMasker {
  private readonly values = new Set<string>();
  private sorted: string[] = [];

  add(value: string): void {
    if (!value || value.trim() === '') return;
    const candidates = [value];
    // A multi-line value masks every line too (actions/runner#1521).
    for (const line of value.split(/\r?\n/)) if (line.trim() !== '') candidates.push(line);
    for (const v of [...candidates]) {
      // Encoded forms the runner masks as well.
      candidates.push(JSON.stringify(v).slice(1, -1), encodeURIComponent(v));
      if (v.length >= 4) candidates.push(Buffer.from(v).toString('base64'));
    }
    let changed = false;
    for (const c of candidates) {
      if (c.trim() !== '' && !this.values.has(c)) {
        this.values.add(c);
        changed = true;
      }
    }
    if (changed) this.sorted = [...this.values].sort((a, b) => b.length - a.length);
  }

  /** True if the text contains a registered value. */
  matches(text: string): boolean {
    return this.sorted.some((v) => text.includes(v));
  }

  mask(text: string): string {
    let out = text;
    for (const v of this.sorted) if (out.includes(v)) out = out.split(v).join('***');
    return out;
  }
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  properties: Record<string, string>;
  step?: string;
}

/** The job log: every line is masked, appended to the log file at once and kept in memory. */
export class JobLog {
  readonly filePath: string;
  readonly echo: boolean;
  readonly masker: SecretMasker;
  readonly lines: string[] = [];
  readonly annotations: Annotation[] = [];
  currentStep: string | undefined;

  constructor(filePath: string, echo: boolean, masker: SecretMasker) {
    this.filePath = filePath;
    this.echo = echo;
    this.masker = masker;
  }

  write(text: string): void {
    const masked = this.masker.mask(text);
    const out = masked
      .split('\n')
      .map((l) => l.replace(/\r$/, ''))
      .join('\n');
    this.lines.push(...out.split('\n'));
    appendFileSync(this.filePath, out + '\n');
    if (this.echo) process.stdout.write(out + '\n');
  }

  group(title: string): void {
    this.write(`##[group]${title}`);
  }
  endGroup(): void {
    this.write('##[endgroup]');
  }
  debug(message: string): void {
    this.write(prefixLines('##[debug]', message));
  }
  annotate(level: Annotation['level'], message: string, properties: Record<string, string> = {}): void {
    this.annotations.push({
      level,
      message: this.masker.mask(message),
      properties: Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, this.masker.mask(v)])),
      ...(this.currentStep !== undefined ? { step: this.currentStep } : {}),
    });
    this.write(`##[${level}]${message}`);
  }
  error(message: string, properties?: Record<string, string>): void {
    this.annotate('error', message, properties);
  }
  warning(message: string, properties?: Record<string, string>): void {
    this.annotate('warning', message, properties);
  }
  notice(message: string, properties?: Record<string, string>): void {
    this.annotate('notice', message, properties);
  }

  text(): string {
    return this.lines.join('\n') + (this.lines.length ? '\n' : '');
  }
}

function prefixLines(prefix: string, message: string): string {
  return message
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}

/** What the output of one step can do through workflow commands. */
export interface CommandSink {
  log: JobLog;
  debugEnabled: boolean;
  unsecureCommandsAllowed: boolean;
  setOutput(name: string, value: string): void;
  saveState(name: string, value: string): void;
  exportVariable(name: string, value: string): void;
  addPath(p: string): void;
  /** Marks the step as failed (a command was rejected). */
  fail(message: string): void;
}

const COMMANDS = new Set([
  'add-mask',
  'group',
  'endgroup',
  'error',
  'warning',
  'notice',
  'debug',
  'set-output',
  'save-state',
  'set-env',
  'add-path',
  'stop-commands',
  'echo',
  'add-matcher',
  'remove-matcher',
]);

const DEPRECATED_URL =
  'https://github.blog/changelog/2022-10-11-github-actions-deprecating-save-state-and-set-output-commands/';
const UNSECURE_URL =
  'https://github.blog/changelog/2020-10-01-github-actions-deprecating-set-env-and-add-path-commands/';

function unescapeData(s: string): string {
  return s.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}
function unescapeProperty(s: string): string {
  return s
    .replace(/%0D/gi, '\r')
    .replace(/%0A/gi, '\n')
    .replace(/%3A/gi, ':')
    .replace(/%2C/gi, ',')
    .replace(/%25/g, '%');
}

interface ParsedCommand {
  name: string;
  properties: Record<string, string>;
  data: string;
}

/** ActionCommand.TryParseV2 of the runner. */
export function parseCommand(line: string): ParsedCommand | undefined {
  const message = line.trimStart();
  if (!message.startsWith('::')) return undefined;
  const end = message.indexOf('::', 2);
  if (end < 0) return undefined;
  const info = message.slice(2, end);
  const space = info.indexOf(' ');
  const name = space < 0 ? info : info.slice(0, space);
  const properties: Record<string, string> = {};
  if (space > 0) {
    for (const prop of info
      .slice(space + 1)
      .trim()
      .split(',')
      .filter((p) => p !== '')) {
      const eq = prop.indexOf('=');
      if (eq > 0 && eq < prop.length - 1)
        properties[prop.slice(0, eq)] = unescapeProperty(prop.slice(eq + 1));
    }
  }
  return { name, properties, data: unescapeData(message.slice(end + 2)) };
}

/** Processes the output lines of one step (stdout and stderr), as the runner's OutputManager does. */
export class StepOutputProcessor {
  private readonly sink: CommandSink;
  private stopToken: string | undefined;
  private echoCommands = false;

  constructor(sink: CommandSink) {
    this.sink = sink;
  }

  line(raw: string): void {
    const line = raw.replace(/\r$/, '');
    const { log } = this.sink;
    if (this.stopToken !== undefined) {
      if (line.trim().toLowerCase() === `::${this.stopToken}::`.toLowerCase()) {
        this.stopToken = undefined;
        return;
      }
      log.write(line);
      return;
    }
    const cmd = parseCommand(line);
    if (!cmd || !COMMANDS.has(cmd.name)) {
      log.write(line);
      return;
    }
    this.run(cmd, line);
  }

  private run(cmd: ParsedCommand, line: string): void {
    const sink = this.sink;
    const log = sink.log;
    const echo = () => {
      if (this.echoCommands) log.write(line);
    };
    switch (cmd.name) {
      case 'add-mask':
        if (cmd.data.trim() === '') {
          log.warning("Can't add secret mask for empty string in ##[add-mask] command.");
        } else {
          log.masker.add(cmd.data);
        }
        echo();
        return;
      case 'group':
        log.group(cmd.data);
        return;
      case 'endgroup':
        log.endGroup();
        return;
      case 'error':
      case 'warning':
      case 'notice':
        log.annotate(cmd.name, cmd.data, cmd.properties);
        return;
      case 'debug':
        if (sink.debugEnabled) log.debug(cmd.data);
        return;
      case 'set-output':
      case 'save-state': {
        log.warning(
          `The \`${cmd.name}\` command is deprecated and will be disabled soon. Please upgrade to using Environment Files. For more information see: ${DEPRECATED_URL}`,
        );
        const name = cmd.properties.name;
        if (!name) {
          log.error(`Invalid ${cmd.name} command: the 'name' property is required`);
          sink.fail(`Invalid ${cmd.name} command`);
          return;
        }
        if (cmd.name === 'set-output') sink.setOutput(name, cmd.data);
        else sink.saveState(name, cmd.data);
        echo();
        return;
      }
      case 'set-env':
      case 'add-path': {
        if (!sink.unsecureCommandsAllowed) {
          const message = `The \`${cmd.name}\` command is disabled. Please upgrade to using Environment Files or opt into unsecure command execution by setting the \`ACTIONS_ALLOW_UNSECURE_COMMANDS\` environment variable to \`true\`. For more information see: ${UNSECURE_URL}`;
          log.error(message);
          sink.fail(message);
          return;
        }
        if (cmd.name === 'set-env') {
          const name = cmd.properties.name;
          if (name) sink.exportVariable(name, cmd.data);
        } else {
          sink.addPath(cmd.data);
        }
        echo();
        return;
      }
      case 'stop-commands':
        if (!cmd.data) {
          log.error('Invalid stop-commands command: a token is required');
          return;
        }
        echo();
        this.stopToken = cmd.data;
        return;
      case 'echo': {
        const v = cmd.data.trim().toLowerCase();
        if (v === 'on') this.echoCommands = true;
        else if (v === 'off') this.echoCommands = false;
        else
          log.error(
            `Invalid echo command value. Possible values can be: 'on', 'off'. Current value is: '${cmd.data}'.`,
          );
        return;
      }
      case 'add-matcher':
      case 'remove-matcher':
        // Problem matchers only turn matching output lines into annotations; the lines are logged anyway.
        log.write(`(local runner: problem matchers are not evaluated; ignoring ${cmd.name})`);
        return;
      default:
        log.write(line);
    }
  }
}
