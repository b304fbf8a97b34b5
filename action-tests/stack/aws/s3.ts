// Amazon S3 (REST-XML) for the AWS endpoint emulator: buckets and objects in memory, the subset of
// the API that deploy tools use, with S3's wire details: path-style addressing (and virtual-host
// style on `<bucket>.localhost`), ETag = MD5 of a single-part body and md5-of-md5s-N for multipart
// objects, user metadata, flexible checksums (CRC32/CRC32C/SHA1/SHA256 verified), aws-chunked
// bodies with trailing checksums (STREAMING-UNSIGNED-PAYLOAD-TRAILER, what the SDK sends for
// streams), ListObjectsV2 paging, CopyObject with MetadataDirective, DeleteObjects and S3's XML
// errors. See README.md for the operation list and the admin routes.
import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { parseQuery } from './sigv4.ts';
import { child, children, childText, escapeXml, parseXml, tag, XML_DECLARATION } from './xml.ts';
import {
  AwsError,
  type AdminRequest,
  type AdminResult,
  type CallContext,
  type DecodedCall,
  type HttpResult,
  type RawRequest,
  type ServiceHandler,
} from './types.ts';

const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const MiB = 1024 * 1024;

export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'SHA1' | 'SHA256' | 'CRC64NVME';
const CHECKSUM_ALGORITHMS: ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'SHA1', 'SHA256', 'CRC64NVME'];

export interface S3Object {
  key: string;
  body: Buffer;
  /** Quoted, as on the wire: `"<md5 hex>"` or `"<hex>-N"`. */
  etag: string;
  lastModified: Date;
  contentType: string;
  cacheControl?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  expires?: string;
  websiteRedirectLocation?: string;
  /** User metadata, keys lower-case without `x-amz-meta-`. */
  metadata: Record<string, string>;
  checksum?: { algorithm: ChecksumAlgorithm; value: string; type: 'FULL_OBJECT' | 'COMPOSITE' };
  /** Number of parts for a multipart object. */
  parts?: number;
}

interface UploadPart {
  number: number;
  body: Buffer;
  etag: string;
  md5: Buffer;
  checksum?: string;
}

interface MultipartUpload {
  id: string;
  key: string;
  initiated: Date;
  headers: ObjectHeaders;
  checksumAlgorithm?: ChecksumAlgorithm;
  parts: Map<number, UploadPart>;
}

export interface S3Bucket {
  name: string;
  region: string;
  created: Date;
  objects: Map<string, S3Object>;
  uploads: Map<string, MultipartUpload>;
}

type ObjectHeaders = Pick<
  S3Object,
  | 'contentType'
  | 'cacheControl'
  | 'contentEncoding'
  | 'contentDisposition'
  | 'contentLanguage'
  | 'expires'
  | 'websiteRedirectLocation'
  | 'metadata'
>;

export interface S3ServiceOptions {
  accountId: string;
  /** Smallest part but the last of a multipart upload (S3: 5 MiB). */
  minPartSize?: number;
  /** Buckets that exist from the start and again (empty) after `reset()`. */
  buckets?: { name: string; region: string }[];
}

/** Direct state access for tests and the stack (no HTTP, no auth). */
export interface S3StateApi {
  createBucket(name: string, region: string): S3Bucket;
  bucket(name: string): S3Bucket | undefined;
  buckets(): S3Bucket[];
  putObject(bucket: string, key: string, body: Buffer | string, headers?: Partial<ObjectHeaders>): S3Object;
  getObject(bucket: string, key: string): S3Object | undefined;
  /** Objects sorted by key (UTF-8 byte order, as S3 lists them). */
  listObjects(bucket: string, prefix?: string): S3Object[];
  clear(): void;
}

export type S3Service = ServiceHandler & { s3: S3StateApi };

interface S3Input {
  bucket: string | undefined;
  key: string | undefined;
  query: Map<string, string>;
  headers: Record<string, string>;
  body: Buffer;
  trailers: Record<string, string>;
}

// ------------------------------------------------------------------------------------ checksums

let crc32cTable: Uint32Array | undefined;
function crc32c(data: Buffer): number {
  if (crc32cTable === undefined) {
    crc32cTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
      crc32cTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of data) crc = crc32cTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function uint32Base64(value: number): string {
  const buf = Buffer.alloc(4);
  buf.writeUInt32BE(value >>> 0);
  return buf.toString('base64');
}

/** Base64 checksum of `data`; `undefined` for CRC64NVME (stored as sent, not verified). */
export function computeChecksum(algorithm: ChecksumAlgorithm, data: Buffer): string | undefined {
  switch (algorithm) {
    case 'CRC32':
      return uint32Base64(crc32(data));
    case 'CRC32C':
      return uint32Base64(crc32c(data));
    case 'SHA1':
      return createHash('sha1').update(data).digest('base64');
    case 'SHA256':
      return createHash('sha256').update(data).digest('base64');
    case 'CRC64NVME':
      return undefined;
  }
}

const checksumHeader = (a: ChecksumAlgorithm): string => `x-amz-checksum-${a.toLowerCase()}`;

function md5(data: Buffer): Buffer {
  return createHash('md5').update(data).digest();
}

// ------------------------------------------------------------------------------------ errors

const s3Error = (code: string, status: number, message: string, fields: Record<string, unknown> = {}) =>
  new AwsError(code, status, message, fields);
const noSuchBucket = (bucket: string) =>
  s3Error('NoSuchBucket', 404, 'The specified bucket does not exist', { BucketName: bucket });
const noSuchKey = (key: string) =>
  s3Error('NoSuchKey', 404, 'The specified key does not exist.', { Key: key });
const noSuchUpload = (id: string) =>
  s3Error(
    'NoSuchUpload',
    404,
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    { UploadId: id },
  );
const invalidArgument = (message: string, name: string, value: string) =>
  s3Error('InvalidArgument', 400, message, { ArgumentName: name, ArgumentValue: value });
const notImplemented = (what: string) =>
  s3Error(
    'NotImplemented',
    501,
    `A header you provided implies functionality that is not implemented (${what})`,
  );

// ------------------------------------------------------------------------------------ request decoding

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw s3Error('InvalidURI', 400, "Couldn't parse the specified URI.");
  }
}

