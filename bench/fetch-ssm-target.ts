// Benchmark (not a test): fetch-ssm-target's bundle versus `aws ssm get-parameters
// --with-decryption` (Debian's AWS CLI v2) against the same SSM endpoint, for the same 3
// parameters, repeated; prints the medians and their ratio, then each bundle's size.
//   npm run bench            (installs awscli on first use)
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createSsmService, seedParameters, startAwsServer } from '../action-tests/stack/aws/index.ts';
import { AWS_CLI, elapsedMs, median, requireAwsCli } from './lib.ts';

const ROOT = resolve(import.meta.dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const region = 'us-east-1';

requireAwsCli();

const credentials = {
  accessKeyId: 'AKIABENCHBENCHBENCH0',
  secretAccessKey: randomBytes(30).toString('base64'),
};
const aws = await startAwsServer({ accountId: '123456789012', credentials, services: [createSsmService()] });
const work = mkdtempSync(join(tmpdir(), 'bench-ssm-'));
execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(work, 'key')]);
await seedParameters(aws.url, credentials, region, [
  { Name: '/bench/ssh-host', Value: '203.0.113.10' },
  { Name: '/bench/ssh-user', Value: 'ec2-user' },
  { Name: '/bench/ssh-private-key', Value: readFileSync(join(work, 'key'), 'utf8'), Type: 'SecureString' },
]);

const baseEnv = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: work,
  AWS_ACCESS_KEY_ID: credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  AWS_REGION: region,
  AWS_DEFAULT_REGION: region,
  AWS_ENDPOINT_URL_SSM: aws.url,
  AWS_ENDPOINT_URL: aws.url,
};

// The SSM endpoint runs in this process, so the commands must run asynchronously (a synchronous
// spawn would block the endpoint's event loop and deadlock).
function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function runAction(i: number): Promise<void> {
  const temp = mkdtempSync(join(work, `run-${i}-`));
  const files: Record<string, string> = {};
  for (const k of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY']) {
    files[k] = join(temp, k);
    writeFileSync(files[k], '');
  }
  const r = await run(process.execPath, [join(ROOT, 'dist/fetch-ssm-target/index.js')], {
    ...baseEnv,
    ...files,
    RUNNER_TEMP: temp,
    'INPUT_HOST-PARAMETER': '/bench/ssh-host',
    'INPUT_USER-PARAMETER': '/bench/ssh-user',
    'INPUT_PRIVATE-KEY-PARAMETER': '/bench/ssh-private-key',
    INPUT_USER: 'ec2-user',
  });
  if (r.status !== 0) throw new Error(`action failed: ${r.stdout}${r.stderr}`);
}

async function runCli(): Promise<void> {
  const r = await run(
    AWS_CLI,
    [
      'ssm',
      'get-parameters',
      '--with-decryption',
      '--names',
      '/bench/ssh-host',
      '/bench/ssh-user',
      '/bench/ssh-private-key',
      '--output',
      'json',
      // Debian's CLI (2.9) predates AWS_ENDPOINT_URL_<SERVICE> support (2.13).
      '--endpoint-url',
      aws.url,
    ],
    baseEnv,
  );
  if (r.status !== 0) throw new Error(`aws cli failed: ${r.stderr}`);
}

// One warm-up each (page cache, Python bytecode).
await runAction(-1);
await runCli();
const actionTimes: number[] = [];
const cliTimes: number[] = [];
for (let i = 0; i < RUNS; i++) {
  actionTimes.push(await elapsedMs(() => runAction(i)));
  cliTimes.push(await elapsedMs(runCli));
}
await aws.close();

const a = median(actionTimes);
const c = median(cliTimes);
console.log(`fetch-ssm-target vs aws ssm get-parameters (3 parameters, ${RUNS} runs each, same endpoint)`);
console.log(
  `  fetch-ssm-target bundle (node ${process.version}): median ${a.toFixed(0)} ms  (validates, writes key + outputs)`,
);
console.log(
  `  aws ssm get-parameters (${execFileSync(AWS_CLI, ['--version']).toString().trim().split(' ')[0]}): median ${c.toFixed(0)} ms  (prints JSON only)`,
);
console.log(`  ratio action/cli: ${(a / c).toFixed(2)}`);

console.log('\nBundle sizes (dist/<action>/, index.js + chunks, without source maps):');
for (const name of readdirSync(join(ROOT, 'dist')).sort()) {
  const dir = join(ROOT, 'dist', name);
  const bytes = readdirSync(dir)
    .filter((f) => f.endsWith('.js') || f.endsWith('.cjs'))
    .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
  console.log(`  ${name}: ${(bytes / 1024 / 1024).toFixed(2)} MiB`);
}
