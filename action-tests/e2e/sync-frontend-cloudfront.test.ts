// sync-frontend-cloudfront end to end: the committed bundle in workflows run by the local runner,
// against the sample stack's S3 and CloudFront endpoints. Each test syncs into its own bucket.
import { createHash } from 'node:crypto';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeEach, describe, expect, test } from '@jest/globals';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { admin, REPO_ROOT, runWorkflow, stack, step, type RunResult } from './harness.ts';

const SCENARIOS = 'action-tests/workflows/sync-frontend-cloudfront.yml';
const EXPORT = join(REPO_ROOT, 'action-tests/sample-app/web/out');
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'public, max-age=0, must-revalidate';
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  woff2: 'font/woff2',
  png: 'image/png',
  ico: 'image/x-icon',
  svg: 'image/svg+xml',
  webmanifest: 'application/manifest+json',
  pdf: 'application/pdf',
};

let s3: S3Client | undefined;
function client(): S3Client {
  const s = stack();
  s3 ??= new S3Client({ region: s.region, endpoint: s.endpoints.s3, credentials: s.credentials });
  return s3;
}
afterAll(() => s3?.destroy());

let bucketSeq = 0;
async function newBucket(): Promise<string> {
  const name = `e2e-site-${process.pid}-${++bucketSeq}`;
  await admin().s3.createBucket(name, stack().region);
  return name;
}

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});
/** A fresh copy of the sample export (new inode, new mtimes). */
function copyExport(): string {
  const dir = mkdtempSync(join(tmpdir(), 'web-out-'));
  temps.push(dir);
  cpSync(EXPORT, dir, { recursive: true });
  const later = new Date(Date.now() + 3600_000);
  for (const f of listFiles(dir)) utimesSync(join(dir, f), later, later);
  return dir;
}
function site(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'site-'));
  temps.push(dir);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return dir;
}
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(relative(dir, join(d, e.name)).split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
}
const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

// The sample export's content-hashed files outside _next/static; a date-suffixed name
// (downloads/report-20240315.pdf) is not a hash and must revalidate.
const HASHED_OUTSIDE_NEXT = ['images/og.8d3f2a1c.png'];
function expectedCacheControl(rel: string): string {
  if (rel.startsWith('_next/static/') || HASHED_OUTSIDE_NEXT.includes(rel)) return IMMUTABLE;
  return REVALIDATE;
}

async function sync(vars: Record<string, string>): Promise<RunResult> {
  const result = await runWorkflow({
    workflow: SCENARIOS,
    event: 'workflow_dispatch',
    vars: { DISTRIBUTION_ID: stack().frontend.distributionId, ...vars },
  });
  return result;
}
function ok(result: RunResult): RunResult {
  if (result.conclusion !== 'success') throw new Error(`the job failed:\n${result.log}`);
  return result;
}
const outputs = (result: RunResult): Record<string, string> => step(result, 'sync').outputs;

/** Keys of the bucket (manifest excluded) with their content MD5, from the emulator's state. */
async function bucketState(bucket: string, prefix = '') {
  const objects = await admin().s3.objects(bucket, prefix);
  return objects.filter((o) => !o.key.endsWith('.sync-frontend-cloudfront.json'));
}

async function invalidationsSince(count: number) {
  return (await admin().cloudfront.invalidations(stack().frontend.distributionId)).slice(count);
}

beforeEach(async () => {
  await admin().clearFaults();
  await admin().clearCalls();
  await admin().cloudfront.completeAll();
});