/** Bucket and key from the path (path style) or from a `<bucket>.localhost` Host header. */
function addressOf(req: RawRequest): { bucket: string | undefined; key: string | undefined } {
  const hostname = (req.headers['host'] ?? '').replace(/:\d+$/, '');
  const virtual = /^(.+)\.localhost$/i.exec(hostname);
  const path = req.rawPath.startsWith('/') ? req.rawPath.slice(1) : req.rawPath;
  if (virtual) {
    return { bucket: virtual[1]!.toLowerCase(), key: path === '' ? undefined : safeDecode(path) };
  }
  if (path === '') return { bucket: undefined, key: undefined };
  const slash = path.indexOf('/');
  if (slash < 0) return { bucket: safeDecode(path), key: undefined };
  const key = path.slice(slash + 1);
  return { bucket: safeDecode(path.slice(0, slash)), key: key === '' ? undefined : safeDecode(key) };
}

/** Decode an `aws-chunked` body: `<hex>[;chunk-signature=..]\r\n<data>\r\n ... 0\r\n<trailers>\r\n\r\n`. */
export function decodeAwsChunked(body: Buffer): { data: Buffer; trailers: Record<string, string> } {
  const incomplete = () => s3Error('IncompleteBody', 400, 'The request body terminated unexpectedly');
  const parts: Buffer[] = [];
  const trailers: Record<string, string> = {};
  let pos = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', pos);
    if (eol < 0) throw incomplete();
    const header = body.subarray(pos, eol).toString('latin1');
    const size = parseInt(header.split(';')[0]!, 16);
    if (!Number.isInteger(size) || size < 0) throw incomplete();
    pos = eol + 2;
    if (size === 0) break;
    if (pos + size + 2 > body.length) throw incomplete();
    parts.push(body.subarray(pos, pos + size));
    pos += size;
    if (body[pos] !== 0x0d || body[pos + 1] !== 0x0a) throw incomplete();
    pos += 2;
  }
  // Trailer lines until an empty line (or the end of the body).
  while (pos < body.length) {
    const eol = body.indexOf('\r\n', pos);
    const line = body.subarray(pos, eol < 0 ? body.length : eol).toString('utf8');
    pos = eol < 0 ? body.length : eol + 2;
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { data: Buffer.concat(parts), trailers };
}

function decodeBody(req: RawRequest): { body: Buffer; trailers: Record<string, string> } {
  const sha = req.headers['x-amz-content-sha256'] ?? '';
  const encoding = (req.headers['content-encoding'] ?? '').split(',').map((e) => e.trim());
  if (!sha.startsWith('STREAMING-') && !encoding.includes('aws-chunked')) {
    return { body: req.body, trailers: {} };
  }
  const { data, trailers } = decodeAwsChunked(req.body);
  const declared = req.headers['x-amz-decoded-content-length'];
  if (declared !== undefined && Number(declared) !== data.length) {
    throw s3Error(
      'IncompleteBody',
      400,
      'You did not provide the number of bytes specified by the Content-Length HTTP header',
    );
  }
  return { body: data, trailers };
}

function operationOf(method: string, input: S3Input): string {
  const { bucket, key, query, headers } = input;
  const has = (name: string) => query.has(name);
  if (bucket === undefined) {
    if (method === 'GET') return 'ListBuckets';
    throw s3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
  }
  if (key === undefined) {
    switch (method) {
      case 'PUT':
        if (query.size > 0) throw notImplemented(`PUT ?${[...query.keys()].join('&')}`);
        return 'CreateBucket';
      case 'HEAD':
        return 'HeadBucket';
      case 'DELETE':
        if (query.size > 0) throw notImplemented(`DELETE ?${[...query.keys()].join('&')}`);
        return 'DeleteBucket';
      case 'GET':
        if (query.get('list-type') === '2') return 'ListObjectsV2';
        if (has('location')) return 'GetBucketLocation';
        if (has('uploads')) return 'ListMultipartUploads';
        if (has('versioning')) return 'GetBucketVersioning';
        return 'ListObjects';
      case 'POST':
        if (has('delete')) return 'DeleteObjects';
        break;
    }
    throw s3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
  }
  switch (method) {
    case 'PUT':
      if (has('partNumber') && has('uploadId')) {
        if (headers['x-amz-copy-source'] !== undefined) throw notImplemented('UploadPartCopy');
        return 'UploadPart';
      }
      if (query.size > 0 && !has('x-id')) throw notImplemented(`PUT object ?${[...query.keys()].join('&')}`);
      return headers['x-amz-copy-source'] !== undefined ? 'CopyObject' : 'PutObject';
    case 'GET':
      return has('uploadId') ? 'ListParts' : 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'DELETE':
      return has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    case 'POST':
      if (has('uploads')) return 'CreateMultipartUpload';
      if (has('uploadId')) return 'CompleteMultipartUpload';
      break;
  }
  throw s3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
}

// ------------------------------------------------------------------------------------ helpers

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function validateBucketName(name: string): void {
  if (!BUCKET_NAME.test(name) || name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name)) {
    throw s3Error('InvalidBucketName', 400, 'The specified bucket is not valid.', { BucketName: name });
  }
}

function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function isoDate(d: Date): string {
  return d.toISOString();
}

/** S3's `encoding-type=url`: keys percent-encoded, space as `+` (clients decode with unquote_plus). */
function urlEncodeKey(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+').replace(/%2F/g, '/');
}

function objectHeadersFrom(headers: Record<string, string>): ObjectHeaders {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-amz-meta-')) metadata[name.slice('x-amz-meta-'.length)] = value;
  }
  const size = Object.entries(metadata).reduce(
    (n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v),
    0,
  );
  if (size > 2048) {
    throw s3Error('MetadataTooLarge', 400, 'Your metadata headers exceed the maximum allowed metadata size', {
      Size: size,
      MaxSizeAllowed: 2048,
    });
  }
  const h: ObjectHeaders = { contentType: headers['content-type'] || 'binary/octet-stream', metadata };
  if (headers['cache-control'] !== undefined) h.cacheControl = headers['cache-control'];
  const encoding = (headers['content-encoding'] ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '' && e !== 'aws-chunked')
    .join(', ');
  if (encoding !== '') h.contentEncoding = encoding;
  if (headers['content-disposition'] !== undefined) h.contentDisposition = headers['content-disposition'];
  if (headers['content-language'] !== undefined) h.contentLanguage = headers['content-language'];
  if (headers['expires'] !== undefined) h.expires = headers['expires'];
  if (headers['x-amz-website-redirect-location'] !== undefined)
    h.websiteRedirectLocation = headers['x-amz-website-redirect-location'];
  return h;
}

function parseChecksumAlgorithm(value: string | undefined, argument: string): ChecksumAlgorithm | undefined {
  if (value === undefined || value === '') return undefined;
  const upper = value.toUpperCase() as ChecksumAlgorithm;
  if (!CHECKSUM_ALGORITHMS.includes(upper)) {
    throw invalidArgument(
      `Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]`,
      argument,
      value,
    );
  }
  return upper;
}

