// The S3 endpoint, driven by the unmodified @aws-sdk/client-s3 (flexible checksums, aws-chunked
// streaming bodies, path-style addressing chosen by the SDK itself for an IP endpoint).
import { afterAll, beforeAll, beforeEach, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { startAwsServer, type AwsServer } from '../server.ts';
import { createS3Service, decodeAwsChunked, type S3Service } from '../s3.ts';
import { createSsmService } from '../ssm.ts';
import { awsAdmin } from '../admin-client.ts';
import { presign, sendSigned } from './signing.ts';
import { rejection as rejectionOf } from './rejection.ts';

const ACCOUNT = '111122223333';
const CREDS = { accessKeyId: 'AKIAS3TEST00000001', secretAccessKey: 's3/Secret+Key/abcdef' };
const REGION = 'eu-west-1';
const BUCKET = 'site-bucket';

let server: AwsServer;
let s3svc: S3Service;
let client: S3Client;

const md5hex = (data: Buffer | string) => createHash('md5').update(data).digest('hex');

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, S3ServiceException);

beforeAll(async () => {
  s3svc = createS3Service({ accountId: ACCOUNT });
  server = await startAwsServer({
    accountId: ACCOUNT,
    credentials: CREDS,
    services: [createSsmService({ accountId: ACCOUNT }), s3svc],
    maxBodyBytes: 64 * 1024 * 1024,
  });
  client = new S3Client({ region: REGION, endpoint: server.url, credentials: CREDS, maxAttempts: 1 });
});

afterAll(async () => {
  client.destroy();
  await server.close();
});

beforeEach(async () => {
  server.reset();
  await client.send(
    new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }),
  );
});

test('PutObject with headers, metadata and a CRC32 checksum; HeadObject/GetObject return them', async () => {
  const body = '<!doctype html><title>hi</title>';
  const put = await client.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: 'about/index.html',
      Body: body,
      ContentType: 'text/html; charset=utf-8',
      CacheControl: 'public, max-age=0, must-revalidate',
      Metadata: { md5: md5hex(body), Mixed: 'Value' },
    }),
  );
  expect(put.ETag).toBe(`"${md5hex(body)}"`);
  expect(put.ChecksumCRC32).toMatch(/^[A-Za-z0-9+/]{6}==$/);
  const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'about/index.html' }));
  expect(head).toMatchObject({
    ContentType: 'text/html; charset=utf-8',
    CacheControl: 'public, max-age=0, must-revalidate',
    ContentLength: Buffer.byteLength(body),
    ETag: `"${md5hex(body)}"`,
    Metadata: { md5: md5hex(body), mixed: 'Value' },
  });
  const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'about/index.html' }));
  expect(await got.Body!.transformToString()).toBe(body);
  expect(got.ChecksumCRC32).toBe(put.ChecksumCRC32); // the SDK validated it
  expect(s3svc.s3.getObject(BUCKET, 'about/index.html')?.checksum?.algorithm).toBe('CRC32');
  expect(server.calls({ service: 's3' }).map((c) => [c.operation, c.input['Key'], c.status])).toEqual([
    ['CreateBucket', undefined, 200],
    ['PutObject', 'about/index.html', 200],
    ['HeadObject', 'about/index.html', 200],
    ['GetObject', 'about/index.html', 200],
  ]);
});

test('a streaming body goes as aws-chunked with a trailing checksum and is stored decoded', async () => {
  const data = Buffer.alloc(300_000, 'abc');
  await client.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: 'big.bin',
      Body: Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]),
      ContentLength: data.length,
    }),
  );
  const stored = s3svc.s3.getObject(BUCKET, 'big.bin')!;
  expect(stored.body.equals(data)).toBe(true);
  expect(stored.etag).toBe(`"${md5hex(data)}"`);
  expect(stored.checksum?.algorithm).toBe('CRC32');
  expect(server.calls({ operation: 'PutObject' })[0]!.input['Bytes']).toBe(data.length);
});

test('aws-chunked decoding, signed chunk headers included; a wrong checksum is BadDigest', async () => {
  const wire = Buffer.from('5;chunk-signature=ab\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n');
  expect(decodeAwsChunked(wire)).toEqual({
    data: Buffer.from('hello'),
    trailers: { 'x-amz-checksum-crc32': 'NhCmhg==' },
  });
  const err = await rejection(
    client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'x', Body: 'hello', ChecksumCRC32: 'AAAAAA==' })),
  );
  expect([err.name, err.$metadata.httpStatusCode]).toEqual(['BadDigest', 400]);
  const md5err = await rejection(
    client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'x',
        Body: 'hello',
        ContentMD5: '1B2M2Y8AsgTpgAmY7PhCfg==',
      }),
    ),
  );
  expect(md5err.name).toBe('BadDigest');
  expect(s3svc.s3.getObject(BUCKET, 'x')).toBeUndefined();
});

