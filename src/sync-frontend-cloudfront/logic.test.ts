import { describe, expect, test } from '@jest/globals';
import { globToRegExp } from '../lib/glob.ts';
import { cacheControlFor, cacheRule, IMMUTABLE, isHashedAsset, REVALIDATE } from './cache-control.ts';
import { contentTypeFor } from './content-types.ts';
import {
  batchPaths,
  encodePath,
  invalidationPaths,
  submitInvalidations,
  type InvalidationApi,
} from './invalidation.ts';
import { parseInputs } from './inputs.ts';
import { keysNeedingHead, planSync, type RemoteObject } from './plan.ts';
import type { LocalFile } from './local.ts';
import { resolveManifestKey, startProgress } from './sync.ts';
import { decodeManifest, encodeManifest } from './manifest.ts';
import type { KnownObject } from './plan.ts';
import { createHash } from 'node:crypto';

const inputsOf = (values: Record<string, string>) => (name: string) => values[name] ?? '';

describe('globs', () => {
  test.each([
    ['_next/static/**', '_next/static/chunks/a.js', true],
    ['_next/static/**', '_next/staticx/a.js', false],
    ['*.html', 'a/b/c.html', true],
    ['docs/*.pdf', 'docs/a.pdf', true],
    ['docs/*.pdf', 'docs/x/a.pdf', false],
    ['**/*.map', 'a.map', true],
    ['*.{png,jpg}', 'img/x.jpg', true],
    ['legacy/**', 'legacy', true],
  ])('%s matches %s: %s', (glob, path, expected) => {
    expect(globToRegExp(glob).test(path)).toBe(expected);
  });
});

describe('headers', () => {
  test.each([
    ['_next/static/chunks/app/page-1a2b3c4d5e6f7a8b.js', IMMUTABLE],
    ['_next/static/Xq8bZ2pL0kMw/_buildManifest.js', IMMUTABLE],
    ['_next/static/media/inter.3f9a1c2e.woff2', IMMUTABLE],
    ['assets/logo.3f9a1c2e.png', IMMUTABLE],
    ['index.html', REVALIDATE],
    ['about/index.txt', REVALIDATE],
    ['favicon.ico', REVALIDATE],
    ['robots.txt', REVALIDATE],
    ['page-1a2b3c4d.html', REVALIDATE],
  ])('%s -> %s', (path, value) => {
    expect(cacheControlFor(path, [])).toBe(value);
  });
  test('overrides win, first match first', () => {
    const rules = [cacheRule('*.pdf', 'public, max-age=3600'), cacheRule('**', 'no-cache')];
    expect(cacheControlFor('docs/a.pdf', rules)).toBe('public, max-age=3600');
    expect(cacheControlFor('_next/static/a.js', rules)).toBe('no-cache');
  });
  test('hash detection does not take words for hashes', () => {
    expect(isHashedAsset('images/background.png')).toBe(false);
    expect(isHashedAsset('fonts/roboto-regular.woff2')).toBe(false);
  });
  test.each([
    'downloads/report-20240315.pdf',
    'invoice-12345678.pdf',
    'photos/img.20240315123456.jpg',
    'release-1234567890.zip',
    'docs/document2024.pdf',
    'docs/my-document2024.pdf',
    'fonts/roboto-RegularItalic.woff2',
    'fonts/Inter-SemiBold.woff2',
    'archive-deadbeef.tar',
    'notes-facade.txt',
    'a-3f2a9c1.js',
    'DEADBEEF12.js',
    '1a2b3c4d5e.js',
  ])('not a content hash (a date, a number, a word): %s -> revalidate', (path) => {
    expect(isHashedAsset(path)).toBe(false);
    expect(cacheControlFor(path, [])).toBe(REVALIDATE);
  });
  test.each([
    'main.3f2a9c1b.js',
    'static/js/main.3f2a9c1b.js',
    'assets/page-1a2b3c4d5e6f7a8b.js',
    'assets/app.8F3A2C1B.css',
    'assets/index-BX7Q2kLm.js',
    'assets/chunk-Xk3_9aQ2LmT0pZ1w.js',
    'img/og.8d3f2a1c.png',
    'main.3f2a9c1b.js.map',
    'vendors-node_modules_react.4e5f6a7b8c9d0e1f.js',
  ])('a content hash: %s -> immutable', (path) => {
    expect(isHashedAsset(path)).toBe(true);
    expect(cacheControlFor(path, [])).toBe(IMMUTABLE);
  });
  test.each([
    ['a.html', 'text/html; charset=utf-8'],
    ['a.JS', 'text/javascript; charset=utf-8'],
    ['a.mjs', 'text/javascript; charset=utf-8'],
    ['a.wasm', 'application/wasm'],
    ['site.webmanifest', 'application/manifest+json'],
    ['a.avif', 'image/avif'],
    ['a.woff2', 'font/woff2'],
    ['a.map', 'application/json; charset=utf-8'],
    ['x/y.txt', 'text/plain; charset=utf-8'],
  ])('content type of %s is %s', (path, type) => {
    expect(contentTypeFor(path)).toEqual({ contentType: type, unknown: false });
  });
  test('unknown extensions fall back, overrides apply', () => {
    expect(contentTypeFor('model.glb')).toEqual({ contentType: 'application/octet-stream', unknown: true });
    expect(contentTypeFor('model.glb', { '.glb': 'model/gltf-binary' }).contentType).toBe(
      'model/gltf-binary',
    );
    expect(contentTypeFor('LICENSE').unknown).toBe(true);
  });
});

