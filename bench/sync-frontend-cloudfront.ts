// Benchmark (not a test): sync-frontend-cloudfront's bundle versus `aws s3 sync` (Debian's AWS CLI
// v2) against the same S3 endpoint (the sample stack's emulator, in this process), on a generated
// 5,000-file Next.js-style export:
//   1. first upload into an empty bucket;
//   2. re-sync of a fresh copy of the site (every mtime new, as on a CI checkout) with 1% of the
//      files changed, onto the bucket as the tool's own first upload left it.
// Prints, per tool and scenario: S3 requests (from the emulator's call log), bytes sent (request
// payloads) and the median wall time, then the ratios.
//   npm run bench:sync-frontend     (installs awscli on first use; BENCH_RUNS=3 by default)
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createS3Service, startAwsServer } from '../action-tests/stack/aws/index.ts';
import { AWS_CLI, median, requireAwsCli } from './lib.ts';

const ROOT = resolve(import.meta.dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const FILES = Number(process.env.BENCH_FILES ?? 5000);
const NODE = join(ROOT, 'node_modules/.bin/node');
const BUNDLE = join(ROOT, 'dist/sync-frontend-cloudfront/index.js');
const region = 'us-east-1';

requireAwsCli();

const credentials = {
  accessKeyId: 'AKIABENCHS3SYNC00001',
  secretAccessKey: randomBytes(30).toString('base64'),
};
const s3 = createS3Service({ accountId: '123456789012' });
const aws = await startAwsServer({
  accountId: '123456789012',
  credentials,
  services: [s3],
  maxBodyBytes: 64 * 1024 * 1024,
});
const work = mkdtempSync(join(tmpdir(), 'bench-sync-'));

// ------------------------------------------------------------------------------ the generated site
let seed = 42;
// mulberry32: a small deterministic PRNG (same site on every run).
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
const filler = (size: number) =>
  Buffer.from(
    Array.from({ length: Math.ceil(size / 16) }, () => hex(16))
      .join('')
      .slice(0, size),
  );

/** A Next.js-style export: pages (HTML + RSC .txt) in nested directories, hashed chunks, CSS, media. */
function generateSite(dir: string, count: number): string[] {
  const files: string[] = [];
  const add = (rel: string, size: number) => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), filler(size));
    files.push(rel);
  };
  add('index.html', 12_000);
  add('404.html', 6_000);
  const pages = Math.floor(count * 0.3);
  for (let i = 0; i < pages; i++) {
    const path = `docs/section-${i % 25}/page-${i}`;
    add(`${path}/index.html`, 4_000 + Math.floor(rand() * 16_000));
    if (files.length < count) add(`${path}/index.txt`, 1_000 + Math.floor(rand() * 4_000));
  }
  const build = hex(21);
  add(`_next/static/${build}/_buildManifest.js`, 3_000);
  while (files.length < count) {
    const r = rand();
    if (r < 0.65) add(`_next/static/chunks/${hex(4)}-${hex(16)}.js`, 2_000 + Math.floor(rand() * 30_000));
    else if (r < 0.75) add(`_next/static/css/${hex(16)}.css`, 1_000 + Math.floor(rand() * 10_000));
    else if (r < 0.9)
      add(`_next/static/media/img-${hex(8)}.${hex(8)}.webp`, 5_000 + Math.floor(rand() * 40_000));
    else add(`images/photo-${files.length}.jpg`, 10_000 + Math.floor(rand() * 50_000));
  }
  return files;
}

const site = join(work, 'site');
const siteFiles = generateSite(site, FILES);
process.stdout.write(`generated ${siteFiles.length} files in ${site}\n`);

/** A fresh copy with new mtimes and 1% of the files rewritten (same size, new content). */
function freshCopyWithChanges(run: number): { dir: string; changed: number } {
  const dir = join(work, `copy-${run}-${Date.now()}`);
  cpSync(site, dir, { recursive: true, preserveTimestamps: false });
  const step = 100;
  let changed = 0;
  for (let i = run % step; i < siteFiles.length; i += step) {
    const rel = siteFiles[i]!;
    writeFileSync(join(dir, rel), Buffer.concat([Buffer.from(`/* v${run} */`), filler(8_000)]));
    changed++;
  }
  return { dir, changed };
}

// ------------------------------------------------------------------------------ the two tools
const baseEnv = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: work,
  AWS_ACCESS_KEY_ID: credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  AWS_REGION: region,
  AWS_DEFAULT_REGION: region,
  AWS_EC2_METADATA_DISABLED: 'true',
};

/** Runs a command without blocking this process's event loop (the emulator answers from it). */
function exec(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
    child.stderr.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`${command} exited with ${code}:\n${out}`)),
    );
  });
}