test('ListObjectsV2 pages with continuation tokens, prefix and delimiter, in UTF-8 byte order', async () => {
  const keys = ['a/1', 'a/2', 'a/b/3', 'b/4', 'é', 'z', '\u{1F600}', 'a b+c#d%e'];
  for (const key of keys) s3svc.s3.putObject(BUCKET, key, key);
  const all: string[] = [];
  let pages = 0;
  for await (const page of paginateListObjectsV2({ client, pageSize: 3 }, { Bucket: BUCKET })) {
    pages += 1;
    all.push(...(page.Contents ?? []).map((o) => o.Key!));
  }
  expect(pages).toBe(3);
  expect(all).toEqual([...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
  const prefixed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'a/' }));
  expect(prefixed.Contents!.map((o) => [o.Key, o.Size, o.ETag])).toEqual([
    ['a/1', 3, `"${md5hex('a/1')}"`],
    ['a/2', 3, `"${md5hex('a/2')}"`],
    ['a/b/3', 5, `"${md5hex('a/b/3')}"`],
  ]);
  const delimited = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Delimiter: '/' }));
  expect(delimited.CommonPrefixes!.map((p) => p.Prefix)).toEqual(['a/', 'b/']);
  expect(delimited.Contents!.map((o) => o.Key)).toEqual(['a b+c#d%e', 'z', 'é', '\u{1F600}']);
  const url = await client.send(
    new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'a ', EncodingType: 'url' }),
  );
  expect(url.Contents!.map((o) => o.Key)).toEqual(['a+b%2Bc%23d%25e']);
  const bad = await rejection(
    client.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: 'junk' })),
  );
  expect(bad.name).toBe('InvalidArgument');
});

test('odd keys round-trip (spaces, unicode, +, #, %, ?)', async () => {
  for (const key of ['dir/with space.html', 'ü/ñ.txt', 'c++/a+b.js', 'hash#1.css', '100%.txt', 'q?.txt']) {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(await got.Body!.transformToString()).toBe(key);
  }
  expect(s3svc.s3.listObjects(BUCKET).map((o) => o.key)).toContain('c++/a+b.js');
});

test('CopyObject with MetadataDirective REPLACE rewrites headers in place; COPY onto itself is refused', async () => {
  s3svc.s3.putObject(BUCKET, 'app.js', 'x()', { contentType: 'text/plain', cacheControl: 'no-cache' });
  const before = s3svc.s3.getObject(BUCKET, 'app.js')!;
  const copied = await client.send(
    new CopyObjectCommand({
      Bucket: BUCKET,
      Key: 'app.js',
      CopySource: `${BUCKET}/app.js`,
      CopySourceIfMatch: before.etag,
      MetadataDirective: 'REPLACE',
      ContentType: 'text/javascript; charset=utf-8',
      CacheControl: 'public, max-age=31536000, immutable',
      Metadata: { k: 'v' },
    }),
  );
  expect(copied.CopyObjectResult!.ETag).toBe(before.etag);
  expect(s3svc.s3.getObject(BUCKET, 'app.js')).toMatchObject({
    contentType: 'text/javascript; charset=utf-8',
    cacheControl: 'public, max-age=31536000, immutable',
    metadata: { k: 'v' },
  });
  const self = await rejection(
    client.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'app.js', CopySource: `${BUCKET}/app.js` })),
  );
  expect(self.name).toBe('InvalidRequest');
  const stale = await rejection(
    client.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'app.js',
        CopySource: `${BUCKET}/app.js`,
        CopySourceIfMatch: '"0000"',
        MetadataDirective: 'REPLACE',
      }),
    ),
  );
  expect([stale.name, stale.$metadata.httpStatusCode]).toEqual(['PreconditionFailed', 412]);
  await client.send(
    new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy of app.js', CopySource: `${BUCKET}/app.js` }),
  );
  expect(s3svc.s3.getObject(BUCKET, 'copy of app.js')?.cacheControl).toBe(
    'public, max-age=31536000, immutable',
  );
});

