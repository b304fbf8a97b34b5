import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, glob, open, stat } from 'node:fs/promises';
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
    const { size } = await handle.stat();
    const names = await zipEntryNames(handle, size);
    if (names === undefined) {
      throw new InputError('jar', `${path} is not a jar: its zip central directory is missing or damaged.`);
    }
    if (!names.includes('META-INF/MANIFEST.MF')) {
      throw new InputError(
        'jar',
        `${path} is a zip file but not a jar: it has no META-INF/MANIFEST.MF entry.`,
      );
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

/**
 * The entry names in a zip's central directory (ZIP64 included), or undefined when the end of
 * central directory record cannot be found or the directory is inconsistent.
 */
export async function zipEntryNames(handle: FileHandle, size: number): Promise<string[] | undefined> {
  const read = async (position: number, length: number): Promise<Buffer> => {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buf, 0, length, position);
    return buf.subarray(0, bytesRead);
  };
  // The end of central directory record (22 bytes + a comment of up to 65535) ends the file.
  const tailLength = Math.min(size, 22 + 65535);
  const tail = await read(size - tailLength, tailLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return undefined;
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (cdOffset === 0xffffffff || cdSize === 0xffffffff || count === 0xffff) {
    // ZIP64: a locator right before the record points at the ZIP64 end of central directory.
    if (eocd < 20 || tail.readUInt32LE(eocd - 20) !== 0x07064b50) return undefined;
    const z64 = await read(Number(tail.readBigUInt64LE(eocd - 20 + 8)), 56);
    if (z64.length < 56 || z64.readUInt32LE(0) !== 0x06064b50) return undefined;
    count = Number(z64.readBigUInt64LE(32));
    cdSize = Number(z64.readBigUInt64LE(40));
    cdOffset = Number(z64.readBigUInt64LE(48));
  }
  if (cdOffset + cdSize > size || cdSize > 256 * 1024 * 1024) return undefined;
  const cd = await read(cdOffset, cdSize);
  const names: string[] = [];
  let at = 0;
  for (let n = 0; n < count; n++) {
    if (at + 46 > cd.length || cd.readUInt32LE(at) !== 0x02014b50) return undefined;
    const nameLength = cd.readUInt16LE(at + 28);
    const extraLength = cd.readUInt16LE(at + 30);
    const commentLength = cd.readUInt16LE(at + 32);
    names.push(cd.toString('utf8', at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}
