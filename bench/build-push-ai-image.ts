// Benchmark (not a test): the sample AI image (action-tests/sample-app/ai) built by the
// build-push-ai-image bundle (push: false: build, measure, CPU-only scan) and by a plain
// `docker build`, each from a cold layer cache and then unchanged (warm), repeated; prints the
// medians and the cold/warm ratio, then the image sizes of the naive single-stage Dockerfile and
// the multi-stage one. Uses its own dockerd (vfs, like the sample stack) in a temporary folder.
//   npm run bench:ai-image            (BENCH_RUNS=3 by default: a cold vfs build takes ~30 s)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startDocker } from '../action-tests/stack/docker.ts';
import { formatBytes } from '../src/build-push-ai-image/image-report.ts';
import { elapsedMs, median } from './lib.ts';

const ROOT = resolve(import.meta.dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const NODE = join(ROOT, 'node_modules/.bin/node');
const SAMPLE = 'action-tests/sample-app/ai';
const work = mkdtempSync(join(tmpdir(), 'bench-ai-image-'));
const docker = await startDocker(join(work, 'docker'));
const env = { ...process.env, DOCKER_HOST: docker.host, DOCKER_CONFIG: join(work, 'client') };

/** Forget every built layer: the next build starts from the base image only. */
function coldCache(): void {
  for (const tag of ['bench/ai:cli', 'bench/ai:action'])
    spawnSync('docker', ['rmi', '--force', tag], { env, stdio: 'ignore' });
  execFileSync('docker', ['image', 'prune', '--force'], { env, stdio: 'ignore' });
}

function plainBuild(dockerfile = 'Dockerfile'): void {
  execFileSync(
    'docker',
    [
      'build',
      '-q',
      '-f',
      join(SAMPLE, dockerfile),
      '--build-arg',
      `BASE_IMAGE=${docker.baseImage}`,
      '-t',
      'bench/ai:cli',
      SAMPLE,
    ],
    { cwd: ROOT, env: { ...env, DOCKER_BUILDKIT: '0' }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

/** The committed bundle, started the way the runner starts it; returns its outputs. */
function actionBuild(dockerfile = 'Dockerfile'): Record<string, string> {
  const temp = mkdtempSync(join(work, 'run-'));
  const files: Record<string, string> = {};
  for (const k of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY']) {
    files[k] = join(temp, k);
    writeFileSync(files[k], '');
  }
  const inputs: Record<string, string> = {
    CONTEXT: SAMPLE,
    DOCKERFILE: join(SAMPLE, dockerfile),
    REPOSITORY: 'bench/ai',
    TAGS: 'action',
    PUSH: 'false',
    'BUILD-ARGS': `BASE_IMAGE=${docker.baseImage}`,
    'CPU-ONLY': 'warn',
    BUILDER: 'auto',
    'CREATE-REPOSITORY': 'false',
    PROVENANCE: 'false',
  };
  const run = spawnSync(NODE, [join(ROOT, 'dist/build-push-ai-image/index.js')], {
    cwd: ROOT,
    env: {
      ...env,
      ...files,
      RUNNER_TEMP: temp,
      GITHUB_WORKSPACE: ROOT,
      GITHUB_SHA: 'bench',
      SOURCE_DATE_EPOCH: '1767268800',
      ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k}`, v])),
    },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.status !== 0) {
    throw new Error(`the action failed (exit ${run.status}):\n${(run.stdout + run.stderr).slice(-4000)}`);
  }
  const outputs: Record<string, string> = {};
  for (const m of readFileSync(files.GITHUB_OUTPUT!, 'utf8').matchAll(
    /^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm,
  )) {
    outputs[m[1]!] = m[3]!;
  }
  return outputs;
}

try {
  const results: Record<string, number[]> = {
    'action cold': [],
    'action warm': [],
    'docker cold': [],
    'docker warm': [],
  };
  for (let i = 0; i < RUNS; i++) {
    coldCache();
    results['action cold']!.push(await elapsedMs(() => actionBuild()));
    results['action warm']!.push(await elapsedMs(() => actionBuild()));
    coldCache();
    results['docker cold']!.push(await elapsedMs(() => plainBuild()));
    results['docker warm']!.push(await elapsedMs(() => plainBuild()));
    process.stderr.write(`run ${i + 1}/${RUNS} done\n`);
  }
  const multi = actionBuild('Dockerfile');
  const naive = actionBuild('Dockerfile.naive');
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  console.log(`\nSample AI image (${SAMPLE}), ${RUNS} runs each, dockerd ${docker.host} (vfs storage)\n`);
  console.log('| builder | first build (cold cache) | unchanged rebuild | ratio |');
  console.log('| --- | --- | --- | --- |');
  for (const who of ['action', 'docker'] as const) {
    const cold = median(results[`${who} cold`]!);
    const warm = median(results[`${who} warm`]!);
    const label =
      who === 'action'
        ? 'build-push-ai-image (push: false; build + measure + CPU-only scan)'
        : 'docker build (classic)';
    console.log(`| ${label} | ${s(cold)} | ${s(warm)} | ${(cold / warm).toFixed(1)}x |`);
  }
  const mb = (o: Record<string, string>) => (Number(o['size-bytes']) / 1e6).toFixed(1);
  console.log('\n| Dockerfile | uncompressed size | largest layer after the base |');
  console.log('| --- | --- | --- |');
  for (const [name, o] of [
    ['Dockerfile.naive (single stage)', naive],
    ['Dockerfile (multi-stage, runtime)', multi],
  ] as const) {
    const layers = JSON.parse(o['largest-layers'] ?? '[]') as Array<{ size: number; instruction: string }>;
    const second = layers[1];
    console.log(
      `| ${name} | ${mb(o)} MB | ${second ? `${formatBytes(second.size)} ${second.instruction.slice(0, 60)}` : '-'} |`,
    );
  }
  console.log(
    `\nmulti-stage is ${((Number(naive['size-bytes']) - Number(multi['size-bytes'])) / 1e6).toFixed(1)} MB smaller (${((1 - Number(multi['size-bytes']) / Number(naive['size-bytes'])) * 100).toFixed(0)}%)`,
  );
} finally {
  await docker.stop();
  rmSync(work, { recursive: true, force: true });
}
