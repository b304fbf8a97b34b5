import { createHash } from 'node:crypto';
import { awsErrorInfo, isThrottling } from '../lib/aws.ts';
import { retry, sleep as realSleep } from '../lib/retry.ts';
import { UserError } from '../lib/errors.ts';
import { isHashedAsset } from './cache-control.ts';

/** CloudFront's limits per distribution, counted over invalidations in progress. */
export const MAX_FILE_PATHS = 3000;
export const MAX_WILDCARD_PATHS = 15;

/**
 * A key (relative to the prefix) as a viewer path: every segment percent-encoded as browsers send
 * it (CloudFront requires encoded paths), keeping the sub-delimiters browsers leave alone; `*` is
 * encoded so that a literal asterisk is never a wildcard.
 */
export function encodePath(relPath: string): string {
  return (
    '/' +
    relPath
      .split('/')
      .map((segment) =>
        encodeURIComponent(segment)
          .replace(/%(24|26|2B|2C|3B|3D|3A|40)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
          .replace(/\*/g, '%2A'),
      )
      .join('/')
  );
}

export interface PathOptions {
  /** More paths than this: invalidate `/*` instead. */
  maxPaths: number;
  /** A directory (not the root) with more changed paths than this becomes `/dir/*`; 0 = never. */
  dirThreshold: number;
}

/**
 * The paths to invalidate for changed and deleted files (relative to the prefix): HTML and other
 * unhashed files only (content-hashed files get new names, so `_next/static` is never invalidated);
 * an `index.html` also as its directory (`/` and `/dir/`). Busy directories collapse into
 * `/dir/*`, and too many paths (or more than 15 wildcards) into `/*`.
 */
export function invalidationPaths(changed: readonly string[], opts: PathOptions): string[] {
  const wanted = new Map<string, string>(); // path -> directory (rel, '' = root)
  for (const rel of changed) {
    if (isHashedAsset(rel)) continue;
    const slash = rel.lastIndexOf('/');
    const dir = slash < 0 ? '' : rel.slice(0, slash);
    wanted.set(encodePath(rel), dir);
    if (rel === 'index.html' || rel.endsWith('/index.html')) {
      wanted.set(
        dir === '' ? '/' : `${encodePath(dir)}/`,
        dir === '' ? '' : dir.slice(0, Math.max(0, dir.lastIndexOf('/'))),
      );
    }
  }
  if (wanted.size === 0) return [];

  let paths = [...wanted.keys()];
  if (opts.dirThreshold > 0) {
    // Count paths under each directory (descendants included), then collapse the shallowest busy ones.
    const counts = new Map<string, number>();
    for (const dir of wanted.values()) {
      const parts = dir === '' ? [] : dir.split('/');
      for (let i = 1; i <= parts.length; i++) {
        const d = parts.slice(0, i).join('/');
        counts.set(d, (counts.get(d) ?? 0) + 1);
      }
    }
    const busy = [...counts.entries()]
      .filter(([, n]) => n > opts.dirThreshold)
      .map(([d]) => d)
      .sort((a, b) => a.split('/').length - b.split('/').length);
    const collapsed: string[] = [];
    for (const d of busy) if (!collapsed.some((c) => d === c || d.startsWith(`${c}/`))) collapsed.push(d);
    if (collapsed.length > 0) {
      const under = (dir: string) => collapsed.find((c) => dir === c || dir.startsWith(`${c}/`));
      const kept = [...wanted.entries()].filter(([path, dir]) => {
        if (under(dir) !== undefined) return false;
        // `/dir/` itself (an index.html form) is covered by `/dir/*`.
        return !collapsed.some((c) => path === `${encodePath(c)}/`);
      });
      paths = [...kept.map(([p]) => p), ...collapsed.map((c) => `${encodePath(c)}/*`)];
    }
  }
  const wildcards = paths.filter((p) => p.endsWith('*')).length;
  if (paths.length > opts.maxPaths || wildcards > MAX_WILDCARD_PATHS) return ['/*'];
  return paths.sort();
}

/**
 * Splits paths into requests of at most 3,000 paths, of which at most 15 wildcards (the wildcards go
 * first; `invalidationPaths` never yields more than 15).
 */
export function batchPaths(paths: readonly string[]): string[][] {
  const wild = paths.filter((p) => p.endsWith('*'));
  const files = paths.filter((p) => !p.endsWith('*'));
  const batches: string[][] = [];
  let current: string[] = [];
  let currentWild = 0;
  for (const p of [...wild, ...files]) {
    const isWild = p.endsWith('*');
    if (current.length >= MAX_FILE_PATHS || (isWild && currentWild >= MAX_WILDCARD_PATHS)) {
      batches.push(current);
      current = [];
      currentWild = 0;
    }
    current.push(p);
    if (isWild) currentWild += 1;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export interface InvalidationApi {
  create(paths: string[], callerReference: string): Promise<{ id: string; status: string }>;
  status(id: string): Promise<string>;
}

export interface SubmitOptions {
  distributionId: string;
  /** Stable per job run, so a retried request is not a second invalidation. */
  referenceSeed: string;
  timeoutMs: number;
  log: (message: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  pollMs?: number;
}

const isTooMany = (e: unknown) => awsErrorInfo(e).name === 'TooManyInvalidationsInProgress';

/**
 * Creates the invalidations, one batch at a time. Before a batch that would take this run's own
 * in-progress paths over CloudFront's limits, waits for the earlier ones to complete; a
 * TooManyInvalidationsInProgress (others' invalidations) or throttling is retried with backoff
 * until the timeout.
 */
export async function submitInvalidations(
  api: InvalidationApi,
  batches: readonly string[][],
  opts: SubmitOptions,
): Promise<string[]> {
  const sleep = opts.sleep ?? realSleep;
  const now = opts.now ?? Date.now;
  const deadline = now() + opts.timeoutMs;
  const ids: string[] = [];
  const inFlight: { id: string; files: number; wild: number }[] = [];
  for (const [index, batch] of batches.entries()) {
    const wild = batch.filter((p) => p.endsWith('*')).length;
    const files = batch.length - wild;
    const over = () =>
      inFlight.reduce((n, f) => n + f.files, 0) + files > MAX_FILE_PATHS ||
      inFlight.reduce((n, f) => n + f.wild, 0) + wild > MAX_WILDCARD_PATHS;
    while (inFlight.length > 0 && over()) {
      const still: typeof inFlight = [];
      for (const f of inFlight) if ((await api.status(f.id)) !== 'Completed') still.push(f);
      inFlight.splice(0, inFlight.length, ...still);
      if (!over()) break;
      if (now() > deadline)
        throw new UserError(
          `Invalidation ${index + 1}/${batches.length} could not start: earlier invalidations were still in progress after ${Math.round(opts.timeoutMs / 1000)} s.`,
        );
      opts.log(
        `Waiting for ${inFlight.length} invalidation(s) in progress before submitting ${batch.length} more paths (CloudFront allows ${MAX_FILE_PATHS} file and ${MAX_WILDCARD_PATHS} wildcard paths in progress).`,
      );
      await sleep(opts.pollMs ?? 2000);
    }
    const reference = `${opts.referenceSeed}-${createHash('sha256').update(batch.join('\n')).digest('hex').slice(0, 16)}-${index}`;
    const created = await retry(() => api.create(batch, reference), {
      attempts: 1000,
      baseDelayMs: 1000,
      maxDelayMs: 20_000,
      isRetryable: (e) =>
        (isTooMany(e) || isThrottling(e) || (awsErrorInfo(e).status ?? 0) >= 500) && now() < deadline,
      onRetry: (e, attempt, delay) =>
        opts.log(
          `CreateInvalidation: ${awsErrorInfo(e).name}; retry ${attempt} in ${(delay / 1000).toFixed(1)} s`,
        ),
      sleep,
    });
    opts.log(`Invalidation ${created.id} (${created.status}): ${batch.length} path(s)`);
    ids.push(created.id);
    inFlight.push({ id: created.id, files, wild });
  }
  return ids;
}

/** Polls until every invalidation is Completed; throws a UserError at the timeout. */
export async function waitForInvalidations(
  api: InvalidationApi,
  ids: readonly string[],
  opts: SubmitOptions,
): Promise<void> {
  const sleep = opts.sleep ?? realSleep;
  const now = opts.now ?? Date.now;
  const deadline = now() + opts.timeoutMs;
  let pending = [...ids];
  while (pending.length > 0) {
    const still: string[] = [];
    for (const id of pending) if ((await api.status(id)) !== 'Completed') still.push(id);
    pending = still;
    if (pending.length === 0) break;
    if (now() > deadline) {
      throw new UserError(
        `Invalidation ${pending.join(', ')} did not complete within ${Math.round(opts.timeoutMs / 1000)} s (invalidation-timeout); it continues in the background. The files are synced.`,
      );
    }
    await sleep(opts.pollMs ?? 2000);
  }
}