function runAction(source: string, bucket: string): Promise<void> {
  const temp = mkdtempSync(join(work, 'gh-'));
  const files: Record<string, string> = {};
  for (const k of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY']) {
    files[k] = join(temp, k);
    writeFileSync(files[k], '');
  }
  return exec(NODE, [BUNDLE], {
    ...baseEnv,
    ...files,
    RUNNER_TEMP: temp,
    GITHUB_WORKSPACE: work,
    AWS_ENDPOINT_URL_S3: aws.url,
    'INPUT_SOURCE-DIR': source,
    INPUT_BUCKET: bucket,
    INPUT_CONCURRENCY: '16',
    INPUT_MANIFEST: '.sync-frontend-cloudfront.json',
  });
}

function runCli(source: string, bucket: string): Promise<void> {
  return exec(
    AWS_CLI,
    [
      '--endpoint-url',
      aws.url,
      's3',
      'sync',
      source,
      `s3://${bucket}/`,
      '--no-progress',
      '--only-show-errors',
    ],
    baseEnv,
  );
}

const tools = { 'sync-frontend-cloudfront': runAction, 'aws s3 sync': runCli } as const;
type Tool = keyof typeof tools;

interface Measure {
  ms: number;
  requests: number;
  byOperation: Record<string, number>;
  bytes: number;
}

async function measure(tool: Tool, source: string, bucket: string): Promise<Measure> {
  aws.clearCalls();
  const start = process.hrtime.bigint();
  await tools[tool](source, bucket);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const calls = aws.calls({ service: 's3' }).filter((c) => c.input['Bucket'] === bucket);
  const byOperation: Record<string, number> = {};
  for (const c of calls) byOperation[c.operation] = (byOperation[c.operation] ?? 0) + 1;
  return {
    ms,
    requests: calls.length,
    byOperation,
    bytes: calls.reduce((n, c) => n + Number(c.input['Bytes'] ?? 0), 0),
  };
}

const results: Record<string, Record<Tool, Measure[]>> = {
  'first upload': { 'sync-frontend-cloudfront': [], 'aws s3 sync': [] },
  're-sync, fresh copy, 1% changed': { 'sync-frontend-cloudfront': [], 'aws s3 sync': [] },
};
let changedFiles = 0;
for (let run = 0; run < RUNS; run++) {
  for (const tool of Object.keys(tools) as Tool[]) {
    const bucket = `bench-${tool === 'aws s3 sync' ? 'cli' : 'action'}-${run}`;
    s3.s3.createBucket(bucket, region);
    results['first upload']![tool].push(await measure(tool, site, bucket));
    const copy = freshCopyWithChanges(run);
    changedFiles = copy.changed;
    results['re-sync, fresh copy, 1% changed']![tool].push(await measure(tool, copy.dir, bucket));
    rmSync(copy.dir, { recursive: true, force: true });
    s3.s3.bucket(bucket)!.objects.clear();
    process.stdout.write(`run ${run + 1}/${RUNS} ${tool}: done\n`);
  }
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
process.stdout.write(
  `\nsync-frontend-cloudfront vs aws s3 sync (${AWS_CLI}, ${spawnSync(AWS_CLI, ['--version'], { encoding: 'utf8' }).stdout.trim()})\n`,
);
process.stdout.write(
  `site: ${siteFiles.length} files; re-sync changes ${changedFiles} files (1%); ${RUNS} runs, medians\n\n`,
);
for (const [scenario, byTool] of Object.entries(results)) {
  process.stdout.write(`${scenario}\n`);
  const line = (tool: Tool) => {
    const ms = median(byTool[tool].map((m) => m.ms));
    const last = byTool[tool][byTool[tool].length - 1]!;
    const ops = Object.entries(last.byOperation)
      .map(([op, n]) => `${op} ${n}`)
      .join(', ');
    process.stdout.write(
      `  ${tool.padEnd(26)} ${String(last.requests).padStart(6)} requests  ${mb(last.bytes).padStart(10)} sent  ${(ms / 1000).toFixed(2).padStart(7)} s   (${ops})\n`,
    );
    return { ms, requests: last.requests, bytes: last.bytes };
  };
  const a = line('sync-frontend-cloudfront');
  const c = line('aws s3 sync');
  const ratio = (x: number, y: number) => (y === 0 ? 'n/a' : `${(x / y).toFixed(2)}x`);
  process.stdout.write(
    `  ratio CLI/action:          requests ${ratio(c.requests, a.requests)}, bytes ${ratio(c.bytes, a.bytes)}, time ${ratio(c.ms, a.ms)}\n\n`,
  );
}
await aws.close();
rmSync(work, { recursive: true, force: true });
