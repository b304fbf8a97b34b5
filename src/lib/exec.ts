import * as core from '@actions/core';
import { getExecOutput } from '@actions/exec';

export interface ExecOptions {
  cwd?: string;
  /** Full environment for the child; defaults to this process's environment. */
  env?: Record<string, string>;
  /** Written to the child's stdin (how secrets reach a command: never through argv). */
  input?: string | Buffer;
  /** Stream the child's output into the log as it runs (for long builds); default false. */
  stream?: boolean;
  /** Return a non-zero exit instead of throwing. */
  allowFailure?: boolean;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a program with an argv array: no shell, nothing interpolated. */
export type Exec = (command: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

/** A command that exited non-zero: the message carries the exit code and the end of stderr. */
export class CommandError extends Error {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  constructor(command: string, result: ExecResult) {
    const detail = lastLines(result.stderr || result.stdout, 15);
    super(`${command} failed with exit code ${result.exitCode}${detail ? `:\n${detail}` : ''}`);
    this.name = 'CommandError';
    this.exitCode = result.exitCode;
    this.stdout = result.stdout;
    this.stderr = result.stderr;
  }
}

export function lastLines(text: string, count: number): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  return lines.slice(-count).join('\n');
}

/** The real Exec, over @actions/exec. The command line goes to the debug log only. */
export const exec: Exec = async (command, args, options = {}) => {
  core.debug(`exec: ${[command, ...args].map((a) => JSON.stringify(a)).join(' ')}`);
  const input = typeof options.input === 'string' ? Buffer.from(options.input) : options.input;
  const result = await getExecOutput(command, [...args], {
    cwd: options.cwd,
    env: options.env,
    input,
    silent: !options.stream,
    ignoreReturnCode: true,
  });
  if (result.exitCode !== 0 && !options.allowFailure) throw new CommandError(command, result);
  return result;
};