describe('the example pipeline (.github/workflows/deploy.yml, job frontend)', () => {
  test('first sync of the sample export: every object has the right Content-Type and Cache-Control (HeadObject)', async () => {
    const s = stack();
    const before = (await admin().cloudfront.invalidations()).length;
    const result = ok(
      await runWorkflow({
        workflow: '.github/workflows/deploy.yml',
        job: 'frontend',
        event: 'push',
        vars: { SITE_BUCKET: s.frontend.bucket, SITE_DISTRIBUTION_ID: s.frontend.distributionId },
      }),
    );
    const files = listFiles(EXPORT);
    expect(outputs(result)).toMatchObject({ uploaded: String(files.length), unchanged: '0', deleted: '0' });
    for (const rel of files) {
      const head = await client().send(new HeadObjectCommand({ Bucket: s.frontend.bucket, Key: rel }));
      const ext = rel.slice(rel.lastIndexOf('.') + 1);
      expect([rel, head.ContentType, head.CacheControl, head.ETag]).toEqual([
        rel,
        TYPES[ext],
        expectedCacheControl(rel),
        `"${md5(readFileSync(join(EXPORT, rel)))}"`,
      ]);
    }
    // Hashed names outside _next/static are immutable; a date suffix is not a hash.
    const head = (Key: string) => client().send(new HeadObjectCommand({ Bucket: s.frontend.bucket, Key }));
    expect((await head('images/og.8d3f2a1c.png')).CacheControl).toBe(IMMUTABLE);
    const pdf = await head('downloads/report-20240315.pdf');
    expect([pdf.ContentType, pdf.CacheControl]).toEqual(['application/pdf', REVALIDATE]);
    // Order: every _next/static PUT before any HTML PUT.
    const puts = (await admin().calls({ service: 's3', operation: 'PutObject' })).map((c) =>
      String(c.input['Key']),
    );
    const lastAsset = Math.max(...puts.map((k, i) => (k.startsWith('_next/static/') ? i : -1)));
    const firstHtml = puts.findIndex((k) => k.endsWith('.html'));
    expect(lastAsset).toBeLessThan(firstHtml);
    // A first sync invalidates the pages (wait-for-invalidation: Completed), never _next/static.
    const [inv, ...more] = await invalidationsSince(before);
    expect(more).toEqual([]);
    expect(inv!.status).toBe('Completed');
    expect(outputs(result)['invalidation-id']).toBe(inv!.id);
    expect(inv!.paths).toContain('/');
    expect(inv!.paths).toContain('/about/');
    expect(inv!.paths.some((p) => p.startsWith('/_next/static'))).toBe(false);
    expect(result.summary).toContain('sync-frontend-cloudfront');
    expect(result.log).toMatch(/export: 20 files/);
  });
});

