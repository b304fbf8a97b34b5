// SigV4 verification against requests signed by the AWS SDK's own signer (@smithy/signature-v4).
import { expect, test } from '@jest/globals';
import { parseSignature, verifySignature, canonicalUri } from '../sigv4.ts';
import { AwsError, type RawRequest } from '../types.ts';
import { presign, sign, wireQuery, type SignInput, type SignedRequest } from './signing.ts';

const CREDS = { accessKeyId: 'AKIASIGV4TEST', secretAccessKey: 'sigv4/Secret+Key/abcdefghijklmnopqrstuv' };
const URL_ = 'http://127.0.0.1:4566';

function raw(signed: SignedRequest): RawRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) headers[k.toLowerCase()] = v;
  return {
    method: signed.method,
    rawPath: signed.path,
    rawQuery: wireQuery(signed.query),
    headers,
    body: Buffer.from(signed.body ?? '', 'utf8'),
  };
}

function verify(
  req: RawRequest,
  opts: { doubleEncodePath?: boolean; now?: number; secret?: string } = {},
): void {
  const sig = parseSignature(req);
  if (sig === undefined) throw new Error('no signature');
  verifySignature(req, sig, opts.secret ?? CREDS.secretAccessKey, {
    doubleEncodePath: opts.doubleEncodePath ?? true,
    ...(opts.now !== undefined ? { now: opts.now } : {}),
  });
}

function failure(fn: () => void): AwsError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AwsError);
    return e as AwsError;
  }
  throw new Error('expected verification to fail');
}

const rest: SignInput = {
  url: URL_,
  method: 'POST',
  path: '/2020-05-31/distribution/E2ABC%20X/invalidation',
  query: { Marker: 'a b/c+d', MaxItems: '10', 'x*y': ['2', '1'] },
  headers: { 'content-type': 'text/xml', 'x-amz-meta-note': '  spaced    value  ' },
  body: '<InvalidationBatch/>',
  region: 'us-east-1',
  service: 'cloudfront',
  credentials: CREDS,
};

test('a REST request signed by the SDK signer verifies (encoded path, repeated and reserved query keys)', async () => {
  const signed = raw(await sign(rest));
  expect(parseSignature(signed)).toMatchObject({
    via: 'header',
    accessKeyId: CREDS.accessKeyId,
    region: 'us-east-1',
    service: 'cloudfront',
  });
  expect(() => verify(signed)).not.toThrow();
  // Unsigned headers may be added on the way.
  expect(() => verify({ ...signed, headers: { ...signed.headers, 'user-agent': 'proxy' } })).not.toThrow();
});

test('tampering is detected: body, signed header, path, query, secret', async () => {
  // Without x-amz-content-sha256 (as the JSON protocol clients send), the body hash is part of the signature.
  const signed = raw(await sign({ ...rest, applyChecksum: false }));
  expect(signed.headers['x-amz-content-sha256']).toBeUndefined();
  const body = failure(() => verify({ ...signed, body: Buffer.from('<InvalidationBatch />') }));
  expect(body.code).toBe('InvalidSignatureException');
  expect(body.message).toContain('The Canonical String for this request should have been');
  expect(
    failure(() => verify({ ...signed, headers: { ...signed.headers, 'content-type': 'text/plain' } })).code,
  ).toBe('InvalidSignatureException');
  expect(failure(() => verify({ ...signed, rawPath: signed.rawPath.replace('E2ABC', 'E3ABC') })).code).toBe(
    'InvalidSignatureException',
  );
  expect(
    failure(() => verify({ ...signed, rawQuery: signed.rawQuery.replace('MaxItems=10', 'MaxItems=11') }))
      .code,
  ).toBe('InvalidSignatureException');
  expect(failure(() => verify(signed, { secret: 'other' })).status).toBe(400);
});

