/**
 * Input parsing shared by every action. Logic modules receive an `InputSource` (a function from
 * input name to raw string) so they can be tested without @actions/core.
 */
export type InputSource = (name: string) => string;

/** A user mistake in an input. The message names the input and the expected form. */
export class InputError extends Error {
  readonly input: string;
  constructor(input: string, message: string) {
    super(`Input '${input}': ${message}`);
    this.name = 'InputError';
    this.input = input;
  }
}

export interface StringOptions {
  required?: boolean;
  /** A pattern the whole (trimmed) value must match. */
  pattern?: RegExp;
  /** Describes the expected form, used in the error message. */
  expected?: string;
}

export function readString(get: InputSource, name: string, opts: StringOptions = {}): string {
  const value = get(name).trim();
  if (!value) {
    if (opts.required) throw new InputError(name, `is required${opts.expected ? `: ${opts.expected}` : ''}.`);
    return '';
  }
  if (opts.pattern && !opts.pattern.test(value)) {
    throw new InputError(
      name,
      `invalid value ${quote(value)}. Expected ${opts.expected ?? `a value matching ${String(opts.pattern)}`}.`,
    );
  }
  return value;
}

export function readBoolean(get: InputSource, name: string, fallback: boolean): boolean {
  const value = get(name).trim();
  if (!value) return fallback;
  if (/^(true|yes|on|1)$/i.test(value)) return true;
  if (/^(false|no|off|0)$/i.test(value)) return false;
  throw new InputError(name, `invalid value ${quote(value)}. Expected true or false.`);
}

export interface NumberOptions {
  min?: number;
  max?: number;
  integer?: boolean;
  unit?: string;
}

export function readNumber(
  get: InputSource,
  name: string,
  fallback: number,
  opts: NumberOptions = {},
): number {
  const raw = get(name).trim();
  if (!raw) return fallback;
  const value = Number(raw);
  const integer = opts.integer ?? true;
  const bounds = [
    opts.min !== undefined ? `>= ${opts.min}` : '',
    opts.max !== undefined ? `<= ${opts.max}` : '',
  ].filter(Boolean);
  const expected = `${integer ? 'a whole number' : 'a number'}${bounds.length ? ` ${bounds.join(' and ')}` : ''}${opts.unit ? ` (${opts.unit})` : ''}`;
  if (
    !/^-?\d+(\.\d+)?$/.test(raw) ||
    !Number.isFinite(value) ||
    (integer && !Number.isInteger(value)) ||
    (opts.min !== undefined && value < opts.min) ||
    (opts.max !== undefined && value > opts.max)
  ) {
    throw new InputError(name, `invalid value ${quote(raw)}. Expected ${expected}.`);
  }
  return value;
}

export function readChoice<T extends string>(
  get: InputSource,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const value = get(name).trim();
  if (!value) return fallback;
  const match = choices.find((c) => c === value.toLowerCase());
  if (!match)
    throw new InputError(name, `invalid value ${quote(value)}. Expected one of: ${choices.join(', ')}.`);
  return match;
}

/** Multi-line (or comma-separated, when `commas` is set) list; blank lines and `#` comments dropped. */
export function readList(get: InputSource, name: string, opts: { commas?: boolean } = {}): string[] {
  const raw = get(name);
  const parts = opts.commas ? raw.split(/[\n,]/) : raw.split('\n');
  return parts.map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
}

/** Lines of `KEY=VALUE`. The key must match `keyPattern`; duplicate keys are refused. */
export function readKeyValueLines(
  get: InputSource,
  name: string,
  opts: { keyPattern?: RegExp; keyExpected?: string; valueExpected?: string } = {},
): Array<{ key: string; value: string }> {
  const keyPattern = opts.keyPattern ?? /^[A-Za-z_][A-Za-z0-9_-]*$/;
  const seen = new Set<string>();
  return readList(get, name).map((line) => {
    const eq = line.indexOf('=');
    const form = `KEY=${opts.valueExpected ?? 'VALUE'}`;
    if (eq <= 0) throw new InputError(name, `invalid line ${quote(line)}. Expected ${form}, one per line.`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (!keyPattern.test(key)) {
      throw new InputError(
        name,
        `invalid name ${quote(key)}. Expected ${opts.keyExpected ?? `a name matching ${String(keyPattern)}`}.`,
      );
    }
    if (!value) throw new InputError(name, `line ${quote(line)} has no value. Expected ${form}.`);
    const folded = key.toLowerCase();
    if (seen.has(folded)) throw new InputError(name, `the name ${quote(key)} is given twice.`);
    seen.add(folded);
    return { key, value };
  });
}

/** Quote a user value for an error message, cut short so a huge value cannot flood the log. */
export function quote(value: string, max = 80): string {
  const oneLine = value.replace(/\r?\n/g, '\\n');
  return `'${oneLine.length > max ? `${oneLine.slice(0, max)}...` : oneLine}'`;
}