describe('inputs', () => {
  const base = { 'source-dir': 'web/out', bucket: 'my-site' };
  test('defaults', () => {
    expect(parseInputs(inputsOf(base))).toMatchObject({
      prefix: '',
      delete: false,
      maxDeletePercent: 50,
      concurrency: 16,
      invalidation: 'auto',
      multipartThresholdBytes: 16 * 1024 * 1024,
    });
  });
  test('prefix normalized; cache-control values keep their "="', () => {
    const i = parseInputs(
      inputsOf({ ...base, prefix: '/site', 'cache-control': '*.pdf=public, max-age=60\n' }),
    );
    expect(i.prefix).toBe('site/');
    expect(i.cacheControl.map((r) => [r.glob, r.value])).toEqual([['*.pdf', 'public, max-age=60']]);
  });
  test.each([
    [{ bucket: 's3://my-site' }, /Input 'bucket': .*bare bucket name/],
    [{ bucket: 'My_Site' }, /Input 'bucket': invalid value/],
    [{ 'source-dir': '' }, /Input 'source-dir': is required/],
    [{ prefix: 'a/../b' }, /Input 'prefix'/],
    [{ 'max-delete-percent': '150' }, /Input 'max-delete-percent'.*<= 100/],
    [{ invalidation: 'some' }, /Input 'invalidation'.*auto, all, none/],
    [{ 'content-types': 'glb=model/x' }, /Input 'content-types'/],
    [{ 'content-types': '.glb=not a type' }, /Input 'content-types'.*media type/],
    [{ 'distribution-id': 'e123' }, /Input 'distribution-id'/],
    [{ 'cache-control': 'no-equals-sign' }, /Input 'cache-control'/],
    [{ concurrency: '0' }, /Input 'concurrency'/],
  ])('%p is refused', (override, message) => {
    expect(() => parseInputs(inputsOf({ ...base, ...override }))).toThrow(message);
  });
});

