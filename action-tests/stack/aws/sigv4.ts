// AWS Signature Version 4: parse the signature of a request (Authorization header or presigned
// query) and verify it the way AWS does, from the raw request as it arrived on the wire.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AwsError, type RawRequest } from './types.ts';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;

export interface ParsedSignature {
  /** `header` = Authorization header; `query` = presigned URL (X-Amz-Signature in the query). */
  via: 'header' | 'query';
  accessKeyId: string;
  /** Credential scope date, YYYYMMDD. */
  scopeDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  /** ISO-8601 basic request time, YYYYMMDD'T'HHMMSS'Z'. */
  amzDate: string;
  securityToken: string | undefined;
  /** Presigned URLs only: validity in seconds. */
  expires: number | undefined;
}

const incomplete = (message: string): AwsError => new AwsError('IncompleteSignatureException', 400, message);

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** RFC 3986 encoding as the SDK's signer does it (`encodeURIComponent` plus `!'()*`). */
export function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The query as (decoded) key/value pairs, in wire order. */
export function parseQuery(rawQuery: string): [string, string][] {
  if (rawQuery === '') return [];
  return rawQuery
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq < 0
        ? [safeDecode(part), '']
        : [safeDecode(part.slice(0, eq)), safeDecode(part.slice(eq + 1))];
    });
}

/** Parse the SigV4 signature of a request; `undefined` when the request carries none. */
export function parseSignature(req: RawRequest): ParsedSignature | undefined {
  const authorization = req.headers['authorization'];
  if (authorization !== undefined) return parseAuthorizationHeader(authorization, req);
  const query = new Map(parseQuery(req.rawQuery));
  if (query.has('X-Amz-Signature') || query.has('X-Amz-Algorithm')) return parsePresignedQuery(query);
  return undefined;
}

function parseCredential(
  credential: string,
  where: string,
): Omit<ParsedSignature, 'via' | 'signedHeaders' | 'signature' | 'amzDate' | 'securityToken' | 'expires'> {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request') {
    throw incomplete(
      `${where} Credential is malformed: expected "<accessKeyId>/<YYYYMMDD>/<region>/<service>/aws4_request", got '${credential}'.`,
    );
  }
  const [accessKeyId, scopeDate, region, service] = parts as [string, string, string, string, string];
  if (!/^\d{8}$/.test(scopeDate))
    throw incomplete(`${where} Credential date '${scopeDate}' is not YYYYMMDD.`);
  if (accessKeyId === '' || region === '' || service === '') {
    throw incomplete(`${where} Credential is malformed: '${credential}'.`);
  }
  return { accessKeyId, scopeDate, region, service };
}

function parseAuthorizationHeader(authorization: string, req: RawRequest): ParsedSignature {
  const space = authorization.indexOf(' ');
  const algorithm = space < 0 ? authorization : authorization.slice(0, space);
  if (algorithm !== ALGORITHM) {
    throw incomplete(`Unsupported AWS 'algorithm': '${algorithm}'. Only ${ALGORITHM} is supported.`);
  }
  const fields = new Map<string, string>();
  for (const part of authorization.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing: string[] = [];
  for (const name of ['Credential', 'Signature', 'SignedHeaders']) {
    if (!fields.get(name)) missing.push(`Authorization header requires '${name}' parameter.`);
  }
  const amzDate = req.headers['x-amz-date'] ?? httpDateToAmz(req.headers['date']);
  if (amzDate === undefined) {
    missing.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  if (missing.length > 0) throw incomplete(`${missing.join(' ')} Authorization=${authorization}`);
  return {
    via: 'header',
    ...parseCredential(fields.get('Credential')!, 'Authorization header'),
    signedHeaders: fields.get('SignedHeaders')!.split(';'),
    signature: fields.get('Signature')!,
    amzDate: amzDate!,
    securityToken: req.headers['x-amz-security-token'],
    expires: undefined,
  };
}

function parsePresignedQuery(query: Map<string, string>): ParsedSignature {
  const missing = [
    'X-Amz-Algorithm',
    'X-Amz-Credential',
    'X-Amz-SignedHeaders',
    'X-Amz-Signature',
    'X-Amz-Date',
  ].filter((name) => !query.get(name));
  if (missing.length > 0) {
    throw incomplete(`AWS query-string parameters must include ${missing.map((m) => `'${m}'`).join(', ')}.`);
  }
  if (query.get('X-Amz-Algorithm') !== ALGORITHM) {
    throw incomplete(`Unsupported AWS 'algorithm': '${query.get('X-Amz-Algorithm')}'.`);
  }
  const expires = query.has('X-Amz-Expires') ? Number(query.get('X-Amz-Expires')) : undefined;
  if (expires !== undefined && !(Number.isInteger(expires) && expires >= 1 && expires <= 604800)) {
    throw incomplete('X-Amz-Expires must be an integer between 1 and 604800 seconds.');
  }
  return {
    via: 'query',
    ...parseCredential(query.get('X-Amz-Credential')!, 'X-Amz-Credential'),
    signedHeaders: query.get('X-Amz-SignedHeaders')!.split(';'),
    signature: query.get('X-Amz-Signature')!,
    amzDate: query.get('X-Amz-Date')!,
    securityToken: query.get('X-Amz-Security-Token'),
    expires,
  };
}

function httpDateToAmz(date: string | undefined): string | undefined {
  if (date === undefined) return undefined;
  const ms = Date.parse(date);
  return Number.isNaN(ms) ? undefined : toAmzDate(new Date(ms));
}

export function toAmzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function amzDateToMs(amzDate: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!m) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/** SigV4 canonical URI from the wire path (AWS normalizes and encodes it again, except for S3). */
export function canonicalUri(rawPath: string, doubleEncode: boolean): string {
  const path = rawPath === '' ? '/' : rawPath;
  if (!doubleEncode) return path;
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return escapeUri(normalized).replace(/%2F/g, '/');
}

export function canonicalQuery(rawQuery: string, dropSignature: boolean): string {
  const byKey = new Map<string, string[]>();
  for (const [key, value] of parseQuery(rawQuery)) {
    if (dropSignature && key.toLowerCase() === 'x-amz-signature') continue;
    const encodedKey = escapeUri(key);
    const list = byKey.get(encodedKey) ?? [];
    list.push(`${encodedKey}=${escapeUri(value)}`);
    byKey.set(encodedKey, list);
  }
  return [...byKey.keys()]
    .sort()
    .map((key) => byKey.get(key)!.sort().join('&'))
    .join('&');
}

export function canonicalRequest(
  req: RawRequest,
  signedHeaders: string[],
  payloadHash: string,
  opts: { doubleEncodePath: boolean; presigned: boolean },
): string {
  const headerLines = signedHeaders.map(
    (name) => `${name}:${(req.headers[name] ?? '').trim().replace(/\s+/g, ' ')}`,
  );
  return [
    req.method.toUpperCase(),
    canonicalUri(req.rawPath, opts.doubleEncodePath),
    canonicalQuery(req.rawQuery, opts.presigned),
    headerLines.join('\n') + '\n',
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  const kDate = hmac(`AWS4${secretAccessKey}`, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, 'aws4_request');
}

export interface VerifyOptions {
  doubleEncodePath: boolean;
  /** Current time (ms); default Date.now(). */
  now?: number;
  /** Allowed clock difference; default 15 minutes (as AWS). `Infinity` disables the check. */
  maxSkewMs?: number;
}

/**
 * Verify a parsed signature against the secret key. Throws AwsError:
 * IncompleteSignatureException, InvalidSignatureException, XAmzContentSHA256Mismatch,
 * or AccessDenied (expired presigned URL).
 */
export function verifySignature(
  req: RawRequest,
  sig: ParsedSignature,
  secretAccessKey: string,
  opts: VerifyOptions,
): void {
  const now = opts.now ?? Date.now();
  const maxSkewMs = opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  const requestMs = amzDateToMs(sig.amzDate);
  if (requestMs === undefined) {
    throw incomplete(
      `Date must be in ISO-8601 'basic format'. Got '${sig.amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    );
  }
  if (sig.amzDate.slice(0, 8) !== sig.scopeDate) {
    throw new AwsError(
      'InvalidSignatureException',
      400,
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${sig.scopeDate}' != '${sig.amzDate.slice(0, 8)}', from '${sig.amzDate}'.`,
    );
  }
  if (!sig.signedHeaders.includes('host')) {
    throw new AwsError(
      'InvalidSignatureException',
      400,
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    );
  }
  if (sig.via === 'query') {
    const expiresAt = requestMs + (sig.expires ?? 604800) * 1000;
    if (now > expiresAt) throw new AwsError('AccessDenied', 403, 'Request has expired');
  } else if (now - requestMs > maxSkewMs) {
    throw new AwsError(
      'InvalidSignatureException',
      400,
      `Signature expired: ${sig.amzDate} is now earlier than ${toAmzDate(new Date(now - maxSkewMs))} (${toAmzDate(new Date(now))} - ${Math.round(maxSkewMs / 60000)} min.)`,
    );
  } else if (requestMs - now > maxSkewMs) {
    throw new AwsError(
      'InvalidSignatureException',
      400,
      `Signature not yet current: ${sig.amzDate} is still later than ${toAmzDate(new Date(now + maxSkewMs))} (${toAmzDate(new Date(now))} + ${Math.round(maxSkewMs / 60000)} min.)`,
    );
  }

  const actualHash = sha256Hex(req.body);
  const declared =
    sig.via === 'query'
      ? (parseQuery(req.rawQuery).find(([key]) => key.toLowerCase() === 'x-amz-content-sha256')?.[1] ??
        req.headers['x-amz-content-sha256'])
      : req.headers['x-amz-content-sha256'];
  let payloadHash: string;
  if (declared !== undefined) {
    if (/^[0-9a-f]{64}$/i.test(declared) && declared.toLowerCase() !== actualHash) {
      throw new AwsError(
        'XAmzContentSHA256Mismatch',
        400,
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
      );
    }
    payloadHash = declared;
  } else if (sig.via === 'query' && sig.service === 's3') {
    payloadHash = 'UNSIGNED-PAYLOAD';
  } else {
    payloadHash = actualHash;
  }

  const canonical = canonicalRequest(req, sig.signedHeaders, payloadHash, {
    doubleEncodePath: opts.doubleEncodePath,
    presigned: sig.via === 'query',
  });
  const scope = `${sig.scopeDate}/${sig.region}/${sig.service}/aws4_request`;
  const stringToSign = [ALGORITHM, sig.amzDate, scope, sha256Hex(canonical)].join('\n');
  const expected = createHmac('sha256', signingKey(secretAccessKey, sig.scopeDate, sig.region, sig.service))
    .update(stringToSign, 'utf8')
    .digest('hex');
  const given = Buffer.from(sig.signature.toLowerCase(), 'utf8');
  const want = Buffer.from(expected, 'utf8');
  if (given.length !== want.length || !timingSafeEqual(given, want)) {
    throw new AwsError(
      'InvalidSignatureException',
      400,
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\n' +
        `The Canonical String for this request should have been\n'${canonical}'\n\n` +
        `The String-to-Sign should have been\n'${stringToSign}'\n`,
    );
  }
}
