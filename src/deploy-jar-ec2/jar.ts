import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { glob, open, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { InputError, quote } from '../lib/inputs.ts';

export interface JarInfo {
  path: string;
  size: number;
  sha256: string;
}

/** The one file `pattern` names (a path or a glob, relative to `cwd`), checked to be a jar. */
export async function resolveJar(pattern: string, cwd: string): Promise<JarInfo> {
  const matches: string[] = [];
  if (/[*?[]/.test(pattern)) {
    for await (const m of glob(pattern, { cwd })) matches.push(isAbsolute(m) ? m : resolve(cwd, m));
  } else {
    matches.push(resolve(cwd, pattern));
  }
  const files: string[] = [];
  for (const m of matches.sort()) {
    const s = await stat(m).catch(() => undefined);
    if (s?.isFile()) files.push(m);
  }
  if (files.length === 0) {
    throw new InputError(
      'jar',
      `${quote(pattern)} matches no file (looked in ${cwd}). Build the jar in an earlier step.`,
    );
  }
  if (files.length > 1) {
    throw new InputError(
      'jar',
      `${quote(pattern)} matches ${files.length} files (${files.slice(0, 5).join(', ')}${files.length > 5 ? ', ...' : ''}); it must match exactly one.`,
    );
  }
  const path = files[0]!;
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    if (bytesRead < 4 || head.readUInt32BE(0) !== 0x504b0304) {
      throw new InputError('jar', `${path} is not a jar (a jar is a zip file starting with "PK\\x03\\x04").`);
    }
  } finally {
    await handle.close();
  }
  const { size } = await stat(path);
  return { path, size, sha256: await sha256File(path) };
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