/**
 * Verify Content-MD5 and every `x-amz-checksum-*` value (headers or aws-chunked trailers). Returns the
 * checksum to store (the first one sent).
 */
function verifyChecksums(input: S3Input): { algorithm: ChecksumAlgorithm; value: string } | undefined {
  const { headers, trailers, body } = input;
  const contentMd5 = headers['content-md5'];
  if (contentMd5 !== undefined) {
    if (!/^[A-Za-z0-9+/]{22}==$/.test(contentMd5)) {
      throw s3Error('InvalidDigest', 400, 'The Content-MD5 you specified was invalid.', {
        'Content-MD5': contentMd5,
      });
    }
    if (md5(body).toString('base64') !== contentMd5) {
      throw s3Error('BadDigest', 400, 'The Content-MD5 you specified did not match what we received.', {
        ExpectedDigest: contentMd5,
        CalculatedDigest: md5(body).toString('base64'),
      });
    }
  }
  let stored: { algorithm: ChecksumAlgorithm; value: string } | undefined;
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const name = checksumHeader(algorithm);
    const value = headers[name] ?? trailers[name];
    if (value === undefined) continue;
    const actual = computeChecksum(algorithm, body);
    if (actual !== undefined && actual !== value) {
      throw s3Error(
        'BadDigest',
        400,
        `The ${algorithm} you specified did not match the calculated checksum.`,
      );
    }
    stored ??= { algorithm, value };
  }
  const trailer = headers['x-amz-trailer'];
  if (trailer !== undefined && trailers[trailer.toLowerCase()] === undefined) {
    throw s3Error('InvalidRequest', 400, `The trailing header ${trailer} was declared but not sent.`);
  }
  return stored;
}

function xml(body: string, status = 200, headers: Record<string, string> = {}): HttpResult {
  return {
    status,
    headers: { 'content-type': 'application/xml', ...headers },
    body: `${XML_DECLARATION}\n${body}`,
  };
}

function empty(status: number, headers: Record<string, string> = {}): HttpResult {
  return { status, headers, body: '' };
}

function objectResponseHeaders(obj: S3Object, checksumMode: boolean): Record<string, string> {
  const h: Record<string, string> = {
    'content-type': obj.contentType,
    etag: obj.etag,
    'last-modified': obj.lastModified.toUTCString(),
    'accept-ranges': 'bytes',
    'x-amz-server-side-encryption': 'AES256',
  };
  if (obj.cacheControl !== undefined) h['cache-control'] = obj.cacheControl;
  if (obj.contentEncoding !== undefined) h['content-encoding'] = obj.contentEncoding;
  if (obj.contentDisposition !== undefined) h['content-disposition'] = obj.contentDisposition;
  if (obj.contentLanguage !== undefined) h['content-language'] = obj.contentLanguage;
  if (obj.expires !== undefined) h['expires'] = obj.expires;
  if (obj.websiteRedirectLocation !== undefined)
    h['x-amz-website-redirect-location'] = obj.websiteRedirectLocation;
  for (const [k, v] of Object.entries(obj.metadata)) h[`x-amz-meta-${k}`] = v;
  if (checksumMode && obj.checksum !== undefined) {
    h[checksumHeader(obj.checksum.algorithm)] = obj.checksum.value;
    h['x-amz-checksum-type'] = obj.checksum.type;
  }
  return h;
}

function checkConditions(obj: S3Object, headers: Record<string, string>, prefix = ''): 'ok' | 304 {
  const etags = (value: string) => value.split(',').map((v) => v.trim());
  const ifMatch = headers[`${prefix}if-match`];
  if (
    ifMatch !== undefined &&
    !etags(ifMatch).some((e) => e === '*' || e === obj.etag || `"${e}"` === obj.etag)
  ) {
    throw s3Error(
      'PreconditionFailed',
      412,
      'At least one of the pre-conditions you specified did not hold',
      {
        Condition: prefix === '' ? 'If-Match' : 'x-amz-copy-source-If-Match',
      },
    );
  }
  const ifNoneMatch = headers[`${prefix}if-none-match`];
  if (
    ifNoneMatch !== undefined &&
    etags(ifNoneMatch).some((e) => e === '*' || e === obj.etag || `"${e}"` === obj.etag)
  ) {
    if (prefix !== '') {
      throw s3Error(
        'PreconditionFailed',
        412,
        'At least one of the pre-conditions you specified did not hold',
        {
          Condition: 'x-amz-copy-source-If-None-Match',
        },
      );
    }
    return 304;
  }
  return 'ok';
}

// ------------------------------------------------------------------------------------ the service

