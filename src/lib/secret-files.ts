import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPaths, savePaths, type StateStore } from './state.ts';

/**
 * Private files (keys, registry credentials) live in a 0700 directory under RUNNER_TEMP. Its path
 * is saved in the step state BEFORE it is created, so the post step removes it whatever happens.
 */
const STATE_NAME = 'secret-dirs';

export async function createSecretDir(
  state: StateStore,
  prefix: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const dir = join(env.RUNNER_TEMP || tmpdir(), `${prefix}-${randomUUID()}`);
  savePaths(state, STATE_NAME, [...loadPaths(state, STATE_NAME), dir]);
  await mkdir(dir, { mode: 0o700 });
  return dir;
}

/** Writes a new file readable by its owner only; LF endings are the caller's job. */
export async function writeSecretFile(path: string, content: string): Promise<void> {
  await writeFile(path, content, { mode: 0o600, flag: 'wx' });
}

/** Removes every directory created by createSecretDir in this step; returns what was removed. */
export async function removeSecretDirs(state: StateStore): Promise<string[]> {
  const dirs = loadPaths(state, STATE_NAME);
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  return dirs;
}
