import * as core from '@actions/core';

/** What logic modules log through; the real one is @actions/core, tests pass a recorder. */
export interface Logger {
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
  /** Marks a value as secret: it is masked in every later log line. */
  mask(value: string): void;
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

export const coreLogger: Logger = {
  info: (m) => core.info(m),
  warning: (m) => core.warning(m),
  debug: (m) => core.debug(m),
  mask: (v) => core.setSecret(v),
  group: (name, fn) => core.group(name, fn),
};

/** A Logger that records everything, for tests. */
export function recordingLogger(): Logger & { lines: string[]; masked: string[] } {
  const lines: string[] = [];
  const masked: string[] = [];
  return {
    lines,
    masked,
    info: (m) => lines.push(m),
    warning: (m) => lines.push(`warning: ${m}`),
    debug: (m) => lines.push(`debug: ${m}`),
    mask: (v) => masked.push(v),
    group: async (name, fn) => {
      lines.push(`group: ${name}`);
      return fn();
    },
  };
}
