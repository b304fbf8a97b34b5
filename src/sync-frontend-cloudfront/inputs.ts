import {
  InputError,
  type InputSource,
  quote,
  readBoolean,
  readChoice,
  readKeyValueLines,
  readList,
  readNumber,
  readString,
} from '../lib/inputs.ts';
import { globToRegExp } from '../lib/glob.ts';
import { cacheRule, type CacheRule } from './cache-control.ts';

export type InvalidationMode = 'auto' | 'all' | 'none';

export interface Inputs {
  sourceDir: string;
  bucket: string;
  /** '' or ending with '/', never starting with '/'. */
  prefix: string;
  distributionId: string;
  delete: boolean;
  maxDeletePercent: number;
  dryRun: boolean;
  cacheControl: readonly CacheRule[];
  /** `.ext` (lower-case) -> Content-Type. */
  contentTypes: Readonly<Record<string, string>>;
  exclude: readonly string[];
  concurrency: number;
  /** Seconds between progress lines while a phase runs. */
  progressIntervalSeconds: number;
  invalidation: InvalidationMode;
  waitForInvalidation: boolean;
  invalidationTimeoutSeconds: number;
  maxInvalidationPaths: number;
  invalidationDirThreshold: number;
  multipartThresholdBytes: number;
  /** Key (relative to prefix) of the sync manifest; '' = none. */
  manifest: string;
  awsRegion: string;
}

const MiB = 1024 * 1024;
// S3 bucket names: 3-63 lower-case letters, digits, dots and hyphens.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const DISTRIBUTION = /^[A-Z0-9]{1,64}$/;
const CONTENT_TYPE = /^[A-Za-z0-9][\w.+-]*\/[\w.+-]+(\s*;\s*[\w-]+=("[^"]*"|[\w.+-]+))*$/;
const HEADER_VALUE = /^[\x20-\x7e]+$/;

function normalizePrefix(raw: string): string {
  const trimmed = raw.trim().replace(/^\/+/, '');
  if (trimmed === '') return '';
  if (/(^|\/)\.\.?(\/|$)/.test(trimmed) || trimmed.includes('//') || /[\r\n\\]/.test(trimmed)) {
    throw new InputError(
      'prefix',
      `invalid value ${quote(raw)}. Expected a key prefix such as site/ or releases/web (no empty, '.' or '..' segments, no backslashes).`,
    );
  }
  return trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}

export function parseInputs(get: InputSource): Inputs {
  const sourceDir = readString(get, 'source-dir', {
    required: true,
    expected: 'the directory of the static export, e.g. web/out',
  });
  const rawBucket = readString(get, 'bucket', {
    required: true,
    expected: 'an S3 bucket name such as my-site-prod',
  });
  if (rawBucket.startsWith('s3://') || rawBucket.startsWith('arn:')) {
    throw new InputError(
      'bucket',
      `invalid value ${quote(rawBucket)}. Expected the bare bucket name (no s3:// or ARN); put a key prefix in the prefix input.`,
    );
  }
  if (!BUCKET.test(rawBucket) || rawBucket.includes('..')) {
    throw new InputError(
      'bucket',
      `invalid value ${quote(rawBucket)}. Expected an S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens.`,
    );
  }
  const prefix = normalizePrefix(get('prefix'));
  const distributionId = readString(get, 'distribution-id', {
    pattern: DISTRIBUTION,
    expected: 'a CloudFront distribution ID such as E2QWRUHAPOMQZL (upper-case letters and digits)',
  });

  const cacheControl = readKeyValueLines(get, 'cache-control', {
    keyPattern: /^[^\s=]+$/,
    keyExpected: 'a glob such as _next/static/** or *.html (no spaces)',
    valueExpected: 'CACHE-CONTROL',
  }).map(({ key, value }) => {
    if (!HEADER_VALUE.test(value)) {
      throw new InputError(
        'cache-control',
        `the value for ${quote(key)} must be printable ASCII, got ${quote(value)}.`,
      );
    }
    return cacheRule(key, value);
  });
  // readKeyValueLines splits on the first '=', so "*.html=public, max-age=0" keeps its '=' in the value.

  const contentTypes: Record<string, string> = {};
  for (const { key, value } of readKeyValueLines(get, 'content-types', {
    keyPattern: /^\.[A-Za-z0-9][A-Za-z0-9_-]*$/,
    keyExpected: 'an extension with its dot, such as .glb',
    valueExpected: 'TYPE/SUBTYPE',
  })) {
    if (!CONTENT_TYPE.test(value)) {
      throw new InputError(
        'content-types',
        `invalid type ${quote(value)} for ${key}. Expected a media type such as model/gltf-binary or text/plain; charset=utf-8.`,
      );
    }
    contentTypes[key.toLowerCase()] = value;
  }

  const exclude = readList(get, 'exclude', { commas: true });
  for (const glob of exclude) {
    try {
      globToRegExp(glob);
    } catch {
      throw new InputError('exclude', `invalid glob ${quote(glob)}.`);
    }
  }

  const manifest = get('manifest').trim();
  if (manifest !== '' && (manifest.startsWith('/') || manifest.includes('..') || /[\r\n\\]/.test(manifest))) {
    throw new InputError(
      'manifest',
      `invalid value ${quote(manifest)}. Expected a key relative to prefix, such as .sync-frontend-cloudfront.json, or empty.`,
    );
  }

  return Object.freeze({
    sourceDir,
    bucket: rawBucket,
    prefix,
    distributionId,
    delete: readBoolean(get, 'delete', false),
    maxDeletePercent: readNumber(get, 'max-delete-percent', 50, { min: 0, max: 100, unit: 'percent' }),
    dryRun: readBoolean(get, 'dry-run', false),
    cacheControl,
    contentTypes,
    exclude,
    concurrency: readNumber(get, 'concurrency', 16, { min: 1, max: 64 }),
    progressIntervalSeconds: readNumber(get, 'progress-interval', 5, {
      min: 0.1,
      max: 3600,
      integer: false,
      unit: 'seconds',
    }),
    invalidation: readChoice(get, 'invalidation', ['auto', 'all', 'none'] as const, 'auto'),
    waitForInvalidation: readBoolean(get, 'wait-for-invalidation', false),
    invalidationTimeoutSeconds: readNumber(get, 'invalidation-timeout', 600, {
      min: 1,
      max: 3600,
      unit: 'seconds',
    }),
    maxInvalidationPaths: readNumber(get, 'max-invalidation-paths', 300, { min: 1, max: 100000 }),
    invalidationDirThreshold: readNumber(get, 'invalidation-dir-threshold', 20, { min: 0, max: 100000 }),
    multipartThresholdBytes:
      readNumber(get, 'multipart-threshold-mb', 16, { min: 5, max: 5120, unit: 'MiB' }) * MiB,
    manifest,
    awsRegion: get('aws-region').trim(),
  });
}