describe('invalidation paths', () => {
  const opts = { maxPaths: 300, dirThreshold: 20 };
  test('index.html in both forms, encoded names, never _next/static', () => {
    expect(
      invalidationPaths(
        [
          'index.html',
          'about/index.html',
          'about/index.txt',
          '_next/static/chunks/x.js',
          'img/logo.3f9a1c2e.png',
          'a b+c#d%e ü.html',
        ],
        opts,
      ),
    ).toEqual([
      '/',
      '/a%20b+c%23d%25e%20%C3%BC.html',
      '/about/',
      '/about/index.html',
      '/about/index.txt',
      '/index.html',
    ]);
  });
  test('a busy directory collapses into /dir/*, too many paths into /*', () => {
    const blog = Array.from({ length: 30 }, (_, i) => `blog/post-${i}/index.html`);
    expect(invalidationPaths([...blog, 'index.html'], opts)).toEqual(['/', '/blog/*', '/index.html']);
    const many = Array.from({ length: 400 }, (_, i) => `p${i}.html`);
    expect(invalidationPaths(many, opts)).toEqual(['/*']);
    const dirs = Array.from({ length: 16 }, (_, d) =>
      Array.from({ length: 25 }, (__, i) => `d${d}/p${i}.html`),
    ).flat();
    expect(invalidationPaths(dirs, { maxPaths: 100000, dirThreshold: 20 })).toEqual(['/*']);
    expect(invalidationPaths(['_next/static/a.js'], opts)).toEqual([]);
  });
  test('encodePath keeps sub-delimiters and encodes a literal *', () => {
    expect(encodePath('a*b/c=d&e.html')).toBe('/a%2Ab/c=d&e.html');
  });
  test('batches hold at most 3,000 paths and 15 wildcards', () => {
    const paths = [
      ...Array.from({ length: 6500 }, (_, i) => `/f${i}`),
      ...Array.from({ length: 15 }, (_, i) => `/d${i}/*`),
    ];
    const batches = batchPaths(paths);
    expect(batches.map((b) => [b.length, b.filter((p) => p.endsWith('*')).length])).toEqual([
      [3000, 15],
      [3000, 0],
      [515, 0],
    ]);
  });
  test('submission waits for its own earlier batches and retries TooManyInvalidationsInProgress', async () => {
    const log: string[] = [];
    const created: string[][] = [];
    let completeAfter = 0;
    let fail = 1;
    const api: InvalidationApi = {
      create: (paths) => {
        if (fail-- > 0)
          return Promise.reject(
            Object.assign(new Error('too many'), { name: 'TooManyInvalidationsInProgress' }),
          );
        created.push(paths);
        return Promise.resolve({ id: `I${created.length}`, status: 'InProgress' });
      },
      status: () => Promise.resolve(++completeAfter > 2 ? 'Completed' : 'InProgress'),
    };
    const ids = await submitInvalidations(api, batchPaths(Array.from({ length: 3500 }, (_, i) => `/f${i}`)), {
      distributionId: 'E1',
      referenceSeed: 'seed',
      timeoutMs: 60_000,
      log: (m) => log.push(m),
      sleep: () => Promise.resolve(),
      pollMs: 1,
    });
    expect(ids).toEqual(['I1', 'I2']);
    expect(created.map((c) => c.length)).toEqual([3000, 500]);
    expect(log.some((l) => /TooManyInvalidationsInProgress; retry 1/.test(l))).toBe(true);
    expect(log.some((l) => /Waiting for 1 invalidation/.test(l))).toBe(true);
  });
});