export function createS3Service(opts: S3ServiceOptions): S3Service {
  const minPartSize = opts.minPartSize ?? 5 * MiB;
  const buckets = new Map<string, S3Bucket>();
  const owner = { id: createHash('sha256').update(opts.accountId).digest('hex'), name: 'emulator' };

  function bucketFor(name: string, region: string): S3Bucket {
    const bucket = buckets.get(name);
    if (bucket === undefined) throw noSuchBucket(name);
    if (region !== bucket.region) {
      throw s3Error(
        'AuthorizationHeaderMalformed',
        400,
        `The authorization header is malformed; the region '${region}' is wrong; expecting '${bucket.region}'`,
        { Region: bucket.region },
      );
    }
    return bucket;
  }

  function createBucket(name: string, region: string): S3Bucket {
    validateBucketName(name);
    if (buckets.has(name)) {
      throw s3Error(
        'BucketAlreadyOwnedByYou',
        409,
        'Your previous request to create the named bucket succeeded and you already own it.',
        { BucketName: name },
      );
    }
    const bucket: S3Bucket = { name, region, created: new Date(), objects: new Map(), uploads: new Map() };
    buckets.set(name, bucket);
    return bucket;
  }

  function storeObject(
    bucket: S3Bucket,
    key: string,
    body: Buffer,
    headers: ObjectHeaders,
    extra: Partial<S3Object> = {},
  ): S3Object {
    if (Buffer.byteLength(key) > 1024) {
      throw s3Error('KeyTooLongError', 400, 'Your key is too long', {
        Size: Buffer.byteLength(key),
        MaxSizeAllowed: 1024,
      });
    }
    const obj: S3Object = {
      key,
      body,
      etag: `"${md5(body).toString('hex')}"`,
      lastModified: new Date(),
      ...headers,
      ...extra,
    };
    bucket.objects.set(key, obj);
    return obj;
  }

  function sortedObjects(bucket: S3Bucket, prefix: string): S3Object[] {
    return [...bucket.objects.values()]
      .filter((o) => o.key.startsWith(prefix))
      .sort((a, b) => compareKeys(a.key, b.key));
  }

  function contentsXml(o: S3Object, urlEncode: boolean, fetchOwner: boolean): string {
    return (
      '<Contents>' +
      tag('Key', urlEncode ? urlEncodeKey(o.key) : o.key) +
      tag('LastModified', isoDate(o.lastModified)) +
      tag('ETag', o.etag) +
      (o.checksum
        ? tag('ChecksumAlgorithm', o.checksum.algorithm) + tag('ChecksumType', o.checksum.type)
        : '') +
      tag('Size', o.body.length) +
      (fetchOwner ? `<Owner>${tag('ID', owner.id)}${tag('DisplayName', owner.name)}</Owner>` : '') +
      tag('StorageClass', 'STANDARD') +
      '</Contents>'
    );
  }

  /** Walk sorted keys after `after`, grouping by delimiter; returns up to maxKeys entries. */
  function listPage(bucket: S3Bucket, prefix: string, delimiter: string, after: string, maxKeys: number) {
    const contents: S3Object[] = [];
    const prefixes: string[] = [];
    let truncated = false;
    let last = '';
    for (const o of sortedObjects(bucket, prefix)) {
      if (after !== '' && compareKeys(o.key, after) <= 0) continue;
      let entry: { prefix: string } | { obj: S3Object } = { obj: o };
      if (delimiter !== '') {
        const idx = o.key.indexOf(delimiter, prefix.length);
        if (idx >= 0) {
          const common = o.key.slice(0, idx + delimiter.length);
          if (prefixes[prefixes.length - 1] === common) continue;
          // A common prefix already returned on an earlier page (token points inside it).
          if (after !== '' && after.startsWith(common)) continue;
          entry = { prefix: common };
        }
      }
      if (contents.length + prefixes.length >= maxKeys) {
        truncated = true;
        break;
      }
      if ('obj' in entry) {
        contents.push(entry.obj);
        last = entry.obj.key;
      } else {
        prefixes.push(entry.prefix);
        // Skip past every key of this prefix on the next page.
        last = `${entry.prefix}\u{10ffff}`;
      }
    }
    return { contents, prefixes, truncated, last };
  }

  function maxKeysOf(query: Map<string, string>): number {
    const raw = query.get('max-keys');
    if (raw === undefined) return 1000;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isInteger(n)) {
      throw invalidArgument('Provided max-keys not an integer or within integer range', 'max-keys', raw);
    }
    return Math.min(n, 1000);
  }

  function listObjectsV2(bucket: S3Bucket, q: Map<string, string>): HttpResult {
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const maxKeys = maxKeysOf(q);
    const encodingType = q.get('encoding-type');
    if (encodingType !== undefined && encodingType !== 'url') {
      throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', encodingType);
    }
    const url = encodingType === 'url';
    const token = q.get('continuation-token');
    const startAfter = q.get('start-after') ?? '';
    let after = startAfter;
    if (token !== undefined) {
      let decoded: unknown;
      try {
        decoded = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
      } catch {
        decoded = undefined;
      }
      const k = (decoded as { b?: unknown; k?: unknown } | undefined) ?? {};
      if (k.b !== bucket.name || typeof k.k !== 'string') {
        throw invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
      }
      after = k.k;
    }
    const page = listPage(bucket, prefix, delimiter, after, maxKeys);
    const enc = (v: string) => (url ? urlEncodeKey(v) : v);
    const next = page.truncated
      ? Buffer.from(JSON.stringify({ b: bucket.name, k: page.last })).toString('base64')
      : undefined;
    return xml(
      `<ListBucketResult xmlns="${NS}">` +
        tag('Name', bucket.name) +
        tag('Prefix', enc(prefix)) +
        (delimiter !== '' ? tag('Delimiter', enc(delimiter)) : '') +
        tag('MaxKeys', maxKeys) +
        (url ? tag('EncodingType', 'url') : '') +
        tag('KeyCount', page.contents.length + page.prefixes.length) +
        tag('IsTruncated', page.truncated) +
        (token !== undefined ? tag('ContinuationToken', token) : '') +
        tag('NextContinuationToken', next) +
        (startAfter !== '' ? tag('StartAfter', enc(startAfter)) : '') +
        page.contents.map((o) => contentsXml(o, url, q.get('fetch-owner') === 'true')).join('') +
        page.prefixes.map((p) => `<CommonPrefixes>${tag('Prefix', enc(p))}</CommonPrefixes>`).join('') +
        '</ListBucketResult>',
    );
  }

  function listObjectsV1(bucket: S3Bucket, q: Map<string, string>): HttpResult {
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const marker = q.get('marker') ?? '';
    const maxKeys = maxKeysOf(q);
    const url = q.get('encoding-type') === 'url';
    const enc = (v: string) => (url ? urlEncodeKey(v) : v);
    const page = listPage(bucket, prefix, delimiter, marker, maxKeys);
    return xml(
      `<ListBucketResult xmlns="${NS}">` +
        tag('Name', bucket.name) +
        tag('Prefix', enc(prefix)) +
        tag('Marker', enc(marker)) +
        (page.truncated && delimiter !== '' ? tag('NextMarker', enc(page.last)) : '') +
        tag('MaxKeys', maxKeys) +
        (delimiter !== '' ? tag('Delimiter', enc(delimiter)) : '') +
        (url ? tag('EncodingType', 'url') : '') +
        tag('IsTruncated', page.truncated) +
        page.contents.map((o) => contentsXml(o, url, true)).join('') +
        page.prefixes.map((p) => `<CommonPrefixes>${tag('Prefix', enc(p))}</CommonPrefixes>`).join('') +
        '</ListBucketResult>',
    );
  }

  function putObject(bucket: S3Bucket, input: S3Input): HttpResult {
    const key = input.key!;
    const existing = bucket.objects.get(key);
    if (input.headers['if-none-match'] === '*' && existing !== undefined) {
      throw s3Error(
        'PreconditionFailed',
        412,
        'At least one of the pre-conditions you specified did not hold',
        { Condition: 'If-None-Match' },
      );
    }
    if (input.headers['if-match'] !== undefined) {
      if (existing === undefined) throw noSuchKey(key);
      checkConditions(existing, { 'if-match': input.headers['if-match'] });
    }
    const checksum = verifyChecksums(input);
    const obj = storeObject(bucket, key, input.body, objectHeadersFrom(input.headers), {
      ...(checksum ? { checksum: { ...checksum, type: 'FULL_OBJECT' as const } } : {}),
    });
    const headers: Record<string, string> = { etag: obj.etag, 'x-amz-server-side-encryption': 'AES256' };
    if (checksum) {
      headers[checksumHeader(checksum.algorithm)] = checksum.value;
      headers['x-amz-checksum-type'] = 'FULL_OBJECT';
    }
    return empty(200, headers);
  }

  function copySource(input: S3Input): { bucket: string; key: string } {
    const raw = input.headers['x-amz-copy-source']!;
    const withoutVersion = raw.split('?')[0]!;
    const decoded = safeDecode(withoutVersion.replace(/^\//, ''));
    const slash = decoded.indexOf('/');
    if (slash <= 0 || slash === decoded.length - 1) {
      throw invalidArgument('Invalid copy source object key', 'x-amz-copy-source', raw);
    }
    return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
  }

  function copyObject(bucket: S3Bucket, input: S3Input, ctx: CallContext): HttpResult {
    const src = copySource(input);
    const srcBucket = bucketFor(src.bucket, ctx.region);
    const source = srcBucket.objects.get(src.key);
    if (source === undefined) throw noSuchKey(src.key);
    checkConditions(source, input.headers, 'x-amz-copy-source-');
    const directive = input.headers['x-amz-metadata-directive'] ?? 'COPY';
    if (directive !== 'COPY' && directive !== 'REPLACE') {
      throw invalidArgument('Unknown metadata directive.', 'x-amz-metadata-directive', directive);
    }
    const sameObject = srcBucket === bucket && src.key === input.key;
    if (sameObject && directive === 'COPY') {
      throw s3Error(
        'InvalidRequest',
        400,
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      );
    }
    const headers: ObjectHeaders =
      directive === 'REPLACE'
        ? objectHeadersFrom(input.headers)
        : {
            contentType: source.contentType,
            metadata: { ...source.metadata },
            ...(source.cacheControl !== undefined ? { cacheControl: source.cacheControl } : {}),
            ...(source.contentEncoding !== undefined ? { contentEncoding: source.contentEncoding } : {}),
            ...(source.contentDisposition !== undefined
              ? { contentDisposition: source.contentDisposition }
              : {}),
            ...(source.contentLanguage !== undefined ? { contentLanguage: source.contentLanguage } : {}),
            ...(source.expires !== undefined ? { expires: source.expires } : {}),
          };
    // The copy keeps the source's ETag form (a multipart source keeps its "-N" ETag here).
    const obj = storeObject(bucket, input.key!, source.body, headers, {
      etag: source.etag,
      ...(source.parts !== undefined ? { parts: source.parts } : {}),
      ...(source.checksum !== undefined ? { checksum: { ...source.checksum } } : {}),
    });
    return xml(
      `<CopyObjectResult xmlns="${NS}">${tag('LastModified', isoDate(obj.lastModified))}${tag('ETag', obj.etag)}` +
        (obj.checksum
          ? tag(`Checksum${obj.checksum.algorithm}`, obj.checksum.value) +
            tag('ChecksumType', obj.checksum.type)
          : '') +
        '</CopyObjectResult>',
      200,
      { 'x-amz-server-side-encryption': 'AES256' },
    );
  }

  function getOrHead(bucket: S3Bucket, input: S3Input, head: boolean): HttpResult {
    const obj = bucket.objects.get(input.key!);
    if (obj === undefined) throw noSuchKey(input.key!);
    const checksumMode = (input.headers['x-amz-checksum-mode'] ?? '').toUpperCase() === 'ENABLED';
    const headers = objectResponseHeaders(obj, checksumMode);
    if (obj.parts !== undefined) headers['x-amz-mp-parts-count'] = String(obj.parts);
    if (checkConditions(obj, input.headers) === 304) {
      return empty(304, { etag: obj.etag, 'last-modified': headers['last-modified']! });
    }
    // Response header overrides of presigned/SDK GETs.
    const overrides: Record<string, string> = {
      'response-content-type': 'content-type',
      'response-cache-control': 'cache-control',
      'response-content-disposition': 'content-disposition',
      'response-content-encoding': 'content-encoding',
      'response-content-language': 'content-language',
      'response-expires': 'expires',
    };
    for (const [param, header] of Object.entries(overrides)) {
      const v = input.query.get(param);
      if (v !== undefined) headers[header] = v;
    }
    let body = obj.body;
    let status = 200;
    const range = input.headers['range'];
    const m = range === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(range);
    if (m && (m[1] !== '' || m[2] !== '')) {
      const size = obj.body.length;
      let start = m[1] === '' ? size - Number(m[2]) : Number(m[1]);
      let end = m[1] === '' || m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
      if (start < 0) start = 0;
      if (start >= size || start > end) {
        throw s3Error('InvalidRange', 416, 'The requested range is not satisfiable', {
          RangeRequested: range,
          ActualObjectSize: size,
        });
      }
      end = Math.max(end, start);
      body = obj.body.subarray(start, end + 1);
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${size}`;
      delete headers[checksumHeader(obj.checksum?.algorithm ?? 'CRC32')];
      delete headers['x-amz-checksum-type'];
    }
    if (head) {
      return { status, headers: { ...headers, 'content-length': String(body.length) }, body: '' };
    }
    return { status, headers, body };
  }

  function deleteObjects(bucket: S3Bucket, input: S3Input): HttpResult {
    const hasChecksum =
      input.headers['content-md5'] !== undefined ||
      Object.keys(input.headers).some(
        (h) => h.startsWith('x-amz-checksum-') && h !== 'x-amz-checksum-algorithm',
      ) ||
      Object.keys(input.trailers).some((h) => h.startsWith('x-amz-checksum-'));
    if (!hasChecksum) {
      throw s3Error(
        'InvalidRequest',
        400,
        'Missing required header for this request: Content-MD5 OR x-amz-checksum-*',
      );
    }
    verifyChecksums(input);
    const doc = parseXml(input.body.toString('utf8'));
    if (doc.name !== 'Delete') throw parseXmlError();
    const objects = children(doc, 'Object');
    if (objects.length === 0 || objects.length > 1000) throw parseXmlError();
    const quiet = childText(doc, 'Quiet') === 'true';
    let out = '';
    for (const o of objects) {
      const key = childText(o, 'Key');
      if (key === undefined || key === '') throw parseXmlError();
      bucket.objects.delete(key);
      if (!quiet) out += `<Deleted>${tag('Key', key)}</Deleted>`;
    }
    return xml(`<DeleteResult xmlns="${NS}">${out}</DeleteResult>`);
  }

  function parseXmlError(): AwsError {
    return s3Error(
      'MalformedXML',
      400,
      'The XML you provided was not well-formed or did not validate against our published schema',
    );
  }

  function uploadOf(bucket: S3Bucket, input: S3Input): MultipartUpload {
    const id = input.query.get('uploadId') ?? '';
    const upload = bucket.uploads.get(id);
    if (upload === undefined || upload.key !== input.key) throw noSuchUpload(id);
    return upload;
  }

  function createMultipartUpload(bucket: S3Bucket, input: S3Input): HttpResult {
    const algorithm = parseChecksumAlgorithm(
      input.headers['x-amz-checksum-algorithm'],
      'x-amz-checksum-algorithm',
    );
    const id = randomBytes(32).toString('base64url');
    bucket.uploads.set(id, {
      id,
      key: input.key!,
      initiated: new Date(),
      headers: objectHeadersFrom(input.headers),
      ...(algorithm ? { checksumAlgorithm: algorithm } : {}),
      parts: new Map(),
    });
    return xml(
      `<InitiateMultipartUploadResult xmlns="${NS}">${tag('Bucket', bucket.name)}${tag('Key', input.key)}${tag('UploadId', id)}</InitiateMultipartUploadResult>`,
      200,
      algorithm ? { 'x-amz-checksum-algorithm': algorithm, 'x-amz-checksum-type': 'COMPOSITE' } : {},
    );
  }

  function uploadPart(bucket: S3Bucket, input: S3Input): HttpResult {
    const upload = uploadOf(bucket, input);
    const raw = input.query.get('partNumber')!;
    const number = Number(raw);
    if (!/^\d+$/.test(raw) || number < 1 || number > 10000) {
      throw invalidArgument(
        'Part number must be an integer between 1 and 10000, inclusive',
        'partNumber',
        raw,
      );
    }
    const checksum = verifyChecksums(input);
    if (
      upload.checksumAlgorithm !== undefined &&
      checksum !== undefined &&
      checksum.algorithm !== upload.checksumAlgorithm
    ) {
      throw s3Error(
        'InvalidRequest',
        400,
        `Checksum Type mismatch occurred, expected checksum Type: ${upload.checksumAlgorithm.toLowerCase()}, actual checksum Type: ${checksum.algorithm.toLowerCase()}`,
      );
    }
    const digest = md5(input.body);
    const part: UploadPart = { number, body: input.body, etag: `"${digest.toString('hex')}"`, md5: digest };
    if (checksum !== undefined) part.checksum = checksum.value;
    else if (upload.checksumAlgorithm !== undefined)
      part.checksum = computeChecksum(upload.checksumAlgorithm, input.body);
    upload.parts.set(number, part);
    const headers: Record<string, string> = { etag: part.etag, 'x-amz-server-side-encryption': 'AES256' };
    if (checksum) headers[checksumHeader(checksum.algorithm)] = checksum.value;
    return empty(200, headers);
  }

  function completeMultipartUpload(bucket: S3Bucket, input: S3Input): HttpResult {
    const upload = uploadOf(bucket, input);
    const doc = parseXml(input.body.toString('utf8'));
    if (doc.name !== 'CompleteMultipartUpload') throw parseXmlError();
    const listed = children(doc, 'Part').map((p) => ({
      number: Number(childText(p, 'PartNumber')),
      etag: (childText(p, 'ETag') ?? '').trim(),
    }));
    if (listed.length === 0) {
      throw s3Error(
        'MalformedXML',
        400,
        'The XML you provided was not well-formed or did not validate against our published schema',
      );
    }
    const parts: UploadPart[] = [];
    let previous = 0;
    for (const { number, etag } of listed) {
      if (!(number > previous)) {
        throw s3Error(
          'InvalidPartOrder',
          400,
          'The list of parts was not in ascending order. Parts must be ordered by part number.',
          { UploadId: upload.id },
        );
      }
      previous = number;
      const part = upload.parts.get(number);
      const quoted = etag.startsWith('"') ? etag : `"${etag}"`;
      if (part === undefined || part.etag !== quoted) {
        throw s3Error(
          'InvalidPart',
          400,
          "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
          { UploadId: upload.id, PartNumber: number, ETag: etag },
        );
      }
      parts.push(part);
    }
    parts.forEach((part, i) => {
      if (i < parts.length - 1 && part.body.length < minPartSize) {
        throw s3Error(
          'EntityTooSmall',
          400,
          'Your proposed upload is smaller than the minimum allowed size',
          {
            ProposedSize: part.body.length,
            MinSizeAllowed: minPartSize,
            PartNumber: part.number,
            ETag: part.etag,
          },
        );
      }
    });
    const etag = `"${md5(Buffer.concat(parts.map((p) => p.md5))).toString('hex')}-${parts.length}"`;
    let checksum: S3Object['checksum'];
    if (
      upload.checksumAlgorithm !== undefined &&
      upload.checksumAlgorithm !== 'CRC64NVME' &&
      parts.every((p) => p.checksum)
    ) {
      const combined = Buffer.concat(parts.map((p) => Buffer.from(p.checksum!, 'base64')));
      checksum = {
        algorithm: upload.checksumAlgorithm,
        value: `${computeChecksum(upload.checksumAlgorithm, combined)!}-${parts.length}`,
        type: 'COMPOSITE',
      };
    }
    const obj = storeObject(bucket, upload.key, Buffer.concat(parts.map((p) => p.body)), upload.headers, {
      etag,
      parts: parts.length,
      ...(checksum ? { checksum } : {}),
    });
    bucket.uploads.delete(upload.id);
    return xml(
      `<CompleteMultipartUploadResult xmlns="${NS}">` +
        tag('Location', `/${bucket.name}/${urlEncodeKey(obj.key)}`) +
        tag('Bucket', bucket.name) +
        tag('Key', obj.key) +
        tag('ETag', obj.etag) +
        (checksum
          ? tag(`Checksum${checksum.algorithm}`, checksum.value) + tag('ChecksumType', 'COMPOSITE')
          : '') +
        '</CompleteMultipartUploadResult>',
      200,
      { 'x-amz-server-side-encryption': 'AES256' },
    );
  }

  function listParts(bucket: S3Bucket, input: S3Input): HttpResult {
    const upload = uploadOf(bucket, input);
    const parts = [...upload.parts.values()].sort((a, b) => a.number - b.number);
    return xml(
      `<ListPartsResult xmlns="${NS}">${tag('Bucket', bucket.name)}${tag('Key', upload.key)}${tag('UploadId', upload.id)}` +
        tag('IsTruncated', false) +
        parts
          .map(
            (p) =>
              `<Part>${tag('PartNumber', p.number)}${tag('LastModified', isoDate(upload.initiated))}${tag('ETag', p.etag)}${tag('Size', p.body.length)}</Part>`,
          )
          .join('') +
        '</ListPartsResult>',
    );
  }

  function listMultipartUploads(bucket: S3Bucket, q: Map<string, string>): HttpResult {
    const prefix = q.get('prefix') ?? '';
    const uploads = [...bucket.uploads.values()]
      .filter((u) => u.key.startsWith(prefix))
      .sort((a, b) => compareKeys(a.key, b.key));
    return xml(
      `<ListMultipartUploadsResult xmlns="${NS}">${tag('Bucket', bucket.name)}${tag('Prefix', prefix)}${tag('IsTruncated', false)}` +
        uploads
          .map(
            (u) =>
              `<Upload>${tag('Key', u.key)}${tag('UploadId', u.id)}${tag('Initiated', isoDate(u.initiated))}${tag('StorageClass', 'STANDARD')}</Upload>`,
          )
          .join('') +
        '</ListMultipartUploadsResult>',
    );
  }

  async function invoke(call: DecodedCall, ctx: CallContext): Promise<HttpResult> {
    await Promise.resolve();
    const input = call.input as S3Input;
    const region = ctx.region;
    switch (call.operation) {
      case 'ListBuckets':
        return xml(
          `<ListAllMyBucketsResult xmlns="${NS}"><Owner>${tag('ID', owner.id)}${tag('DisplayName', owner.name)}</Owner><Buckets>` +
            [...buckets.values()]
              .sort((a, b) => compareKeys(a.name, b.name))
              .map(
                (b) =>
                  `<Bucket>${tag('Name', b.name)}${tag('CreationDate', isoDate(b.created))}${tag('BucketRegion', b.region)}</Bucket>`,
              )
              .join('') +
            '</Buckets></ListAllMyBucketsResult>',
        );
      case 'CreateBucket': {
        const text = input.body.toString('utf8').trim();
        if (text !== '') {
          const doc = parseXml(text);
          const constraint = child(doc, 'LocationConstraint')?.text ?? '';
          if (doc.name !== 'CreateBucketConfiguration') throw parseXmlError();
          if (constraint !== '' && constraint !== region) {
            throw s3Error(
              'IllegalLocationConstraintException',
              400,
              `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`,
            );
          }
        } else if (region !== 'us-east-1') {
          throw s3Error(
            'IllegalLocationConstraintException',
            400,
            'The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.',
          );
        }
        createBucket(input.bucket!, region);
        return empty(200, { location: `/${input.bucket!}` });
      }
      case 'HeadBucket': {
        const b = buckets.get(input.bucket!);
        if (b === undefined) throw s3Error('NotFound', 404, 'Not Found');
        return empty(200, { 'x-amz-bucket-region': b.region });
      }
      case 'GetBucketLocation': {
        const b = buckets.get(input.bucket!);
        if (b === undefined) throw noSuchBucket(input.bucket!);
        return xml(
          `<LocationConstraint xmlns="${NS}">${b.region === 'us-east-1' ? '' : escapeXml(b.region)}</LocationConstraint>`,
        );
      }
      case 'GetBucketVersioning':
        bucketFor(input.bucket!, region);
        return xml(`<VersioningConfiguration xmlns="${NS}"/>`);
      case 'DeleteBucket': {
        const b = bucketFor(input.bucket!, region);
        if (b.objects.size > 0) {
          throw s3Error('BucketNotEmpty', 409, 'The bucket you tried to delete is not empty', {
            BucketName: b.name,
          });
        }
        buckets.delete(b.name);
        return empty(204);
      }
      case 'ListObjectsV2':
        return listObjectsV2(bucketFor(input.bucket!, region), input.query);
      case 'ListObjects':
        return listObjectsV1(bucketFor(input.bucket!, region), input.query);
      case 'ListMultipartUploads':
        return listMultipartUploads(bucketFor(input.bucket!, region), input.query);
      case 'DeleteObjects':
        return deleteObjects(bucketFor(input.bucket!, region), input);
      case 'PutObject':
        return putObject(bucketFor(input.bucket!, region), input);
      case 'CopyObject':
        return copyObject(bucketFor(input.bucket!, region), input, ctx);
      case 'GetObject':
        return getOrHead(bucketFor(input.bucket!, region), input, false);
      case 'HeadObject':
        return getOrHead(bucketFor(input.bucket!, region), input, true);
      case 'DeleteObject':
        bucketFor(input.bucket!, region).objects.delete(input.key!);
        return empty(204);
      case 'CreateMultipartUpload':
        return createMultipartUpload(bucketFor(input.bucket!, region), input);
      case 'UploadPart':
        return uploadPart(bucketFor(input.bucket!, region), input);
      case 'CompleteMultipartUpload':
        return completeMultipartUpload(bucketFor(input.bucket!, region), input);
      case 'AbortMultipartUpload': {
        const b = bucketFor(input.bucket!, region);
        b.uploads.delete(uploadOf(b, input).id);
        return empty(204);
      }
      case 'ListParts':
        return listParts(bucketFor(input.bucket!, region), input);
    }
    throw notImplemented(call.operation);
  }

  function decode(req: RawRequest): DecodedCall {
    const { bucket, key } = addressOf(req);
    const { body, trailers } = decodeBody(req);
    const input: S3Input = {
      bucket,
      key,
      query: new Map(parseQuery(req.rawQuery)),
      headers: req.headers,
      body,
      trailers,
    };
    return { operation: operationOf(req.method.toUpperCase(), input), input };
  }

  function summarize(call: DecodedCall): Record<string, unknown> {
    const input = call.input as S3Input;
    const s: Record<string, unknown> = {};
    if (input.bucket !== undefined) s['Bucket'] = input.bucket;
    if (input.key !== undefined) s['Key'] = input.key;
    // Payload bytes received (decoded; what a client uploads), for transfer accounting.
    s['Bytes'] = input.body.length;
    const q = input.query;
    for (const [param, name] of [
      ['prefix', 'Prefix'],
      ['delimiter', 'Delimiter'],
      ['partNumber', 'PartNumber'],
      ['max-keys', 'MaxKeys'],
    ] as const) {
      const v = q.get(param);
      if (v !== undefined) s[name] = v;
    }
    if (q.has('continuation-token')) s['ContinuationToken'] = true;
    if (q.has('uploadId')) s['UploadId'] = true;
    const h = input.headers;
    if (h['x-amz-copy-source'] !== undefined) s['CopySource'] = safeDecodeLoose(h['x-amz-copy-source']);
    if (h['x-amz-metadata-directive'] !== undefined) s['MetadataDirective'] = h['x-amz-metadata-directive'];
    if (
      call.operation === 'PutObject' ||
      call.operation === 'CreateMultipartUpload' ||
      call.operation === 'CopyObject'
    ) {
      if (h['content-type'] !== undefined) s['ContentType'] = h['content-type'];
      if (h['cache-control'] !== undefined) s['CacheControl'] = h['cache-control'];
    }
    if (call.operation === 'DeleteObjects') {
      try {
        s['Keys'] = children(parseXml(input.body.toString('utf8')), 'Object').map((o) => childText(o, 'Key'));
      } catch {
        // malformed: the operation reports it
      }
    }
    return s;
  }

  function resources(call: DecodedCall): string[] {
    const input = call.input as S3Input;
    if (input.bucket === undefined) return [];
    if (call.operation === 'DeleteObjects') {
      try {
        return children(parseXml(input.body.toString('utf8')), 'Object').map(
          (o) => `${input.bucket!}/${childText(o, 'Key') ?? ''}`,
        );
      } catch {
        return [input.bucket];
      }
    }
    return [input.key === undefined ? input.bucket : `${input.bucket}/${input.key}`];
  }

  function renderError(err: AwsError, requestId: string): HttpResult {
    const fields = Object.entries(err.fields)
      .map(([k, v]) =>
        tag(
          k,
          typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v),
        ),
      )
      .join('');
    return xml(
      `<Error>${tag('Code', err.code)}${tag('Message', err.awsMessage ?? '')}${fields}${tag('RequestId', requestId)}${tag('HostId', randomBytes(24).toString('base64'))}</Error>`,
      err.status,
      {
        'x-amz-request-id': requestId,
        ...(typeof err.fields['Region'] === 'string' ? { 'x-amz-bucket-region': err.fields['Region'] } : {}),
      },
    );
  }

  for (const b of opts.buckets ?? []) createBucket(b.name, b.region);

  // ---------------------------------------------------------------------------- direct state
  const state: S3StateApi = {
    createBucket,
    bucket: (name) => buckets.get(name),
    buckets: () => [...buckets.values()],
    putObject(bucketName, key, body, headers = {}) {
      const bucket = buckets.get(bucketName);
      if (bucket === undefined) throw noSuchBucket(bucketName);
      return storeObject(bucket, key, Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'), {
        contentType: 'binary/octet-stream',
        metadata: {},
        ...headers,
      });
    },
    getObject: (bucketName, key) => buckets.get(bucketName)?.objects.get(key),
    listObjects(bucketName, prefix = '') {
      const bucket = buckets.get(bucketName);
      if (bucket === undefined) throw noSuchBucket(bucketName);
      return sortedObjects(bucket, prefix);
    },
    clear: () => buckets.clear(),
  };

  const describeObject = (o: S3Object) => ({
    key: o.key,
    size: o.body.length,
    etag: o.etag,
    lastModified: isoDate(o.lastModified),
    contentType: o.contentType,
    cacheControl: o.cacheControl ?? null,
    contentEncoding: o.contentEncoding ?? null,
    metadata: o.metadata,
    checksum: o.checksum ?? null,
    parts: o.parts ?? null,
  });

  // ---------------------------------------------------------------------------- admin routes
  function admin(req: AdminRequest): AdminResult | undefined {
    const q = req.query;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const wrap = (fn: () => AdminResult): AdminResult => {
      try {
        return fn();
      } catch (e) {
        if (e instanceof AwsError) return { status: e.status, body: { error: e.message, code: e.code } };
        throw e;
      }
    };
    const route = `${req.method} ${req.path}`;
    switch (route) {
      case 'GET /buckets':
        return {
          status: 200,
          body: {
            buckets: state.buckets().map((b) => ({
              name: b.name,
              region: b.region,
              objects: b.objects.size,
              bytes: [...b.objects.values()].reduce((n, o) => n + o.body.length, 0),
              uploads: b.uploads.size,
            })),
          },
        };
      case 'POST /buckets':
        return wrap(() => {
          if (typeof body['name'] !== 'string' || typeof body['region'] !== 'string') {
            return { status: 400, body: { error: 'body must be { name: string, region: string }' } };
          }
          const b = createBucket(body['name'], body['region']);
          return { status: 200, body: { name: b.name, region: b.region } };
        });
      case 'GET /objects':
        return wrap(() => ({
          status: 200,
          body: {
            objects: state.listObjects(q.get('bucket') ?? '', q.get('prefix') ?? '').map(describeObject),
          },
        }));
      case 'GET /object':
        return wrap(() => {
          const o = state.getObject(q.get('bucket') ?? '', q.get('key') ?? '');
          if (o === undefined) return { status: 404, body: { error: 'no such object' } };
          return { status: 200, body: { ...describeObject(o), bodyBase64: o.body.toString('base64') } };
        });
      case 'PUT /object':
        return wrap(() => {
          const { bucket, key, text, base64 } = body as Record<string, string | undefined>;
          if (
            typeof bucket !== 'string' ||
            typeof key !== 'string' ||
            (text === undefined) === (base64 === undefined)
          ) {
            return {
              status: 400,
              body: {
                error: 'body must be { bucket, key, text | base64, contentType?, cacheControl?, metadata? }',
              },
            };
          }
          const headers: Partial<ObjectHeaders> = {};
          if (typeof body['contentType'] === 'string') headers.contentType = body['contentType'];
          if (typeof body['cacheControl'] === 'string') headers.cacheControl = body['cacheControl'];
          if (body['metadata'] && typeof body['metadata'] === 'object')
            headers.metadata = body['metadata'] as Record<string, string>;
          const o = state.putObject(
            bucket,
            key,
            text !== undefined ? Buffer.from(text, 'utf8') : Buffer.from(base64!, 'base64'),
            headers,
          );
          return { status: 200, body: describeObject(o) };
        });
      case 'DELETE /objects':
        return wrap(() => {
          const bucket = buckets.get(q.get('bucket') ?? '');
          if (bucket === undefined) throw noSuchBucket(q.get('bucket') ?? '');
          const prefix = q.get('prefix') ?? '';
          let n = 0;
          for (const key of [...bucket.objects.keys()]) {
            if (key.startsWith(prefix)) {
              bucket.objects.delete(key);
              n += 1;
            }
          }
          return { status: 200, body: { deleted: n } };
        });
    }
    return undefined;
  }

  return {
    name: 's3',
    doubleEncodePath: false,
    claims: (req) => req.headers['x-amz-target'] === undefined && !/^\/20\d\d-\d\d-\d\d\//.test(req.rawPath),
    decode,
    invoke,
    renderError,
    summarize,
    resources,
    resourceArn: (name) => `arn:aws:s3:::${name}`,
    accessDenied: (message) => new AwsError('AccessDenied', 403, message),
    reset: () => {
      buckets.clear();
      for (const b of opts.buckets ?? []) createBucket(b.name, b.region);
    },
    admin,
    s3: state,
  };
}

function safeDecodeLoose(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
