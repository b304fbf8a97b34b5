// Environment files of a step (GITHUB_OUTPUT, GITHUB_ENV, GITHUB_STATE, GITHUB_PATH, GITHUB_STEP_SUMMARY),
// parsed as the runner's file commands do.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export class FileCommandError extends Error {
  override name = 'FileCommandError';
}

/**
 * Parses `name=value` lines and `name<<DELIMITER` ... `DELIMITER` blocks (SetEnvFileCommand of the
 * runner). Later entries win.
 */
export function parseKeyValueFile(content: string): Array<[string, string]> {
  const result: Array<[string, string]> = [];
  const lines = content.split('\n').map((l) => l.replace(/\r$/, ''));
  // A trailing newline ends the last line; it is not an extra empty line.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    i++;
    if (line === '') continue;
    const eq = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (eq >= 0 && (heredoc < 0 || eq < heredoc)) {
      const name = line.slice(0, eq);
      if (name === '') throw new FileCommandError(`Invalid format '${line}'. Name must not be empty`);
      result.push([name, line.slice(eq + 1)]);
    } else if (heredoc >= 0) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      if (name === '') throw new FileCommandError(`Invalid format '${line}'. Name must not be empty`);
      if (delimiter === '')
        throw new FileCommandError(`Invalid format '${line}'. Delimiter must not be empty`);
      const value: string[] = [];
      let closed = false;
      while (i < lines.length) {
        const l = lines[i]!;
        i++;
        if (l === delimiter) {
          closed = true;
          break;
        }
        value.push(l);
      }
      if (!closed) throw new FileCommandError(`Matching delimiter not found '${delimiter}'`);
      result.push([name, value.join('\n')]);
    } else {
      throw new FileCommandError(`Invalid format '${line}'`);
    }
  }
  return result;
}

export function parsePathFile(content: string): string[] {
  return content
    .split('\n')
    .map((l) => l.replace(/\r$/, '').trim())
    .filter((l) => l !== '');
}

export interface StepFiles {
  output: string;
  env: string;
  path: string;
  state: string;
  summary: string;
}

/** Creates fresh, empty environment files for one step. */
export function createStepFiles(dir: string): StepFiles {
  mkdirSync(dir, { recursive: true });
  const id = randomUUID();
  const files: StepFiles = {
    output: path.join(dir, `set_output_${id}`),
    env: path.join(dir, `set_env_${id}`),
    path: path.join(dir, `add_path_${id}`),
    state: path.join(dir, `save_state_${id}`),
    summary: path.join(dir, `step_summary_${id}`),
  };
  for (const f of [files.output, files.env, files.path, files.state, files.summary]) writeFileSync(f, '');
  return files;
}

export function readIfExists(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}