describe('plan', () => {
  const file = (relPath: string, md5: string, size = 1): LocalFile => ({
    relPath,
    absPath: `/x/${relPath}`,
    size,
    md5,
  });
  const md5a = 'a'.repeat(32);
  const md5b = 'b'.repeat(32);
  const remote = (entries: [string, string, number?][]) =>
    new Map<string, RemoteObject>(entries.map(([key, etag, size]) => [key, { key, etag, size: size ?? 1 }]));
  const opts = {
    prefix: 'p/',
    cacheControl: [],
    contentTypes: {},
    exclude: ['keep/**'],
    delete: true,
    maxDeletePercent: 50,
    manifestKey: 'p/.m.json',
  };

  test('content compared by MD5/ETag, headers from what is known, deletions under the prefix only', () => {
    const files = [
      file('index.html', md5a),
      file('a.js', md5a),
      file('b.css', md5b),
      file('new.txt', md5a),
      file('big.bin', md5a),
    ];
    const r = remote([
      ['p/index.html', `"${md5a}"`],
      ['p/a.js', `"${md5b}"`],
      ['p/b.css', `"${md5b}"`],
      ['p/big.bin', '"ffff-3"'],
      ['p/old.html', `"${md5a}"`],
      ['p/keep/x', `"${md5a}"`],
      ['p/.m.json', '"x"'],
    ]);
    const known = new Map([
      [
        'p/index.html',
        { etag: `"${md5a}"`, contentType: 'text/html; charset=utf-8', cacheControl: REVALIDATE },
      ],
      ['p/b.css', { etag: `"${md5b}"`, contentType: 'text/css; charset=utf-8', cacheControl: 'no-cache' }],
      [
        'p/big.bin',
        { etag: '"ffff-3"', md5: md5a, contentType: 'application/octet-stream', cacheControl: REVALIDATE },
      ],
    ]);
    expect(keysNeedingHead(files, r, { version: 1, objects: Object.fromEntries(known) }, 'p/')).toEqual([]);
    const plan = planSync(files, r, known, opts);
    expect(plan.files.map((p) => [p.key, p.action, p.reason, p.phase])).toEqual([
      ['p/index.html', 'unchanged', 'same', 'html'],
      ['p/a.js', 'upload', 'content changed', 'files'],
      ['p/b.css', 'metadata', 'headers changed', 'files'],
      ['p/new.txt', 'upload', 'new', 'files'],
      ['p/big.bin', 'unchanged', 'same', 'files'],
    ]);
    expect(plan.deletions).toEqual(['p/old.html']);
    expect(plan.unknownExtensions).toEqual(['.bin']);
  });

  test('objects the manifest does not describe are read with HeadObject (same MD5, or a multipart ETag)', () => {
    const files = [file('a.js', md5a), file('b.js', md5a), file('c.js', md5a)];
    const r = remote([
      ['p/a.js', `"${md5a}"`],
      ['p/b.js', `"${md5b}"`],
      ['p/c.js', '"abc-2"'],
    ]);
    expect(keysNeedingHead(files, r, { version: 1, objects: {} }, 'p/')).toEqual(['p/a.js', 'p/c.js']);
  });

  test('the delete guard refuses above max-delete-percent, naming a sample', () => {
    const r = remote([
      ['p/index.html', `"${md5a}"`],
      ['p/x1', `"${md5a}"`],
      ['p/x2', `"${md5a}"`],
    ]);
    expect(() => planSync([file('index.html', md5a)], r, new Map(), opts)).toThrow(
      /Refusing to delete 2 of the 3 objects under 'p\/' \(66\.7% > max-delete-percent 50\)\. Nothing was changed\.[\s\S]*p\/x1/,
    );
    expect(
      planSync([file('index.html', md5a)], r, new Map(), { ...opts, maxDeletePercent: 70 }).deletions,
    ).toEqual(['p/x1', 'p/x2']);
  });
});

describe('progress', () => {
  test('a line every interval with files and bytes done out of the total', async () => {
    const lines: string[] = [];
    const p = startProgress((m) => lines.push(m), 20, { files: 10, bytes: 4096 }, 'Upload');
    p.done.files = 3;
    p.done.bytes = 2048;
    await new Promise((r) => setTimeout(r, 70));
    p.stop();
    const n = lines.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(lines.length).toBe(n);
    expect(n).toBeGreaterThanOrEqual(2);
    expect(lines[0]).toMatch(/^Upload: 3\/10 files, 2\.0 KiB\/4\.0 KiB \(\d+ s\)$/);
  });
});

describe('manifest', () => {
  test('round-trips compactly through gzip; junk is no manifest', () => {
    const objects: Record<string, KnownObject> = {};
    for (let i = 0; i < 5000; i++) {
      const md5 = createHash('md5').update(String(i)).digest('hex');
      objects[`docs/section-${i % 25}/page-${i}/index.html`] = {
        etag: i % 1000 === 0 ? `"${md5.slice(0, 30)}ab-3"` : `"${md5}"`,
        md5,
        contentType: 'text/html; charset=utf-8',
        cacheControl: i % 2 ? REVALIDATE : IMMUTABLE,
      };
    }
    const bytes = encodeManifest({ version: 1, objects });
    expect(bytes.length).toBeLessThan(200_000);
    expect(decodeManifest(bytes)).toEqual({ version: 1, objects });
    expect(decodeManifest(Buffer.from('not json'))).toBeUndefined();
    expect(decodeManifest(Buffer.from('{"version":9}'))).toBeUndefined();
  });
});

describe('manifest key', () => {
  test.each([
    ['auto', '', '.sync-frontend-cloudfront.json'],
    ['auto', 'site/', 'site.sync-frontend-cloudfront.json'],
    ['auto', 'a/b/', 'a/b.sync-frontend-cloudfront.json'],
    ['state.json', 'site/', 'site/state.json'],
    ['', 'site/', ''],
  ])('manifest %p with prefix %p -> %p', (manifest, prefix, key) => {
    expect(resolveManifestKey(manifest, prefix)).toBe(key);
    if (prefix !== '' && manifest === 'auto') expect(key.startsWith(prefix)).toBe(false);
  });
});