describe('sync-frontend-cloudfront scenarios', () => {
  test('a fresh copy with new mtimes: nothing uploaded, nothing invalidated; then one page and one asset changed', async () => {
    const bucket = await newBucket();
    ok(await sync({ BUCKET: bucket }));
    const before = (await admin().cloudfront.invalidations()).length;
    await admin().clearCalls();

    const copy = copyExport();
    const again = ok(await sync({ BUCKET: bucket, SOURCE_DIR: copy }));
    expect(outputs(again)).toMatchObject({
      uploaded: '0',
      'updated-metadata': '0',
      unchanged: String(listFiles(EXPORT).length),
      'bytes-uploaded': '0',
      'invalidation-id': '',
      'invalidated-paths': '',
    });
    const ops = (await admin().calls({ service: 's3' })).map((c) => c.operation);
    expect(ops.filter((o) => !['ListObjectsV2', 'GetObject'].includes(o))).toEqual([]);
    expect(await invalidationsSince(before)).toEqual([]);

    // One page and one asset (a rebuilt chunk under a new hashed name) change.
    const about = join(copy, 'about/index.html');
    writeFileSync(about, readFileSync(about, 'utf8').replace('<h1>About</h1>', '<h1>About us</h1>'));
    const chunk = '_next/static/chunks/app/about/page-0123456789abcdef.js';
    writeFileSync(join(copy, chunk), 'console.log("about v2");\n');
    await admin().clearCalls();
    const changed = ok(await sync({ BUCKET: bucket, SOURCE_DIR: copy }));
    const puts = (await admin().calls({ service: 's3', operation: 'PutObject' }))
      .map((c) => String(c.input['Key']))
      .filter((k) => !k.endsWith('.json'));
    expect(puts).toEqual([chunk, 'about/index.html']);
    expect(outputs(changed)).toMatchObject({ uploaded: '2', 'updated-metadata': '0' });
    const [inv, ...more] = await invalidationsSince(before);
    expect(more).toEqual([]);
    expect(inv!.paths).toEqual(['/about/', '/about/index.html']);
    expect(outputs(changed)['invalidated-paths']).toBe('/about/\n/about/index.html');
  });

  test('invalidation: all invalidates /* when something changed; none never invalidates', async () => {
    const bucket = await newBucket();
    const before = (await admin().cloudfront.invalidations()).length;
    const all = ok(await sync({ BUCKET: bucket, INVALIDATION: 'all' }));
    expect(outputs(all)['invalidated-paths']).toBe('/*');
    const unchanged = ok(await sync({ BUCKET: bucket, INVALIDATION: 'all' }));
    expect(outputs(unchanged)['invalidated-paths']).toBe('');
    const none = ok(await sync({ BUCKET: bucket, INVALIDATION: 'none', CACHE_CONTROL: '*.png=no-cache' }));
    expect(outputs(none)).toMatchObject({
      'updated-metadata': '2', // images/hero.png, images/og.8d3f2a1c.png
      'invalidated-paths': '',
      'invalidation-id': '',
    });
    expect((await invalidationsSince(before)).map((i) => i.paths)).toEqual([['/*']]);
  });

  test('a changed cache rule replaces metadata in place (CopyObject REPLACE), no body re-uploaded', async () => {
    const bucket = await newBucket();
    ok(await sync({ BUCKET: bucket }));
    await admin().clearCalls();
    const before = (await admin().cloudfront.invalidations()).length;
    const result = ok(await sync({ BUCKET: bucket, CACHE_CONTROL: '*.svg=public, max-age=86400' }));
    expect(outputs(result)).toMatchObject({ uploaded: '0', 'updated-metadata': '1', 'bytes-uploaded': '0' });
    const calls = await admin().calls({ service: 's3' });
    expect(
      calls.filter((c) => c.operation === 'PutObject' && !String(c.input['Key']).endsWith('.json')),
    ).toEqual([]);
    expect(
      calls
        .filter((c) => c.operation === 'CopyObject')
        .map((c) => [c.input['Key'], c.input['MetadataDirective'], c.input['Bytes']]),
    ).toEqual([['logo.svg', 'REPLACE', 0]]);
    const head = await client().send(new HeadObjectCommand({ Bucket: bucket, Key: 'logo.svg' }));
    expect([head.CacheControl, head.ContentType]).toEqual(['public, max-age=86400', 'image/svg+xml']);
    expect((await invalidationsSince(before)).map((i) => i.paths)).toEqual([['/logo.svg']]);
  });

  test('delete: true removes stale keys only under the prefix and not excluded ones', async () => {
    const bucket = await newBucket();
    const a = admin();
    for (const key of [
      'site/stale.html',
      'site/old/page.txt',
      'site/legacy/keep.html',
      'other/keep.html',
      'sitemap.xml',
    ]) {
      await a.s3.putObject({ bucket, key, text: key });
    }
    const before = (await a.cloudfront.invalidations()).length;
    const result = ok(
      await sync({
        BUCKET: bucket,
        PREFIX: 'site',
        DELETE: 'true',
        EXCLUDE: 'legacy/**',
        MAX_DELETE_PERCENT: '100',
      }),
    );
    expect(outputs(result)).toMatchObject({ deleted: '2' });
    const keys = (await bucketState(bucket)).map((o) => o.key);
    expect(keys).toEqual(
      expect.arrayContaining(['site/legacy/keep.html', 'other/keep.html', 'sitemap.xml', 'site/index.html']),
    );
    expect(keys).not.toContain('site/stale.html');
    expect(keys).not.toContain('site/old/page.txt');
    // Deletions come after every upload.
    const calls = await a.calls({ service: 's3' });
    const del = calls.findIndex((c) => c.operation === 'DeleteObjects');
    const lastPut = calls.map((c) => c.operation).lastIndexOf('PutObject');
    expect(calls[del]!.input['Keys']).toEqual(['site/old/page.txt', 'site/stale.html']);
    expect(del).toBeGreaterThan(
      calls.findIndex((c) => c.operation === 'PutObject' && c.input['Key'] === 'site/index.html'),
    );
    // The manifest lives outside the served prefix (never public through an origin path of /site).
    expect(calls[lastPut]!.input['Key']).toBe('site.sync-frontend-cloudfront.json');
    expect((await a.s3.objects(bucket, 'site/')).map((o) => o.key)).not.toContain(
      'site/.sync-frontend-cloudfront.json',
    );
    const [inv] = await invalidationsSince(before);
    expect(inv!.paths).toEqual(expect.arrayContaining(['/stale.html', '/old/page.txt', '/', '/index.html']));
    expect(inv!.paths.some((p) => p.includes('sync-frontend-cloudfront'))).toBe(false);
    // A re-sync reads it (no HeadObject), and delete: true at 100% never deletes or invalidates it,
    // nor a manifest an earlier version left inside the prefix.
    await a.s3.putObject({ bucket, key: 'site/.sync-frontend-cloudfront.json', text: '{}' });
    await a.clearCalls();
    const again = ok(
      await sync({
        BUCKET: bucket,
        PREFIX: 'site',
        DELETE: 'true',
        EXCLUDE: 'legacy/**',
        MAX_DELETE_PERCENT: '100',
      }),
    );
    expect(outputs(again)).toMatchObject({ uploaded: '0', deleted: '0', 'invalidated-paths': '' });
    const ops = (await a.calls({ service: 's3' })).map((c) => c.operation);
    expect(ops).not.toContain('HeadObject');
    expect(ops).not.toContain('DeleteObjects');
    expect(await a.s3.object(bucket, 'site.sync-frontend-cloudfront.json')).toBeTruthy();
  });

  test('an empty or missing source-dir, or no index.html, is refused before any request', async () => {
    const bucket = await newBucket();
    await admin().s3.putObject({ bucket, key: 'index.html', text: 'live' });
    const empty = mkdtempSync(join(tmpdir(), 'empty-out-'));
    temps.push(empty);
    const noIndex = site({ 'about.html': 'x' });
    for (const [dir, message] of [
      [empty, `Input 'source-dir': the directory '${empty}' is empty`],
      [
        join(empty, 'missing'),
        `Input 'source-dir': the directory '${join(empty, 'missing')}' does not exist`,
      ],
      [noIndex, `Input 'source-dir': the directory '${noIndex}' has no index.html at its root`],
    ] as const) {
      await admin().clearCalls();
      const result = await sync({
        BUCKET: bucket,
        SOURCE_DIR: dir,
        DELETE: 'true',
        MAX_DELETE_PERCENT: '100',
      });
      expect(result.conclusion).toBe('failure');
      expect(result.log).toContain(message);
      expect(await admin().calls({ service: 's3' })).toEqual([]);
    }
    expect((await bucketState(bucket)).map((o) => o.key)).toEqual(['index.html']);
  });

  test('a plan above max-delete-percent is refused with a sample of keys, nothing changed', async () => {
    const bucket = await newBucket();
    for (let i = 0; i < 9; i++) await admin().s3.putObject({ bucket, key: `page${i}.html`, text: 'x' });
    await admin().s3.putObject({ bucket, key: 'index.html', text: 'old' });
    const before = (await admin().cloudfront.invalidations()).length;
    const result = await sync({ BUCKET: bucket, SOURCE_DIR: site({ 'index.html': 'new' }), DELETE: 'true' });
    expect(result.conclusion).toBe('failure');
    expect(result.log).toContain(
      "Refusing to delete 9 of the 10 objects under '(bucket root)' (90.0% > max-delete-percent 50). Nothing was changed.",
    );
    expect(result.log).toContain('page0.html');
    // Outputs and the job summary are written before the step fails.
    expect(outputs(result)).toMatchObject({ uploaded: '0', deleted: '0', 'invalidation-id': '' });
    expect(result.summary).toContain('REFUSED: nothing changed');
    expect(result.summary).toContain('Refused to delete 9 of the 10 objects');
    expect(result.summary).toContain('page0.html');
    const writes = (await admin().calls({ service: 's3' })).filter(
      (c) => !['ListObjectsV2', 'GetObject', 'HeadObject'].includes(c.operation),
    );
    expect(writes).toEqual([]);
    expect((await bucketState(bucket)).length).toBe(10);
    expect((await admin().s3.object(bucket, 'index.html'))!.bodyBase64).toBe(
      Buffer.from('old').toString('base64'),
    );
    expect(await invalidationsSince(before)).toEqual([]);
  });

  test('dry-run prints the full plan and changes nothing', async () => {
    const bucket = await newBucket();
    await admin().s3.putObject({ bucket, key: 'gone.html', text: 'x' });
    const before = (await admin().cloudfront.invalidations()).length;
    const result = ok(
      await sync({ BUCKET: bucket, DRY_RUN: 'true', DELETE: 'true', MAX_DELETE_PERCENT: '100' }),
    );
    expect(result.log).toMatch(
      /upload +_next\/static\/css\/[0-9a-f]+\.css \(new, .*text\/css; charset=utf-8, public, max-age=31536000, immutable\)/,
    );
    expect(result.log).toContain('delete   gone.html');
    expect(result.log).toMatch(/Invalidate on E\w+: .*\/about\//);
    expect(outputs(result)).toMatchObject({
      uploaded: String(listFiles(EXPORT).length),
      deleted: '1',
      'invalidation-id': '',
    });
    const writes = (await admin().calls({ service: 's3' })).filter(
      (c) => !['ListObjectsV2', 'GetObject', 'HeadObject'].includes(c.operation),
    );
    expect(writes).toEqual([]);
    expect((await bucketState(bucket)).map((o) => o.key)).toEqual(['gone.html']);
    expect(await invalidationsSince(before)).toEqual([]);
    expect(result.summary).toContain('dry run: nothing changed');
  });

  test('a file that keeps failing fails the step after the rest of its phase; no deletions, no invalidation', async () => {
    const bucket = await newBucket();
    await admin().s3.putObject({ bucket, key: 'stale.html', text: 'x' });
    await admin().forbid({ service: 's3', names: [`${bucket}/about/index.html`], operations: ['PutObject'] });
    const before = (await admin().cloudfront.invalidations()).length;
    try {
      const result = await sync({ BUCKET: bucket, DELETE: 'true', MAX_DELETE_PERCENT: '100' });
      expect(result.conclusion).toBe('failure');
      expect(result.log).toContain(
        '1 file(s) failed in phase "Upload HTML pages" after retries; later phases, deletions and the invalidation were not run',
      );
      expect(result.log).toMatch(
        /about\/index\.html: AccessDenied: User: .* is not authorized to perform: s3:PutObject/,
      );
      const keys = (await bucketState(bucket)).map((o) => o.key);
      // The rest of the phase went up; the stale page is still there; nothing was invalidated.
      expect(keys).toEqual(expect.arrayContaining(['index.html', '404.html', 'stale.html']));
      expect(keys).not.toContain('about/index.html');
      // Outputs and the job summary report what completed before the step failed.
      const files = listFiles(EXPORT);
      expect(outputs(result)).toMatchObject({
        uploaded: String(files.length - 1),
        deleted: '0',
        'invalidation-id': '',
        'invalidated-paths': '',
      });
      expect(result.summary).toContain('FAILED part-way');
      expect(result.summary).toContain('1 file(s) failed in phase "Upload HTML pages"');
      expect((await admin().calls({ service: 's3', operation: 'DeleteObjects' })).length).toBe(0);
      expect(await invalidationsSince(before)).toEqual([]);
    } finally {
      await admin().clearForbidden();
    }
  });

  test('injected S3 500 InternalError and 503 SlowDown: the sync completes and the bucket equals the source', async () => {
    const bucket = await newBucket();
    await admin().s3.putObject({ bucket, key: 'stale.html', text: 'x' });
    await admin().s3.putObject({ bucket, key: 'logo.svg', text: 'old logo' });
    const a = admin();
    await a.addFault({ service: 's3', operation: 'PutObject', code: 'InternalError', every: 3, count: 8 });
    await a.addFault({ service: 's3', operation: 'PutObject', code: 'SlowDown', count: 4 });
    await a.addFault({ service: 's3', operation: 'ListObjectsV2', code: 'SlowDown', count: 1 });
    await a.addFault({ service: 's3', operation: 'DeleteObjects', code: 'InternalError', count: 2 });
    const result = ok(await sync({ BUCKET: bucket, DELETE: 'true', MAX_DELETE_PERCENT: '100' }));
    expect((await a.faults()).reduce((n, f) => n + f.hits, 0)).toBe(15);
    const injected = (await a.calls({ service: 's3' })).filter((c) => c.injected).map((c) => c.error);
    expect(injected.filter((e) => e === 'InternalError').length).toBe(10);
    expect(injected.filter((e) => e === 'SlowDown').length).toBe(5);
    const objects = await bucketState(bucket);
    const files = listFiles(EXPORT);
    expect(objects.map((o) => o.key)).toEqual(
      [...files].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))),
    );
    for (const o of objects) {
      expect([o.key, o.etag, o.cacheControl]).toEqual([
        o.key,
        `"${md5(readFileSync(join(EXPORT, o.key)))}"`,
        expectedCacheControl(o.key),
      ]);
    }
    expect(outputs(result)).toMatchObject({ deleted: '1' });
  });

  test('over 3,000 changed paths and the wildcard limit: invalidation requests stay within the limits', async () => {
    const bucket = await newBucket();
    const files: Record<string, string> = { 'index.html': 'home' };
    for (let d = 0; d < 20; d++) for (let i = 0; i < 160; i++) files[`d${d}/p${i}.html`] = `${d}/${i}`;
    const dir = site(files);
    await admin().cloudfront.setCompleteAfterMs(1000);
    try {
      const many = ok(
        await sync({
          BUCKET: bucket,
          SOURCE_DIR: dir,
          MAX_INVALIDATION_PATHS: '100000',
          INVALIDATION_DIR_THRESHOLD: '0',
          CONCURRENCY: '32',
          PROGRESS_INTERVAL: '0.1',
        }),
      );
      // A long phase prints the periodic progress line (progress-interval: 0.1 s here).
      expect(many.log).toMatch(/Upload HTML pages: \d+\/3201 files, [\d.]+ [KMG]?i?B\/[\d.]+ KiB \(\d+ s\)/);
      const created = (await admin().calls({ service: 'cloudfront', operation: 'CreateInvalidation' })).map(
        (c) => ({
          paths: (c.input['Paths'] as string[]).length,
          status: c.status,
        }),
      );
      // 3,202 paths: two requests, the second only once the first has completed (no refusal).
      expect(created).toEqual([
        { paths: 3000, status: 201 },
        { paths: 202, status: 201 },
      ]);
      expect((outputs(many)['invalidation-id'] ?? '').split(',')).toHaveLength(2);
      expect(many.log).toContain('Waiting for 1 invalidation(s) in progress');

      // Changing 20 busy directories with a dir threshold gives 20 wildcards: more than 15 in flight
      // is not allowed, so the action invalidates /* instead.
      for (let d = 0; d < 20; d++)
        for (let i = 0; i < 10; i++) writeFileSync(join(dir, `d${d}/p${i}.html`), `v2 ${d}/${i}`);
      await admin().clearCalls();
      const wild = ok(
        await sync({
          BUCKET: bucket,
          SOURCE_DIR: dir,
          INVALIDATION_DIR_THRESHOLD: '5',
          MAX_INVALIDATION_PATHS: '100000',
        }),
      );
      expect(outputs(wild)['invalidated-paths']).toBe('/*');
      // 12 busy directories -> 12 wildcards in one request; then a forced TooManyInvalidationsInProgress is retried.
      for (let d = 0; d < 12; d++)
        for (let i = 0; i < 10; i++) writeFileSync(join(dir, `d${d}/p${i}.html`), `v3 ${d}/${i}`);
      await admin().cloudfront.completeAll();
      await admin().clearCalls();
      await admin().addFault({
        service: 'cloudfront',
        operation: 'CreateInvalidation',
        code: 'TooManyInvalidationsInProgress',
        count: 1,
      });
      const twelve = ok(
        await sync({
          BUCKET: bucket,
          SOURCE_DIR: dir,
          INVALIDATION_DIR_THRESHOLD: '5',
          MAX_INVALIDATION_PATHS: '100000',
        }),
      );
      expect((outputs(twelve)['invalidated-paths'] ?? '').split('\n')).toEqual(
        Array.from({ length: 12 }, (_, d) => `/d${d}/*`).sort(),
      );
      expect(
        (await admin().calls({ service: 'cloudfront', operation: 'CreateInvalidation' })).map(
          (c) => c.error ?? c.status,
        ),
      ).toEqual(['TooManyInvalidationsInProgress', 201]);
    } finally {
      await admin().cloudfront.setCompleteAfterMs(1500);
    }
  });

  test('odd file names (spaces, unicode, +, #, %): keys and invalidation paths are right', async () => {
    const bucket = await newBucket();
    const names = [
      'index.html',
      'a b.html',
      'ü/ñ.html',
      'c++/a+b.html',
      'hash#1.html',
      '100%.html',
      'x=y&z.txt',
      'model.glb',
    ];
    const dir = site(Object.fromEntries(names.map((n) => [n, `content of ${n}`])));
    const result = ok(await sync({ BUCKET: bucket, SOURCE_DIR: dir }));
    const objects = await bucketState(bucket);
    expect(objects.map((o) => o.key).sort()).toEqual([...names].sort());
    for (const n of names) {
      const head = await client().send(new HeadObjectCommand({ Bucket: bucket, Key: n }));
      expect(head.ETag).toBe(`"${md5(Buffer.from(`content of ${n}`))}"`);
    }
    // An extension outside the table: application/octet-stream and a warning naming it.
    const glb = await client().send(new HeadObjectCommand({ Bucket: bucket, Key: 'model.glb' }));
    expect(glb.ContentType).toBe('application/octet-stream');
    expect(result.log).toContain('No Content-Type known for .glb');
    expect((outputs(result)['invalidated-paths'] ?? '').split('\n')).toEqual(
      [
        '/',
        '/100%25.html',
        '/a%20b.html',
        '/c++/a+b.html',
        '/hash%231.html',
        '/index.html',
        '/x=y&z.txt',
        '/model.glb',
        '/%C3%BC/%C3%B1.html',
      ].sort(),
    );
  });

  test('large files go up in parts; a re-sync compares them by the stored checksum, with or without the manifest', async () => {
    const bucket = await newBucket();
    const big = Buffer.alloc(11 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i);
    const dir = site({ 'index.html': 'home', 'media/intro.mp4': big });
    const first = ok(await sync({ BUCKET: bucket, SOURCE_DIR: dir, MULTIPART_THRESHOLD_MB: '5' }));
    expect(outputs(first)).toMatchObject({ uploaded: '2', 'bytes-uploaded': String(big.length + 4) });
    const obj = (await admin().s3.objects(bucket)).find((o) => o.key === 'media/intro.mp4')!;
    expect(obj).toMatchObject({ parts: 2, contentType: 'video/mp4', metadata: { md5: md5(big) } });
    expect(obj.etag).toMatch(/-2"$/);
    expect((await admin().calls({ operation: 'UploadPart' })).length).toBe(2);
    // With the manifest: no HeadObject. Without it (as after another tool uploaded): HeadObject
    // reads the md5 metadata of the multipart object, and still nothing is uploaded.
    for (const withManifest of [true, false]) {
      if (!withManifest) await admin().s3.clear(bucket, '.sync-frontend-cloudfront.json');
      await admin().clearCalls();
      const again = ok(await sync({ BUCKET: bucket, SOURCE_DIR: dir, MULTIPART_THRESHOLD_MB: '5' }));
      expect(outputs(again)).toMatchObject({ uploaded: '0', unchanged: '2' });
      const heads = (await admin().calls({ operation: 'HeadObject' }))
        .map((c) => String(c.input['Key']))
        .sort();
      expect(heads).toEqual(withManifest ? [] : ['index.html', 'media/intro.mp4']);
    }
    expect(statSync(join(dir, 'media/intro.mp4')).size).toBe(big.length);
  });
});
