// Benchmark (not a test): deploy-jar-ec2's bundle versus what users run without it, plain
// `scp` of the jar over the running one + `ssh sudo systemctl restart`, for a 50 MB jar on the
// sample host (sshd on loopback, sudo, the daemonless systemctl, the sample API). Each side gets
// its own service so neither disturbs the other. Changed jars alternate between two builds; the
// unchanged case redeploys the jar that is already current. Prints medians and ratios.
//   npm run bench:deploy-jar        (BENCH_RUNS=5 by default)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { installApiService, stopService } from '../action-tests/stack/api-service.ts';
import { buildApiJar } from '../action-tests/stack/build-jar.ts';
import { startSshHost } from '../action-tests/stack/ssh-host.ts';
import { freePort } from '../action-tests/stack/util.ts';
import { elapsedMs, median } from './lib.ts';

const ROOT = resolve(import.meta.dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SIZE = 50 * 1024 * 1024;
const suffix = process.env.SAMPLE_STACK_SUFFIX ?? '';
const work = join(ROOT, 'bench/results', `deploy-jar-${Date.now()}`);
mkdirSync(work, { recursive: true });

console.log(`Building two ${SIZE / 1024 / 1024} MB jars and starting the sample host...`);
const jars = [
  buildApiJar({ version: 'bench-a', padBytes: SIZE, out: join(work, 'a.jar') }),
  buildApiJar({ version: 'bench-b', padBytes: SIZE, out: join(work, 'b.jar') }),
];
const ssh = await startSshHost(join(work, 'ssh'));
const action = installApiService({
  service: `sample-api-bench-action${suffix}`,
  appDir: `/opt/app-bench-action${suffix}`,
  port: await freePort(),
  user: ssh.user,
});
const plain = installApiService({
  service: `sample-api-bench-plain${suffix}`,
  appDir: `/opt/app-bench-plain${suffix}`,
  port: await freePort(),
  user: ssh.user,
});

const sshOpts = [
  '-i',
  ssh.privateKeyPath,
  '-o',
  `UserKnownHostsFile=${ssh.knownHostsPath}`,
  '-o',
  'StrictHostKeyChecking=yes',
  '-o',
  'BatchMode=yes',
];
const target = `${ssh.user}@${ssh.host}`;

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}:\n${out.slice(-3000)}`)),
    );
  });
}

/** What users write today: copy over the running jar, then restart. */
async function plainDeploy(jar: string): Promise<void> {
  await run('scp', ['-P', String(ssh.port), ...sshOpts, jar, `${target}:${plain.appDir}/current.jar`]);
  await run('ssh', [
    '-p',
    String(ssh.port),
    ...sshOpts,
    target,
    `sudo -n systemctl restart ${plain.service}`,
  ]);
}

/** The committed bundle, started the way the runner starts it. */
let n = 0;
async function actionDeploy(jar: string, want: string): Promise<void> {
  const temp = mkdtempSync(join(work, `run-${n++}-`));
  const files: Record<string, string> = {};
  for (const k of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY']) {
    files[k] = join(temp, k);
    writeFileSync(files[k], '');
  }
  const out = await run(process.execPath, [join(ROOT, 'dist/deploy-jar-ec2/index.js')], {
    PATH: process.env.PATH,
    ...files,
    RUNNER_TEMP: temp,
    GITHUB_WORKSPACE: temp,
    INPUT_JAR: jar,
    INPUT_HOST: ssh.host,
    INPUT_PORT: String(ssh.port),
    INPUT_USER: ssh.user,
    'INPUT_KEY-PATH': ssh.privateKeyPath,
    'INPUT_KNOWN-HOSTS-PATH': ssh.knownHostsPath,
    INPUT_SERVICE: action.service,
    'INPUT_APP-DIR': action.appDir,
    'INPUT_HEALTH-URL': action.healthUrl,
    'INPUT_HEALTH-TIMEOUT': '60',
    'INPUT_KEEP-RELEASES': '3',
    'INPUT_LOCK-TIMEOUT': '60',
    INPUT_TRANSPORT: 'ssh',
    INPUT_FORCE: 'false',
    'INPUT_INSECURE-SKIP-HOST-KEY-CHECK': 'false',
  });
  if (!out.includes(`Status: ${want}`)) throw new Error(`expected status ${want}:\n${out.slice(-3000)}`);
}

try {
  // Warm-up: page cache, first JVM start, first release on each side.
  await plainDeploy(jars[0]!);
  await actionDeploy(jars[0]!, 'deployed');
  const plainMs: number[] = [];
  const actionMs: number[] = [];
  const unchangedMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const jar = jars[(i + 1) % 2]!;
    plainMs.push(await elapsedMs(() => plainDeploy(jar)));
    actionMs.push(await elapsedMs(() => actionDeploy(jar, 'deployed')));
    unchangedMs.push(await elapsedMs(() => actionDeploy(jar, 'unchanged')));
  }
  const p = median(plainMs);
  const a = median(actionMs);
  const u = median(unchangedMs);
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
  console.log(
    `\ndeploy-jar-ec2 vs scp + ssh sudo systemctl restart (${SIZE / 1024 / 1024} MB jar, ${RUNS} runs each, same host)`,
  );
  console.log(
    `  plain scp + restart:          median ${p.toFixed(0)} ms  [${fmt(plainMs)}]  (no check that the service came back)`,
  );
  console.log(
    `  deploy-jar-ec2, changed jar:  median ${a.toFixed(0)} ms  [${fmt(actionMs)}]  (lock, sha256 both ends, atomic switch, restart, health 2xx)`,
  );
  console.log(
    `  deploy-jar-ec2, unchanged:    median ${u.toFixed(0)} ms  [${fmt(unchangedMs)}]  (nothing uploaded, no restart)`,
  );
  console.log(`  ratio changed/plain:   ${(a / p).toFixed(2)}  (target <= 1.30)`);
  console.log(`  ratio unchanged/plain: ${(u / p).toFixed(2)}  (target < 0.33)`);
  console.log(`  ${spawnSync('ssh', ['-V'], { encoding: 'utf8' }).stderr.trim()}, node ${process.version}`);
} finally {
  stopService(action.service);
  stopService(plain.service);
  await ssh.stop();
  rmSync(work, { recursive: true, force: true });
  rmSync(action.appDir, { recursive: true, force: true });
  rmSync(plain.appDir, { recursive: true, force: true });
}