test('S3 signs the path once; other services twice', async () => {
  const s3: SignInput = {
    url: URL_,
    method: 'PUT',
    path: '/bucket/dir%20one/file+name%2A.txt',
    headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    body: 'content',
    region: 'eu-west-1',
    service: 's3',
    credentials: CREDS,
    uriEscapePath: false,
  };
  const signed = raw(await sign(s3));
  expect(() => verify(signed, { doubleEncodePath: false })).not.toThrow();
  expect(failure(() => verify(signed, { doubleEncodePath: true })).code).toBe('InvalidSignatureException');
  expect(canonicalUri('/a%20b/./c/../d', true)).toBe('/a%2520b/d');
});

test('x-amz-content-sha256 must match the body when it is a hash', async () => {
  const signed = raw(await sign(rest));
  expect(signed.headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
  expect(failure(() => verify({ ...signed, body: Buffer.from('other') })).code).toBe(
    'XAmzContentSHA256Mismatch',
  );
  const forged = raw(await sign({ ...rest, headers: { 'x-amz-content-sha256': '0'.repeat(64) } }));
  expect(failure(() => verify(forged)).code).toBe('XAmzContentSHA256Mismatch');
});

test('clock skew beyond 15 minutes is rejected as AWS words it', async () => {
  const now = Date.now();
  const old = raw(await sign({ ...rest, signingDate: new Date(now - 16 * 60 * 1000) }));
  const err = failure(() => verify(old, { now }));
  expect(err.code).toBe('InvalidSignatureException');
  expect(err.message).toMatch(
    /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/,
  );
  const future = raw(await sign({ ...rest, signingDate: new Date(now + 16 * 60 * 1000) }));
  expect(failure(() => verify(future, { now })).message).toMatch(/^Signature not yet current/);
  const slightlyOld = raw(await sign({ ...rest, signingDate: new Date(now - 10 * 60 * 1000) }));
  expect(() => verify(slightlyOld, { now })).not.toThrow();
});

test('presigned URLs verify until they expire', async () => {
  const signingDate = new Date();
  const presigned = raw(
    await presign(
      {
        ...rest,
        method: 'GET',
        body: undefined,
        path: '/bucket/key%20x',
        headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
        service: 's3',
        uriEscapePath: false,
        signingDate,
      },
      60,
    ),
  );
  // The signer hoists x-amz-* headers into the query.
  expect(presigned.rawQuery).toContain('X-Amz-Signature=');
  expect(presigned.headers['authorization']).toBeUndefined();
  expect(parseSignature(presigned)).toMatchObject({ via: 'query', service: 's3', expires: 60 });
  expect(() => verify(presigned, { doubleEncodePath: false })).not.toThrow();
  const expired = failure(() =>
    verify(presigned, { doubleEncodePath: false, now: signingDate.getTime() + 61_000 }),
  );
  expect([expired.code, expired.status, expired.message]).toEqual([
    'AccessDenied',
    403,
    'Request has expired',
  ]);
});

test('missing or malformed signatures', () => {
  const base: RawRequest = { method: 'POST', rawPath: '/', rawQuery: '', headers: {}, body: Buffer.alloc(0) };
  expect(parseSignature(base)).toBeUndefined();
  const noDate = () =>
    parseSignature({
      ...base,
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/ssm/aws4_request' },
    });
  const err = failure(noDate);
  expect(err.code).toBe('IncompleteSignatureException');
  expect(err.message).toContain("Authorization header requires 'Signature' parameter.");
  expect(err.message).toContain(
    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
  );
  expect(
    failure(() =>
      parseSignature({ ...base, headers: { authorization: 'AWS4-ECDSA-P256-SHA256 Credential=x' } }),
    ).message,
  ).toMatch(/^Unsupported AWS 'algorithm'/);
  const mismatch = {
    ...base,
    headers: {
      host: 'h',
      'x-amz-date': '20240102T000000Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/ssm/aws4_request, SignedHeaders=host;x-amz-date, Signature=00',
    },
  };
  const scope = failure(() => verify(mismatch, { now: Date.UTC(2024, 0, 2) }));
  expect(scope.message).toMatch(/^Date in Credential scope does not match YYYYMMDD/);
});
