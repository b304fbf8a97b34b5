import type { S3Client } from '@aws-sdk/client-s3';
import { mapPool } from '../lib/concurrency.ts';
import { UserError } from '../lib/errors.ts';
import { awsErrorInfo } from '../lib/aws.ts';
import type { Logger } from '../lib/log.ts';
import type { Inputs } from './inputs.ts';
import { scanSource } from './local.ts';
import {
  keysNeedingHead,
  PHASES,
  planSync,
  type FilePlan,
  type KnownObject,
  type Manifest,
  type Phase,
  type SyncPlan,
} from './plan.ts';
import { Transfer } from './transfer.ts';
import {
  batchPaths,
  invalidationPaths,
  submitInvalidations,
  waitForInvalidations,
  type InvalidationApi,
} from './invalidation.ts';

export interface SyncDeps {
  s3: S3Client;
  /** Absent when no distribution-id is given. */
  invalidations?: InvalidationApi;
  logger: Logger;
  /** Where relative source-dir paths start (GITHUB_WORKSPACE). */
  workspace: string;
  /** Stable per job run: CallerReference of the invalidations. */
  referenceSeed: string;
  progressIntervalMs?: number;
  now?: () => number;
  invalidationPollMs?: number;
}

export interface SyncResult {
  dryRun: boolean;
  plan: SyncPlan;
  uploaded: string[];
  updatedMetadata: string[];
  deleted: string[];
  bytesUploaded: number;
  invalidationIds: string[];
  invalidatedPaths: string[];
  durationMs: number;
  files: number;
  /** Set when wait-for-invalidation timed out (the step fails after setting its outputs). */
  waitError?: Error;
}

export const MANIFEST_NAME = '.sync-frontend-cloudfront.json';

/**
 * The manifest's key. `auto` (the default): outside the served prefix when there is one, as a
 * sibling of it (`site/` -> `site.sync-frontend-cloudfront.json`), so a distribution whose origin
 * path is the prefix never serves it; with an empty prefix, `.sync-frontend-cloudfront.json` at the
 * bucket root. Any other value is a key relative to the prefix; '' = no manifest.
 */
export function resolveManifestKey(manifest: string, prefix: string): string {
  if (manifest === '') return '';
  if (manifest !== 'auto') return prefix + manifest;
  return prefix === '' ? MANIFEST_NAME : `${prefix.replace(/\/+$/, '')}${MANIFEST_NAME}`;
}

/** A phase or the deletions failed part-way: `result` says what completed (for outputs and summary). */
export class SyncFailed extends UserError {
  readonly result: SyncResult;
  constructor(message: string, result: SyncResult, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SyncFailed';
    this.result = result;
  }
}

const PHASE_TITLES: Record<Phase, string> = {
  assets: 'Upload content-hashed assets',
  files: 'Upload other unhashed files',
  html: 'Upload HTML pages',
};

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** A progress line every `intervalMs` while work runs. */
export function startProgress(
  log: (m: string) => void,
  intervalMs: number,
  totals: { files: number; bytes: number },
  label: string,
) {
  const done = { files: 0, bytes: 0 };
  const started = Date.now();
  const timer = setInterval(() => {
    log(
      `${label}: ${done.files}/${totals.files} files, ${formatBytes(done.bytes)}/${formatBytes(totals.bytes)} (${Math.round((Date.now() - started) / 1000)} s)`,
    );
  }, intervalMs);
  timer.unref();
  return { done, stop: () => clearInterval(timer) };
}

function describePlanLine(p: FilePlan): string {
  if (p.action === 'metadata') {
    const changes: string[] = [];
    if (p.previous?.contentType !== p.contentType)
      changes.push(`Content-Type ${p.previous?.contentType ?? '(none)'} -> ${p.contentType}`);
    if (p.previous?.cacheControl !== p.cacheControl)
      changes.push(`Cache-Control ${p.previous?.cacheControl ?? '(none)'} -> ${p.cacheControl}`);
    return `  metadata ${p.key}: ${changes.join('; ')}`;
  }
  return `  upload   ${p.key} (${p.reason}, ${formatBytes(p.file.size)}, ${p.contentType}, ${p.cacheControl})`;
}

