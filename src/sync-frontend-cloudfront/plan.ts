import { globToRegExp, matchesAny } from '../lib/glob.ts';
import { UserError } from '../lib/errors.ts';
import { cacheControlFor, isHashedAsset, type CacheRule } from './cache-control.ts';
import { contentTypeFor } from './content-types.ts';
import type { LocalFile } from './local.ts';

/** The delete guard refused the plan (nothing was changed); carries what the summary reports. */
export class DeleteRefused extends UserError {
  readonly wouldDelete: number;
  readonly total: number;
  readonly sample: string[];
  constructor(wouldDelete: number, total: number, sample: string[], message: string) {
    super(message);
    this.name = 'DeleteRefused';
    this.wouldDelete = wouldDelete;
    this.total = total;
    this.sample = sample;
  }
}

export interface RemoteObject {
  key: string;
  /** As S3 returns it, quoted. */
  etag: string;
  size: number;
}

/** What the action knows of an object's headers (from its manifest or a HeadObject). */
export interface KnownObject {
  etag: string;
  /** MD5 of the content, hex, when known (multipart objects carry it in metadata). */
  md5?: string;
  contentType?: string;
  cacheControl?: string;
}

export interface Manifest {
  version: 1;
  objects: Record<string, KnownObject>;
}

/** Upload order: content-hashed assets, then other unhashed files, then HTML pages. */
export type Phase = 'assets' | 'files' | 'html';
export const PHASES: readonly Phase[] = ['assets', 'files', 'html'];

export interface FilePlan {
  file: LocalFile;
  key: string;
  phase: Phase;
  contentType: string;
  cacheControl: string;
  /** upload: new or changed content; metadata: same content, headers to replace; unchanged. */
  action: 'upload' | 'metadata' | 'unchanged';
  reason: 'new' | 'content changed' | 'headers changed' | 'same';
  /** The current ETag when the object exists (CopyObject is conditional on it). */
  remoteEtag?: string;
  previous?: { contentType?: string; cacheControl?: string };
}

export interface SyncPlan {
  files: FilePlan[];
  uploads: FilePlan[];
  metadata: FilePlan[];
  unchanged: FilePlan[];
  /** Keys to delete (only with delete: true). */
  deletions: string[];
  /** Objects under the prefix before the sync (the manifest not counted). */
  remoteCount: number;
  /** Extensions that got application/octet-stream. */
  unknownExtensions: string[];
  bytesToUpload: number;
}

export interface PlanOptions {
  prefix: string;
  cacheControl: readonly CacheRule[];
  contentTypes: Readonly<Record<string, string>>;
  exclude: readonly string[];
  delete: boolean;
  maxDeletePercent: number;
  /** Full key of the manifest ('' = none): never deleted, never counted. */
  manifestKey: string;
}

const PLAIN_MD5 = /^"?([0-9a-f]{32})"?$/;

/** MD5 of a remote object from its ETag (single-part) or from what the action recorded. */
export function remoteMd5(remote: RemoteObject, known: KnownObject | undefined): string | undefined {
  const plain = PLAIN_MD5.exec(remote.etag);
  if (plain) return plain[1];
  return known?.etag === remote.etag ? known.md5 : undefined;
}

export function phaseOf(relPath: string): Phase {
  if (/\.html?$/i.test(relPath)) return 'html';
  return isHashedAsset(relPath) ? 'assets' : 'files';
}

/**
 * Keys whose headers (or, for multipart objects, content hash) must be read with HeadObject:
 * existing objects that may be unchanged and that the manifest does not describe at their ETag.
 */
export function keysNeedingHead(
  files: readonly LocalFile[],
  remote: ReadonlyMap<string, RemoteObject>,
  manifest: Manifest,
  prefix: string,
): string[] {
  const keys: string[] = [];
  for (const file of files) {
    const key = prefix + file.relPath;
    const r = remote.get(key);
    if (r === undefined) continue;
    const entry = manifest.objects[key];
    if (entry !== undefined && entry.etag === r.etag) continue;
    const md5 = remoteMd5(r, undefined);
    if (md5 === undefined || md5 === file.md5) keys.push(key);
  }
  return keys;
}

export function planSync(
  files: readonly LocalFile[],
  remote: ReadonlyMap<string, RemoteObject>,
  known: ReadonlyMap<string, KnownObject>,
  opts: PlanOptions,
): SyncPlan {
  const unknown = new Set<string>();
  const plans: FilePlan[] = [];
  for (const file of files) {
    const key = opts.prefix + file.relPath;
    const type = contentTypeFor(file.relPath, opts.contentTypes);
    if (type.unknown)
      unknown.add(
        file.relPath.includes('.') ? file.relPath.slice(file.relPath.lastIndexOf('.')) : file.relPath,
      );
    const base = {
      file,
      key,
      phase: phaseOf(file.relPath),
      contentType: type.contentType,
      cacheControl: cacheControlFor(file.relPath, opts.cacheControl),
    };
    const r = remote.get(key);
    if (r === undefined) {
      plans.push({ ...base, action: 'upload', reason: 'new' });
      continue;
    }
    const k = known.get(key);
    const knownNow = k !== undefined && k.etag === r.etag ? k : undefined;
    const md5 = remoteMd5(r, knownNow);
    if (md5 !== file.md5 || r.size !== file.size) {
      plans.push({ ...base, action: 'upload', reason: 'content changed', remoteEtag: r.etag });
      continue;
    }
    const previous = { contentType: knownNow?.contentType, cacheControl: knownNow?.cacheControl };
    const same = previous.contentType === base.contentType && previous.cacheControl === base.cacheControl;
    plans.push({
      ...base,
      action: same ? 'unchanged' : 'metadata',
      reason: same ? 'same' : 'headers changed',
      remoteEtag: r.etag,
      previous,
    });
  }

  const localKeys = new Set(plans.map((p) => p.key));
  const excludes = opts.exclude.map(globToRegExp);
  // Never the manifest: neither its key nor the default in-prefix key of earlier versions.
  const remoteKeys = [...remote.keys()].filter(
    (k) => k !== opts.manifestKey && k !== `${opts.prefix}.sync-frontend-cloudfront.json`,
  );
  const deletions = opts.delete
    ? remoteKeys.filter((k) => !localKeys.has(k) && !matchesAny(k.slice(opts.prefix.length), excludes))
    : [];
  if (deletions.length > 0) {
    const percent = (deletions.length / remoteKeys.length) * 100;
    if (percent > opts.maxDeletePercent) {
      const sample = deletions
        .slice(0, 10)
        .map((k) => `  ${k}`)
        .join('\n');
      throw new DeleteRefused(
        deletions.length,
        remoteKeys.length,
        deletions.slice(0, 10),
        `Refusing to delete ${deletions.length} of the ${remoteKeys.length} objects under '${opts.prefix || '(bucket root)'}' ` +
          `(${percent.toFixed(1)}% > max-delete-percent ${opts.maxDeletePercent}). Nothing was changed. ` +
          `Check source-dir and prefix, or raise max-delete-percent if this is intended. Some of the keys:\n${sample}` +
          (deletions.length > 10 ? `\n  ... and ${deletions.length - 10} more` : ''),
      );
    }
  }
  const uploads = plans.filter((p) => p.action === 'upload');
  return {
    files: plans,
    uploads,
    metadata: plans.filter((p) => p.action === 'metadata'),
    unchanged: plans.filter((p) => p.action === 'unchanged'),
    deletions,
    remoteCount: remoteKeys.length,
    unknownExtensions: [...unknown].sort(),
    bytesToUpload: uploads.reduce((n, p) => n + p.file.size, 0),
  };
}
