import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { mapPool } from '../lib/concurrency.ts';
import { globToRegExp, matchesAny } from '../lib/glob.ts';
import { InputError } from '../lib/inputs.ts';

export interface LocalFile {
  /** Path below the source directory with `/` separators, e.g. `about/index.html`. */
  relPath: string;
  absPath: string;
  size: number;
  /** MD5 of the content, hex. */
  md5: string;
}

export function md5File(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('md5');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolvePromise(hash.digest('hex')));
  });
}

async function walk(
  root: string,
  dir: string,
  out: { relPath: string; absPath: string; size: number }[],
): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const absPath = join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const s = await stat(absPath);
      isDir = s.isDirectory();
      isFile = s.isFile();
    }
    const relPath = absPath
      .slice(root.length + 1)
      .split('\\')
      .join('/');
    if (isDir) await walk(root, absPath, out);
    else if (isFile) out.push({ relPath, absPath, size: (await stat(absPath)).size });
  }
}

/**
 * Lists the files of the export with their MD5. Refuses (InputError naming the directory) before
 * anything else happens when the directory is missing, empty or has no index.html at its root, so
 * a failed build can never look like "delete everything".
 */
export async function scanSource(
  sourceDir: string,
  exclude: readonly string[],
  opts: { workspace?: string; concurrency?: number } = {},
): Promise<LocalFile[]> {
  const root = resolve(opts.workspace ?? process.cwd(), sourceDir);
  let info;
  try {
    info = await stat(root);
  } catch {
    throw new InputError(
      'source-dir',
      `the directory '${sourceDir}' does not exist (looked at ${root}). Build the site before this step (e.g. next build with output: 'export' writes out/).`,
    );
  }
  if (!info.isDirectory()) throw new InputError('source-dir', `'${sourceDir}' is not a directory (${root}).`);
  const found: { relPath: string; absPath: string; size: number }[] = [];
  await walk(root, root, found);
  if (found.length === 0) {
    throw new InputError(
      'source-dir',
      `the directory '${sourceDir}' is empty (${root}): refusing to sync an empty site. Did the build fail?`,
    );
  }
  if (!found.some((f) => f.relPath === 'index.html')) {
    throw new InputError(
      'source-dir',
      `the directory '${sourceDir}' has no index.html at its root (${root}): is this the export directory (e.g. web/out)?`,
    );
  }
  const globs = exclude.map(globToRegExp);
  const kept = found.filter((f) => !matchesAny(f.relPath, globs));
  const hashed = await mapPool(kept, opts.concurrency ?? 16, async (f) => ({
    ...f,
    md5: await md5File(f.absPath),
  }));
  const files: LocalFile[] = [];
  for (const r of hashed) {
    if (!r.ok) throw new Error(`Cannot read ${r.item.absPath}: ${String(r.error)}`, { cause: r.error });
    files.push(r.value);
  }
  return files.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
}