export async function syncFrontend(inputs: Inputs, deps: SyncDeps): Promise<SyncResult> {
  const { logger } = deps;
  const now = deps.now ?? Date.now;
  const started = now();
  const transfer = new Transfer(deps.s3, inputs.bucket, { log: (m) => logger.debug(m) });
  const manifestKey = resolveManifestKey(inputs.manifest, inputs.prefix);

  // 1. Local files (refuses a missing/empty export before any request).
  const files = await logger.group(`Hash ${inputs.sourceDir}`, async () => {
    const found = await scanSource(inputs.sourceDir, inputs.exclude, {
      workspace: deps.workspace,
      concurrency: inputs.concurrency,
    });
    logger.info(`${found.length} files, ${formatBytes(found.reduce((n, f) => n + f.size, 0))}`);
    return found;
  });

  // 2. Destination: listing, manifest, HeadObject where the manifest cannot vouch for headers.
  const plan = await logger.group(`Compare with s3://${inputs.bucket}/${inputs.prefix}`, async () => {
    const remote = await transfer.list(inputs.prefix);
    // Outside the prefix the listing cannot tell whether it exists: GetObject (a 404 = none).
    const manifestListed = remote.has(manifestKey) || !manifestKey.startsWith(inputs.prefix);
    const manifest: Manifest = (manifestKey !== '' && manifestListed
      ? await transfer.readManifest(manifestKey)
      : undefined) ?? { version: 1, objects: {} };
    const known = new Map<string, KnownObject>(Object.entries(manifest.objects));
    const toHead = keysNeedingHead(files, remote, manifest, inputs.prefix);
    if (toHead.length > 0) {
      logger.info(
        `Reading headers of ${toHead.length} object(s) the manifest does not describe (HeadObject)`,
      );
      const heads = await mapPool(toHead, inputs.concurrency, (key) => transfer.head(key));
      for (const h of heads) {
        if (!h.ok)
          throw new Error(`HeadObject ${h.item} failed: ${awsErrorInfo(h.error).message}`, {
            cause: h.error,
          });
        known.set(h.item, h.value);
      }
    }
    const p = planSync(files, remote, known, {
      prefix: inputs.prefix,
      cacheControl: inputs.cacheControl,
      contentTypes: inputs.contentTypes,
      exclude: inputs.exclude,
      delete: inputs.delete,
      maxDeletePercent: inputs.maxDeletePercent,
      manifestKey,
    });
    logger.info(
      `${remote.size} object(s) listed: ${p.uploads.length} to upload (${formatBytes(p.bytesToUpload)}), ${p.metadata.length} metadata update(s), ${p.unchanged.length} unchanged, ${p.deletions.length} to delete`,
    );
    if (p.unknownExtensions.length > 0) {
      logger.warning(
        `No Content-Type known for ${p.unknownExtensions.join(', ')}: uploaded as application/octet-stream. Add them to the content-types input (e.g. .ext=type/subtype).`,
      );
    }
    return { ...p, manifest, known };
  });

  const changedRel = [
    ...plan.uploads.map((p) => p.file.relPath),
    ...plan.metadata.map((p) => p.file.relPath),
    ...plan.deletions.map((k) => k.slice(inputs.prefix.length)),
  ];
  const wantInvalidation = inputs.invalidation !== 'none' && deps.invalidations !== undefined;
  const plannedPaths = !wantInvalidation
    ? []
    : inputs.invalidation === 'all'
      ? changedRel.length > 0
        ? ['/*']
        : []
      : invalidationPaths(changedRel, {
          maxPaths: inputs.maxInvalidationPaths,
          dirThreshold: inputs.invalidationDirThreshold,
        });

  const result: SyncResult = {
    dryRun: inputs.dryRun,
    plan,
    uploaded: [],
    updatedMetadata: [],
    deleted: [],
    bytesUploaded: 0,
    invalidationIds: [],
    invalidatedPaths: plannedPaths,
    durationMs: 0,
    files: files.length,
  };

  if (inputs.dryRun) {
    await logger.group('Dry run: the plan (nothing is changed)', () => {
      for (const phase of PHASES) {
        const items = [...plan.uploads, ...plan.metadata].filter((p) => p.phase === phase);
        if (items.length > 0)
          logger.info(`${PHASE_TITLES[phase]}:\n${items.map(describePlanLine).join('\n')}`);
      }
      if (plan.deletions.length > 0)
        logger.info(`Delete:\n${plan.deletions.map((k) => `  delete   ${k}`).join('\n')}`);
      logger.info(
        plannedPaths.length > 0
          ? `Invalidate on ${inputs.distributionId}: ${plannedPaths.join(' ')}`
          : 'Invalidate: nothing',
      );
      logger.info(`${plan.unchanged.length} file(s) unchanged.`);
      return Promise.resolve();
    });
    result.uploaded = plan.uploads.map((p) => p.key);
    result.updatedMetadata = plan.metadata.map((p) => p.key);
    result.deleted = plan.deletions;
    result.bytesUploaded = plan.bytesToUpload;
    result.durationMs = now() - started;
    return result;
  }

  // 3. Phases: assets, other files, HTML; a failed phase stops everything after it.
  const newEtags = new Map<string, string>();
  try {
    for (const phase of PHASES) {
      const work = [...plan.uploads, ...plan.metadata].filter((p) => p.phase === phase);
      if (work.length === 0) continue;
      await logger.group(`${PHASE_TITLES[phase]} (${work.length})`, async () => {
        const bytes = work.filter((p) => p.action === 'upload').reduce((n, p) => n + p.file.size, 0);
        const progress = startProgress(
          (m) => logger.info(m),
          deps.progressIntervalMs ?? inputs.progressIntervalSeconds * 1000,
          { files: work.length, bytes },
          PHASE_TITLES[phase],
        );
        let outcomes;
        try {
          outcomes = await mapPool(work, inputs.concurrency, async (p) => {
            const etag =
              p.action === 'upload'
                ? await transfer.upload(p, inputs.multipartThresholdBytes, (n) => (progress.done.bytes += n))
                : await transfer.replaceMetadata(p);
            progress.done.files += 1;
            return etag;
          });
        } finally {
          progress.stop();
        }
        const failures = outcomes.filter((o) => !o.ok);
        for (const o of outcomes) {
          if (!o.ok) continue;
          newEtags.set(o.item.key, o.value);
          if (o.item.action === 'upload') {
            result.uploaded.push(o.item.key);
            result.bytesUploaded += o.item.file.size;
          } else {
            result.updatedMetadata.push(o.item.key);
          }
        }
        logger.info(
          `${work.length - failures.length}/${work.length} done: ${work.filter((p) => p.action === 'upload').length} upload(s), ${work.filter((p) => p.action === 'metadata').length} metadata update(s), ${formatBytes(bytes)}`,
        );
        if (failures.length > 0) {
          const lines = failures
            .slice(0, 20)
            .map((f) => {
              const info = awsErrorInfo(!f.ok ? f.error : undefined);
              return `  ${f.item.key}: ${info.name}: ${info.message}`;
            })
            .join('\n');
          throw new UserError(
            `${failures.length} file(s) failed in phase "${PHASE_TITLES[phase]}" after retries; later phases, deletions and the invalidation were not run (the site still serves complete older pages):\n${lines}` +
              (failures.length > 20 ? `\n  ... and ${failures.length - 20} more` : ''),
          );
        }
      });
    }

    // 4. Deletions last.
    if (plan.deletions.length > 0) {
      await logger.group(`Delete ${plan.deletions.length} stale object(s)`, async () => {
        const batches: string[][] = [];
        for (let i = 0; i < plan.deletions.length; i += 1000) batches.push(plan.deletions.slice(i, i + 1000));
        const outcomes = await mapPool(batches, Math.min(4, inputs.concurrency), (keys) =>
          transfer.deleteBatch(keys),
        );
        const failed: string[] = [];
        for (const o of outcomes) {
          if (!o.ok) {
            failed.push(
              ...o.item.map((k) => `  ${k}: ${awsErrorInfo(o.error).name}: ${awsErrorInfo(o.error).message}`),
            );
            continue;
          }
          const bad = new Set(o.value.map((e) => e.key));
          for (const e of o.value) failed.push(`  ${e.key}: ${e.error}`);
          result.deleted.push(...o.item.filter((k) => !bad.has(k)));
        }
        logger.info(`${result.deleted.length}/${plan.deletions.length} deleted`);
        if (failed.length > 0) {
          throw new UserError(
            `${failed.length} object(s) could not be deleted; no invalidation was made:\n${failed.slice(0, 20).join('\n')}`,
          );
        }
      });
    }
  } catch (error) {
    // Report what completed (outputs, summary) before the step fails.
    result.durationMs = now() - started;
    result.invalidatedPaths = [];
    throw new SyncFailed(error instanceof Error ? error.message : String(error), result, { cause: error });
  }

  // 5. The manifest: ETag, MD5 and headers of every synced object (a cache, checked against ETags).
  if (manifestKey !== '') {
    const objects: Record<string, KnownObject> = {};
    for (const p of plan.files) {
      const etag = newEtags.get(p.key) ?? p.remoteEtag ?? '';
      objects[p.key] = { etag, md5: p.file.md5, contentType: p.contentType, cacheControl: p.cacheControl };
    }
    const canonical = (m: Record<string, KnownObject>) =>
      JSON.stringify(
        Object.keys(m)
          .sort()
          .map((k) => [k, m[k]!.etag, m[k]!.md5, m[k]!.contentType, m[k]!.cacheControl]),
      );
    if (canonical(plan.manifest.objects) !== canonical(objects))
      await transfer.writeManifest(manifestKey, { version: 1, objects });
  }

  // 6. Invalidation.
  if (plannedPaths.length > 0 && deps.invalidations !== undefined) {
    await logger.group(`Invalidate ${plannedPaths.length} path(s) on ${inputs.distributionId}`, async () => {
      const opts = {
        distributionId: inputs.distributionId,
        referenceSeed: deps.referenceSeed,
        timeoutMs: inputs.invalidationTimeoutSeconds * 1000,
        log: (m: string) => logger.info(m),
        ...(deps.invalidationPollMs !== undefined ? { pollMs: deps.invalidationPollMs } : {}),
      };
      logger.info(
        plannedPaths.slice(0, 50).join(' ') +
          (plannedPaths.length > 50 ? ` ... (${plannedPaths.length} in all)` : ''),
      );
      result.invalidationIds = await submitInvalidations(deps.invalidations!, batchPaths(plannedPaths), opts);
      if (inputs.waitForInvalidation) {
        logger.info(`Waiting for ${result.invalidationIds.join(', ')} to complete`);
        try {
          await waitForInvalidations(deps.invalidations!, result.invalidationIds, opts);
          logger.info('Invalidation completed');
        } catch (error) {
          // The sync itself is done: report its outputs, then fail the step.
          result.waitError = error instanceof Error ? error : new Error(String(error));
        }
      }
    });
  } else if (inputs.invalidation !== 'none' && deps.invalidations === undefined) {
    logger.info('No distribution-id: no invalidation.');
  } else if (wantInvalidation) {
    logger.info('Nothing changed that CloudFront may have cached: no invalidation.');
  }

  result.durationMs = now() - started;
  return result;
}
