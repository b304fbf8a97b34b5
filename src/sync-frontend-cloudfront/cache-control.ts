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

// A content hash in a file name, as bundlers write it right before the extension after a `.` or `-`:
// webpack/Next `main.3f2a9c1b.js`, `page-1a2b3c4d5e6f7a8b.js` (8+ hex digits, one case), Vite/Rollup
// `index-BX7Q2kLm.js` (8+ base64url characters). A false positive is harmful (the file is cached for a
// year and never invalidated), a false negative only costs a revalidation, so a segment counts only if
// it mixes character classes the way random output does: hex needs a digit AND a letter a-f (a date or
// number suffix such as `report-20240315.pdf` or `invoice-12345678.pdf` is not a hash); base64url needs
// an upper-case letter, a lower-case letter AND a digit (`roboto-Regular`, `document2024` are not).
// Other hashed files can be marked with a `cache-control` rule.
const HEX = /^(?:[0-9a-f]{8,}|[0-9A-F]{8,})$/;
const B64URL = /^[A-Za-z0-9_]{8,}$/;

function isHashSegment(segment: string): boolean {
  const digit = /[0-9]/.test(segment);
  if (HEX.test(segment)) return digit && /[a-f]/i.test(segment);
  return B64URL.test(segment) && digit && /[A-Z]/.test(segment) && /[a-z]/.test(segment);
}

/** Does the file name carry a content hash right before its extension (or before `.ext.map`)? */
export function hasHashedName(relPath: string): boolean {
  const base = relPath.slice(relPath.lastIndexOf('/') + 1);
  let stem = base.slice(0, Math.max(0, base.lastIndexOf('.')));
  if (/\.map$/i.test(base) && stem.includes('.')) stem = stem.slice(0, stem.lastIndexOf('.'));
  const cut = Math.max(stem.lastIndexOf('.'), stem.lastIndexOf('-'));
  if (cut <= 0) return false;
  return isHashSegment(stem.slice(cut + 1));
}

/** Is this file content-addressed (safe to cache forever)? `_next/static/**` or a hashed name; never HTML. */
export function isHashedAsset(relPath: string): boolean {
  if (/\.html?$/i.test(relPath)) return false;
  if (relPath.startsWith('_next/static/')) return true;
  return hasHashedName(relPath);
}

/** The Cache-Control for a file: the first matching `cache-control` override, else the Next.js defaults. */
export function cacheControlFor(relPath: string, overrides: readonly CacheRule[]): string {
  const rule = overrides.find((r) => r.pattern.test(relPath));
  if (rule !== undefined) return rule.value;
  return isHashedAsset(relPath) ? IMMUTABLE : REVALIDATE;
}