test('DeleteObject, DeleteObjects (quiet and verbose), NoSuchKey/NotFound, NoSuchBucket', async () => {
  for (const k of ['a', 'b', 'c', 'd']) s3svc.s3.putObject(BUCKET, k, k);
  await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'a' }));
  const verbose = await client.send(
    new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'b' }, { Key: 'missing' }] } }),
  );
  expect(verbose.Deleted!.map((d) => d.Key)).toEqual(['b', 'missing']);
  const quiet = await client.send(
    new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'c' }], Quiet: true } }),
  );
  expect(quiet.Deleted).toBeUndefined();
  expect(s3svc.s3.listObjects(BUCKET).map((o) => o.key)).toEqual(['d']);
  expect(server.calls({ operation: 'DeleteObjects' })[0]!.input['Keys']).toEqual(['b', 'missing']);
  const head = await rejection(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'a' })));
  expect([head.name, head.$metadata.httpStatusCode]).toEqual(['NotFound', 404]);
  const get = await rejection(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'a' })));
  expect([get.name, get.message]).toEqual(['NoSuchKey', 'The specified key does not exist.']);
  const nb = await rejection(client.send(new ListObjectsV2Command({ Bucket: 'nope-bucket' })));
  expect(nb.name).toBe('NoSuchBucket');
});

test('multipart upload: md5-of-md5s-N ETag, metadata from Create, composite checksum, EntityTooSmall, abort', async () => {
  const part1 = Buffer.alloc(5 * 1024 * 1024, 1);
  const part2 = Buffer.from('tail');
  const { UploadId } = await client.send(
    new CreateMultipartUploadCommand({
      Bucket: BUCKET,
      Key: 'video.mp4',
      ContentType: 'video/mp4',
      CacheControl: 'public, max-age=60',
      Metadata: { md5: md5hex(Buffer.concat([part1, part2])) },
      ChecksumAlgorithm: 'CRC32',
    }),
  );
  const p1 = await client.send(
    new UploadPartCommand({ Bucket: BUCKET, Key: 'video.mp4', UploadId, PartNumber: 1, Body: part1 }),
  );
  const p2 = await client.send(
    new UploadPartCommand({ Bucket: BUCKET, Key: 'video.mp4', UploadId, PartNumber: 2, Body: part2 }),
  );
  const done = await client.send(
    new CompleteMultipartUploadCommand({
      Bucket: BUCKET,
      Key: 'video.mp4',
      UploadId,
      MultipartUpload: {
        Parts: [
          { PartNumber: 1, ETag: p1.ETag, ChecksumCRC32: p1.ChecksumCRC32 },
          { PartNumber: 2, ETag: p2.ETag, ChecksumCRC32: p2.ChecksumCRC32 },
        ],
      },
    }),
  );
  const expected = createHash('md5')
    .update(
      Buffer.concat([createHash('md5').update(part1).digest(), createHash('md5').update(part2).digest()]),
    )
    .digest('hex');
  expect(done.ETag).toBe(`"${expected}-2"`);
  const head = await client.send(
    new HeadObjectCommand({ Bucket: BUCKET, Key: 'video.mp4', ChecksumMode: 'ENABLED' }),
  );
  expect(head).toMatchObject({
    ContentType: 'video/mp4',
    CacheControl: 'public, max-age=60',
    ContentLength: part1.length + 4,
    Metadata: { md5: md5hex(Buffer.concat([part1, part2])) },
    ChecksumType: 'COMPOSITE',
  });
  expect(head.ChecksumCRC32).toMatch(/-2$/);
  const got = await client.send(
    new GetObjectCommand({ Bucket: BUCKET, Key: 'video.mp4', ChecksumMode: 'ENABLED' }),
  );
  expect((await got.Body!.transformToByteArray()).length).toBe(part1.length + 4);

  // Small first part -> EntityTooSmall; then abort leaves nothing behind.
  const small = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'small' }));
  const s1 = await client.send(
    new UploadPartCommand({
      Bucket: BUCKET,
      Key: 'small',
      UploadId: small.UploadId,
      PartNumber: 1,
      Body: 'a',
    }),
  );
  const s2 = await client.send(
    new UploadPartCommand({
      Bucket: BUCKET,
      Key: 'small',
      UploadId: small.UploadId,
      PartNumber: 2,
      Body: 'b',
    }),
  );
  const tooSmall = await rejection(
    client.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: 'small',
        UploadId: small.UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: s1.ETag },
            { PartNumber: 2, ETag: s2.ETag },
          ],
        },
      }),
    ),
  );
  expect(tooSmall.name).toBe('EntityTooSmall');
  expect(
    (await client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads!.map((u) => u.Key),
  ).toEqual(['small']);
  await client.send(
    new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'small', UploadId: small.UploadId }),
  );
  expect((await client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads).toBeUndefined();
  const gone = await rejection(
    client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'small', UploadId: small.UploadId })),
  );
  expect(gone.name).toBe('NoSuchUpload');
  expect(s3svc.s3.getObject(BUCKET, 'small')).toBeUndefined();
});

