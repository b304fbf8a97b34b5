import { globToRegExp } from '../lib/glob.ts';

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'public, max-age=0, must-revalidate';

export interface CacheRule {
  glob: string;
  pattern: RegExp;
  value: string;
}

export function cacheRule(glob: string, value: string): CacheRule {
  return { glob, pattern: globToRegExp(glob), value };
}

// A content hash in a file name: `main-8a6b3d2c1e4f5a6b.js`, `font.1a2b3c4d.woff2`,
// `chunk.Xk3_9aQ2LmT0pZ1w.js` (8+ hex digits, or 12+ base64url characters with a digit and a letter),
// right before the extension.
const HEX_HASH = /[.-][0-9a-f]{8,}\.[A-Za-z0-9]+$/i;
const B64_HASH = /[.-](?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_]{12,}\.[A-Za-z0-9]+$/;

/** Is this file content-addressed (safe to cache forever)? `_next/static/**` or a hashed name; never HTML. */
export function isHashedAsset(relPath: string): boolean {
  if (/\.html?$/i.test(relPath)) return false;
  if (relPath.startsWith('_next/static/')) return true;
  const base = relPath.slice(relPath.lastIndexOf('/') + 1);
  return HEX_HASH.test(base) || B64_HASH.test(base);
}

/** The Cache-Control for a file: the first matching `cache-control` override, else the Next.js defaults. */
export function cacheControlFor(relPath: string, overrides: readonly CacheRule[]): string {
  const rule = overrides.find((r) => r.pattern.test(relPath));
  if (rule !== undefined) return rule.value;
  return isHashedAsset(relPath) ? IMMUTABLE : REVALIDATE;
}