test('injected 500 InternalError / 503 SlowDown (count and every-Nth) are retried by the SDK', async () => {
  const retrying = new S3Client({ region: REGION, endpoint: server.url, credentials: CREDS, maxAttempts: 4 });
  try {
    server.addFault({ service: 's3', operation: 'PutObject', code: 'InternalError', count: 1 });
    server.addFault({ service: 's3', operation: 'PutObject', code: 'SlowDown', count: 1 });
    await retrying.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'r', Body: 'r' }));
    expect(server.calls({ operation: 'PutObject' }).map((c) => [c.status, c.error ?? null])).toEqual([
      [500, 'InternalError'],
      [503, 'SlowDown'],
      [200, null],
    ]);
    server.addFault({ service: 's3', code: 'SlowDown', count: 1 });
    const err = await rejection(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'r' })));
    expect([err.name, err.message, err.$metadata.httpStatusCode]).toEqual([
      'SlowDown',
      'Please reduce your request rate.',
      503,
    ]);
    server.clearFaults();
    server.clearCalls();
    const admin = awsAdmin(server.url);
    await admin.addFault({ service: 's3', operation: 'GetObject', code: 'SlowDown', every: 2 });
    for (let i = 0; i < 4; i++) await retrying.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'r' }));
    expect(server.calls({ operation: 'GetObject' }).map((c) => c.status)).toEqual([
      200, 503, 200, 503, 200, 503, 200,
    ]);
  } finally {
    retrying.destroy();
  }
});

test('presigned GET URLs (query-string auth) work; expired or tampered ones are refused', async () => {
  s3svc.s3.putObject(BUCKET, 'app/app.jar', 'JAR', { contentType: 'application/java-archive' });
  const input = {
    url: server.url,
    method: 'GET',
    path: `/${BUCKET}/app/app.jar`,
    region: REGION,
    service: 's3',
    credentials: CREDS,
    uriEscapePath: false,
    // As @aws-sdk/s3-request-presigner: the payload is unsigned (hoisted into the query).
    headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  };
  const url = await presign(input, 60);
  const ok = await sendSigned(url);
  expect([ok.status, ok.body, ok.headers['content-type']]).toEqual([200, 'JAR', 'application/java-archive']);
  const expired = await presign({ ...input, signingDate: new Date(Date.now() - 3_600_000) }, 60);
  const res = await sendSigned(expired);
  expect(res.status).toBe(403);
  expect(res.body).toContain('<Code>AccessDenied</Code><Message>Request has expired</Message>');
  const other = await sendSigned({ ...url, path: `/${BUCKET}/app/other.jar` });
  expect(other.body).toContain('<Code>InvalidSignatureException</Code>');
});

test('admin routes: buckets, objects, object bodies, seeding', async () => {
  const admin = `${server.url}/__admin/s3`;
  await fetch(`${admin}/object`, {
    method: 'PUT',
    body: JSON.stringify({ bucket: BUCKET, key: 'seed.txt', text: 'seed', cacheControl: 'no-store' }),
  });
  const objects = (await (await fetch(`${admin}/objects?bucket=${BUCKET}`)).json()) as {
    objects: { key: string; etag: string; cacheControl: string }[];
  };
  expect(objects.objects).toMatchObject([
    { key: 'seed.txt', etag: `"${md5hex('seed')}"`, cacheControl: 'no-store' },
  ]);
  const buckets = (await (await fetch(`${admin}/buckets`)).json()) as { buckets: unknown[] };
  expect(buckets.buckets).toEqual([{ name: BUCKET, region: REGION, objects: 1, bytes: 4, uploads: 0 }]);
  const client2 = awsAdmin(server.url);
  expect((await client2.s3.objects(BUCKET)).map((o) => o.key)).toEqual(['seed.txt']);
  expect(Buffer.from((await client2.s3.object(BUCKET, 'seed.txt'))!.bodyBase64, 'base64').toString()).toBe(
    'seed',
  );
  expect(await client2.s3.object(BUCKET, 'nope')).toBeUndefined();
  expect(await client2.s3.clear(BUCKET)).toBe(1);
});

test('pre-created buckets exist from the start and again after reset', async () => {
  const svc = createS3Service({ accountId: ACCOUNT, buckets: [{ name: 'pre-made', region: REGION }] });
  svc.s3.putObject('pre-made', 'k', 'v');
  svc.reset();
  expect(svc.s3.buckets().map((b) => [b.name, b.region, b.objects.size])).toEqual([['pre-made', REGION, 0]]);
});

test('a request signed for another region than the bucket: AuthorizationHeaderMalformed', async () => {
  const other = new S3Client({
    region: 'us-west-2',
    endpoint: server.url,
    credentials: CREDS,
    maxAttempts: 1,
  });
  try {
    const err = await rejection(other.send(new ListObjectsV2Command({ Bucket: BUCKET })));
    expect(err.name).toBe('AuthorizationHeaderMalformed');
  } finally {
    other.destroy();
  }
});
