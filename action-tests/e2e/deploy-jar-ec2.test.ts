import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type ApiService, installApiService, stopService, SYSTEMCTL } from '../stack/api-service.ts';
import { buildApiJar } from '../stack/build-jar.ts';
import { freePort } from '../stack/util.ts';
import { admin, REPO_ROOT, type RunResult, runWorkflow, stack, step } from './harness.ts';

/**
 * deploy-jar-ec2 over SSH, end to end: the committed bundle inside a workflow (OIDC stand-in,
 * fetch-ssm-target, deploy-jar-ec2) against the sample host's sshd, sudo and daemonless systemd.
 * The tests share one service of their own (the example pipeline deploys the stack's service),
 * and run in order: each starts from the state the previous one left.
 */
const SCENARIOS = 'action-tests/workflows/deploy-jar-ec2.yml';
const JARS = join(REPO_ROOT, 'action-tests/.stack/jars');
let api: ApiService;
let ssmApi: ApiService;
const jars: Record<string, string> = {};

function deploy(jar: string, vars: Record<string, string> = {}, service = api): Promise<RunResult> {
  return runWorkflow({
    workflow: SCENARIOS,
    event: 'workflow_dispatch',
    vars: {
      JAR: jar,
      SERVICE: service.service,
      APP_DIR: service.appDir,
      HEALTH_URL: service.healthUrl,
      ...vars,
    },
  });
}

async function health(service = api): Promise<{ status: number; version?: string }> {
  try {
    const res = await fetch(service.healthUrl);
    const body = (await res.json()) as { version?: string };
    return { status: res.status, version: body.version };
  } catch {
    return { status: 0 };
  }
}

const mainPid = (service = api) =>
  /MainPID=(\d+)/.exec(execFileSync(SYSTEMCTL, ['show', '-p', 'MainPID', service.service]).toString())?.[1];
/** The AWS calls the stack received since the last clearCalls, as `service:Operation`. */
const awsOps = async () => (await admin().calls()).map((c) => `${c.service}:${c.operation}`);
const currentRelease = (service = api) =>
  readlinkSync(join(service.appDir, 'current.jar')).replace(/^releases\/(.*)\.jar$/, '$1');
const releases = () => readdirSync(join(api.appDir, 'releases')).sort();
const acceptedLogins = () =>
  (readFileSync(stack().ssh.logPath, 'utf8').match(/Accepted publickey for deploy/g) ?? []).length;

/** A broken release (4 s health timeout): the step failed, rolled back to v2, which answers again. */
async function expectRolledBackToV2(result: RunResult, service: ApiService, v2Release: string) {
  expect(step(result, 'deploy').outcome).toBe('failure');
  const out = step(result, 'deploy').outputs;
  expect(out.status).toBe('rolled-back');
  expect(out['previous-release-id']).toBe(v2Release);
  expect(result.log).toMatch(/did not become healthy within 4s \(last: HTTP 503\); rolled back to/);
  expect(await health(service)).toEqual({ status: 200, version: 'v2' });
  expect(currentRelease(service)).toBe(v2Release);
  return out;
}

function expectOk(result: RunResult): void {
  if (result.conclusion !== 'success') throw new Error(`job failed:\n${result.log.slice(-4000)}`);
}

beforeAll(async () => {
  mkdirSync(JARS, { recursive: true });
  const build = (
    name: string,
    version: string,
    opts: { healthy?: boolean; padBytes?: number; stackTraceLines?: number } = {},
  ) => {
    jars[name] = buildApiJar({ version, out: join(JARS, `${name}.jar`), ...opts });
  };
  build('v1', 'v1');
  build('v2', 'v2');
  build('v3', 'v3', { healthy: false });
  build('v4', 'v4');
  build('v5', 'v5', { healthy: false, stackTraceLines: 60 });
  build('big', 'big', { padBytes: 64 * 1024 * 1024 });
  const s = stack();
  api = installApiService({
    service: `${s.api.service}-e2e`,
    appDir: `${s.api.appDir}-e2e`,
    port: await freePort(),
    user: s.ssh.user,
  });
  ssmApi = installApiService({
    service: `${s.api.service}-ssm`,
    appDir: `${s.api.appDir}-ssm`,
    port: await freePort(),
    user: s.ssh.user,
  });
}, 120_000);

afterAll(() => {
  if (api) stopService(api.service);
  if (ssmApi) stopService(ssmApi.service);
});

describe('deploy-jar-ec2 over SSH', () => {
  let v1Release = '';
  let v2Release = '';

  test('fetch-ssm-target then deploy v1: /health answers v1', async () => {
    const result = await deploy(jars.v1!);
    expectOk(result);
    const out = step(result, 'deploy').outputs;
    expect(out.status).toBe('deployed');
    expect(out['release-id']).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(out['previous-release-id']).toBe('');
    expect(out.sha256).toBe(execFileSync('sha256sum', [jars.v1!]).toString().split(' ')[0]);
    expect(Number(out['duration-ms'])).toBeGreaterThan(0);
    expect(await health()).toEqual({ status: 200, version: 'v1' });
    expect(currentRelease()).toBe(out['release-id']);
    expect(result.summary).toContain('deploy-jar-ec2 (ssh)');
    expect(result.summary).toMatch(
      /\| Host \| Status \| Release \| Previous \| SHA-256 \| Health \| Time per phase \| Total \|/,
    );
    expect(result.summary).toContain('upload');
    v1Release = out['release-id']!;
  });

  test('v2: /health answers v2 and previous-release-id is v1', async () => {
    const result = await deploy(jars.v2!);
    expectOk(result);
    const out = step(result, 'deploy').outputs;
    expect(out.status).toBe('deployed');
    expect(out['previous-release-id']).toBe(v1Release);
    expect(out['release-id']! > v1Release).toBe(true); // ULIDs sort by time
    expect(await health()).toEqual({ status: 200, version: 'v2' });
    expect(readlinkSync(join(api.appDir, 'previous.jar'))).toBe(`releases/${v1Release}.jar`);
    v2Release = out['release-id']!;
  });

  test('the same v2 again: unchanged, nothing uploaded, the service not restarted', async () => {
    const pid = mainPid();
    const before = releases();
    const result = await deploy(jars.v2!);
    expectOk(result);
    const out = step(result, 'deploy').outputs;
    expect(out.status).toBe('unchanged');
    expect(out['release-id']).toBe(v2Release);
    expect(out['previous-release-id']).toBe(v1Release);
    expect(result.log).not.toContain('Uploading');
    expect(releases()).toEqual(before);
    expect(mainPid()).toBe(pid);
    expect(await health()).toEqual({ status: 200, version: 'v2' });
  });

  test('the broken v3: the step fails, rolled-back, /health answers v2, the log tail is in the step log', async () => {
    const result = await deploy(jars.v3!, { HEALTH_TIMEOUT: '4' });
    const out = await expectRolledBackToV2(result, api, v2Release);
    expect(result.log).toContain(
      `Last lines of the service's log (/var/log/journal/${api.service}.service.log)`,
    );
    expect(result.log).toContain('sample-api v3 listening on');
    expect(result.log).toContain('(unhealthy build)');
    expect(readlinkSync(join(api.appDir, 'previous.jar'))).toBe(`releases/${v1Release}.jar`);
    expect(releases().some((f) => f.startsWith(out['release-id']!))).toBe(false);
    expect(result.summary).toContain('rolled-back');
  });

  test('force: the same v2 goes out again as a new release and the service is restarted', async () => {
    const pid = mainPid();
    const result = await deploy(jars.v2!, { FORCE: 'true' });
    expectOk(result);
    const out = step(result, 'deploy').outputs;
    expect(out.status).toBe('deployed');
    expect(out['previous-release-id']).toBe(v2Release);
    expect(out['release-id']! > v2Release).toBe(true);
    expect(result.log).toContain('Uploading');
    expect(currentRelease()).toBe(out['release-id']);
    expect(mainPid()).not.toBe(pid);
    expect(await health()).toEqual({ status: 200, version: 'v2' });
    v2Release = out['release-id']!;
  });

  test('the connection cut mid-upload: /health still answers v2, no .part becomes current, a rerun succeeds', async () => {
    const port = String(stack().ssh.port);
    const running = deploy(jars.big!);
    const releasesDir = join(api.appDir, 'releases');
    // Wait for the upload to start, freeze the receiving end, cut the client, then let the host go on.
    let part = '';
    for (let i = 0; i < 1500 && !part; i++) {
      part = readdirSync(releasesDir).find((f) => f.endsWith('.jar.part')) ?? '';
      if (!part) await sleep(20);
    }
    expect(part).not.toBe('');
    const receiver = processesWith((pid) => {
      try {
        return readdirSync(`/proc/${pid}/fd`).some(
          (fd) => readlinkSafe(`/proc/${pid}/fd/${fd}`) === join(releasesDir, part),
        );
      } catch {
        return false;
      }
    });
    for (const pid of receiver) process.kill(pid, 'SIGSTOP');
    const clients = processesWith((pid) => {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return argv[0] === 'ssh' && argv.includes(port) && argv.some((a) => a.includes('deploy-jar-release'));
    });
    expect(clients).toHaveLength(1);
    process.kill(clients[0]!, 'SIGKILL');
    for (const pid of receiver) process.kill(pid, 'SIGCONT');
    const result = await running;
    expect(step(result, 'deploy').outcome).toBe('failure');
    expect(result.log).toMatch(
      /ssh was stopped by SIGKILL during the upload; nothing was switched on the host/,
    );
    // The host side notices the short upload, removes the .part and releases the lock.
    for (let i = 0; i < 200 && readdirSync(releasesDir).some((f) => f.endsWith('.part')); i++)
      await sleep(50);
    expect(readdirSync(releasesDir).filter((f) => f.endsWith('.part'))).toEqual([]);
    expect(currentRelease()).toBe(v2Release);
    expect(await health()).toEqual({ status: 200, version: 'v2' });

    const rerun = await deploy(jars.big!);
    expectOk(rerun);
    expect(step(rerun, 'deploy').outputs.status).toBe('deployed');
    expect(step(rerun, 'deploy').outputs['previous-release-id']).toBe(v2Release);
    expect(await health()).toEqual({ status: 200, version: 'big' });
  });

  test('a wrong host key is refused before anything is uploaded (known_hosts and fingerprint)', async () => {
    const other = join(JARS, 'other-host');
    if (!existsSync(other)) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const wrong = readFileSync(`${other}.pub`, 'utf8');
    await admin().ssm.put('us-east-1', [
      { Name: '/sample/test/wrong-host-key', Value: `[127.0.0.1]:${stack().ssh.port} ${wrong}` },
    ]);
    const before = releases();
    const logins = acceptedLogins();
    const viaKnownHosts = await deploy(jars.v2!, { HOST_KEY_PARAMETER: '/sample/test/wrong-host-key' });
    expect(step(viaKnownHosts, 'deploy').outcome).toBe('failure');
    expect(viaKnownHosts.log).toMatch(/host key verification failed: the host's key is not the pinned one/);
    expect(viaKnownHosts.log).not.toContain('Uploading');

    const fp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${other}.pub`])
      .toString()
      .split(' ')[1]!;
    const viaFingerprint = await deploy(jars.v2!, { PIN: 'fingerprint', FINGERPRINT: fp });
    expect(step(viaFingerprint, 'deploy').outcome).toBe('failure');
    expect(viaFingerprint.log).toMatch(
      /Host key verification failed for 127\.0\.0\.1:\d+: it offers ssh-ed25519 SHA256:\S+, none of which is the pinned host-key-fingerprint/,
    );
    expect(releases()).toEqual(before);
    expect(acceptedLogins()).toBe(logins);
    expect(await health()).toEqual({ status: 200, version: 'big' });
  });

  test('the right fingerprint is accepted', async () => {
    const key = stack().ssh.hostKeys.trim().split(/\s+/).slice(1).join(' ');
    const fp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', '-'], { input: key })
      .toString()
      .split(' ')[1]!;
    const result = await deploy(jars.big!, { PIN: 'fingerprint', FINGERPRINT: fp });
    expectOk(result);
    expect(step(result, 'deploy').outputs.status).toBe('unchanged');
  });

  test('no host key: refused naming the input, unless insecure-skip-host-key-check (with a loud warning)', async () => {
    const logins = acceptedLogins();
    const refused = await deploy(jars.v2!, { PIN: 'none' });
    expect(step(refused, 'deploy').outcome).toBe('failure');
    expect(refused.log).toContain("Input 'known-hosts-path': no host key is pinned");
    expect(acceptedLogins()).toBe(logins);

    const insecure = await deploy(jars.v2!, { PIN: 'none', INSECURE: 'true' });
    expectOk(insecure);
    expect(insecure.log).toMatch(
      /::warning::insecure-skip-host-key-check is true: the host key is NOT verified|insecure-skip-host-key-check is true: the host key is NOT verified/,
    );
    expect(insecure.annotations.some((a) => /host key is NOT verified/.test(JSON.stringify(a)))).toBe(true);
    expect(step(insecure, 'deploy').outputs.status).toBe('deployed');
    expect(await health()).toEqual({ status: 200, version: 'v2' });
  });

  test.each([
    ['service', { SERVICE: 'sample-api;touch /tmp/pwned' }],
    ['app-dir', { APP_DIR: '/opt/app$(id)' }],
    ['jar', { JAR: 'build/app.jar;reboot' }],
  ])(
    'shell metacharacters in %s are rejected naming the input; nothing runs on the host',
    async (input, vars) => {
      const logins = acceptedLogins();
      const before = releases();
      const result = await deploy(jars.v1!, vars);
      expect(step(result, 'deploy').outcome).toBe('failure');
      expect(result.log).toContain(`Input '${input}': invalid value`);
      expect(acceptedLogins()).toBe(logins);
      expect(releases()).toEqual(before);
    },
  );

  test('several hosts are deployed one at a time; the first failure stops the rest', async () => {
    // 127.0.0.1 and localhost are the same sample host: the second finds the jar already current.
    const key = stack().ssh.hostKeys.trim().split(/\s+/).slice(1).join(' ');
    const fp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', '-'], { input: key })
      .toString()
      .split(' ')[1]!;
    const both = await deploy(jars.v4!, {
      HOSTS: '127.0.0.1\nlocalhost',
      PIN: 'fingerprint',
      FINGERPRINT: fp,
    });
    expectOk(both);
    expect(step(both, 'deploy').outputs.status).toBe('deployed');
    expect(both.log).toMatch(
      /Deploy to deploy@127\.0\.0\.1:\d+ \(1 of 2\)[\s\S]*Deploy to deploy@localhost:\d+ \(2 of 2\)/,
    );
    expect(both.log).toMatch(/deploy@localhost:\d+: unchanged/);
    expect(both.summary).toMatch(/deploy@127\.0\.0\.1:\d+`? \| \*\*deployed\*\*/);
    expect(both.summary).toMatch(/deploy@localhost:\d+`? \| \*\*unchanged\*\*/);
    expect(await health()).toEqual({ status: 200, version: 'v4' });

    // known_hosts from fetch-ssm-target pins the key to 127.0.0.1 only: localhost is refused first.
    const stopped = await deploy(jars.v2!, { HOSTS: 'localhost\n127.0.0.1' });
    expect(step(stopped, 'deploy').outcome).toBe('failure');
    expect(stopped.log).toMatch(/deploy@localhost:\d+: host key verification failed/);
    expect(stopped.log).toMatch(/Not tried: deploy@127\.0\.0\.1:\d+\./);
    expect(stopped.summary).toContain('not tried (an earlier host failed)');
    expect(await health()).toEqual({ status: 200, version: 'v4' });
  });

  test('two deploys started together: one waits for the other, both end consistent', async () => {
    // Hold the host's deploy lock while both start, so they are certain to meet at it.
    const holder = spawn('flock', [join(api.appDir, '.deploy.lock'), 'sleep', '4'], { stdio: 'ignore' });
    const [a, b] = await Promise.all([deploy(jars.v1!), deploy(jars.v4!)]);
    holder.kill();
    expectOk(a);
    expectOk(b);
    const outA = step(a, 'deploy').outputs;
    const outB = step(b, 'deploy').outputs;
    expect(a.log).toContain('Another deploy holds');
    expect(b.log).toContain('Another deploy holds');
    const [first, second] = outB['previous-release-id'] === outA['release-id'] ? [outA, outB] : [outB, outA];
    expect(second['previous-release-id']).toBe(first['release-id']);
    expect(currentRelease()).toBe(second['release-id']);
    const version = second === outA ? 'v1' : 'v4';
    expect(await health()).toEqual({ status: 200, version });
    expect(releases().filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  test('releases beyond keep-releases are pruned, never the current or the previous one', () => {
    const jarsLeft = releases().filter((f) => f.endsWith('.jar'));
    expect(jarsLeft.length).toBe(3);
    expect(jarsLeft).toContain(`${currentRelease()}.jar`);
    expect(jarsLeft).toContain(readlinkSync(join(api.appDir, 'previous.jar')).replace('releases/', ''));
  });
});

describe('deploy-jar-ec2 over SSM Run Command', () => {
  const ssmVars = (extra: Record<string, string> = {}) => ({
    TRANSPORT: 'ssm',
    HOSTS: '',
    ARTIFACT_BUCKET: stack().artifactBucket,
    ...extra,
  });
  let v1Release = '';
  let v2Release = '';

  test('v1 to the instance id: deployed as root, files owned by the app directory owner, jar removed from S3', async () => {
    await admin().clearCalls();
    const result = await deploy(jars.v1!, ssmVars({ INSTANCE_IDS: stack().ssmInstance.id }), ssmApi);
    expectOk(result);
    const out = step(result, 'deploy').outputs;
    expect(out.status).toBe('deployed');
    expect(await health(ssmApi)).toEqual({ status: 200, version: 'v1' });
    expect(currentRelease(ssmApi)).toBe(out['release-id']);
    const owner = execFileSync('stat', [
      '-c',
      '%U',
      join(ssmApi.appDir, 'releases', `${out['release-id']}.jar`),
    ])
      .toString()
      .trim();
    expect(owner).toBe(stack().ssh.user);
    expect(await admin().s3.objects(stack().artifactBucket)).toEqual([]);
    const ops = await awsOps();
    expect(ops).toEqual(
      expect.arrayContaining([
        's3:PutObject',
        'ssm:SendCommand',
        'ssm:GetCommandInvocation',
        's3:GetObject',
        's3:DeleteObject',
      ]),
    );
    expect(result.log).not.toMatch(/X-Amz-Signature|X-Amz-Credential/);
    expect(result.log).toContain(`Instance ${stack().ssmInstance.id}: Success`);
    expect(result.summary).toContain('deploy-jar-ec2 (ssm)');
    expect(result.summary).toContain(stack().ssmInstance.id);
    expect(result.summary).toContain('s3-upload');
    v1Release = out['release-id']!;
  });

  test('v2 to tag:Role=api: answers v2, previous-release-id is v1', async () => {
    const result = await deploy(jars.v2!, ssmVars({ TARGETS: 'tag:Role=api' }), ssmApi);
    expectOk(result);
    const out = step(result, 'deploy').outputs;
    expect(out.status).toBe('deployed');
    expect(out['previous-release-id']).toBe(v1Release);
    expect(await health(ssmApi)).toEqual({ status: 200, version: 'v2' });
    v2Release = out['release-id']!;
  });

  test('the same v2 again: unchanged after a check-only command, nothing uploaded, not restarted', async () => {
    const pid = mainPid(ssmApi);
    await admin().clearCalls();
    const result = await deploy(jars.v2!, ssmVars({ INSTANCE_IDS: stack().ssmInstance.id }), ssmApi);
    expectOk(result);
    expect(step(result, 'deploy').outputs.status).toBe('unchanged');
    expect(step(result, 'deploy').outputs['release-id']).toBe(v2Release);
    expect(step(result, 'deploy').outputs['previous-release-id']).toBe(v1Release);
    const ops = await awsOps();
    expect(ops.filter((op) => op.startsWith('s3:'))).toEqual([]);
    expect(ops.filter((op) => op === 'ssm:SendCommand')).toHaveLength(1);
    expect(result.log).toContain('nothing uploaded, nothing restarted');
    expect(result.summary).toContain('ssm-check');
    expect(mainPid(ssmApi)).toBe(pid);
    expect(await health(ssmApi)).toEqual({ status: 200, version: 'v2' });
  });

  test('the broken v3: the step fails, rolled-back, /health answers v2, the log tail is in the step log', async () => {
    const result = await deploy(
      jars.v3!,
      ssmVars({ INSTANCE_IDS: stack().ssmInstance.id, HEALTH_TIMEOUT: '4' }),
      ssmApi,
    );
    await expectRolledBackToV2(result, ssmApi, v2Release);
    expect(result.log).toContain(
      `Last lines of the service's log (/var/log/journal/${ssmApi.service}.service.log)`,
    );
    expect(result.log).toContain('(unhealthy build)');
  });

  test('a broken release that logs a long stack trace: the tail fits in what SSM returns, rolled-back is reported', async () => {
    const result = await deploy(
      jars.v5!,
      ssmVars({ INSTANCE_IDS: stack().ssmInstance.id, HEALTH_TIMEOUT: '4' }),
      ssmApi,
    );
    await expectRolledBackToV2(result, ssmApi, v2Release);
    // Lines of 2,700+ characters are cut to 400 in the tail.
    const traceLines = result.log.split('\n').filter((l) => l.includes('.method(Arguments'));
    expect(traceLines.length).toBeGreaterThan(20);
    for (const line of traceLines) {
      expect(line.endsWith(' [...]')).toBe(true);
      expect(line.length).toBeLessThan(500);
    }
  });

  test('force: the same v2 is uploaded and deployed again without a check, the service restarted', async () => {
    const pid = mainPid(ssmApi);
    await admin().clearCalls();
    const result = await deploy(
      jars.v2!,
      ssmVars({ INSTANCE_IDS: stack().ssmInstance.id, FORCE: 'true' }),
      ssmApi,
    );
    expectOk(result);
    const out = step(result, 'deploy').outputs;
    expect(out.status).toBe('deployed');
    expect(out['previous-release-id']).toBe(v2Release);
    expect(currentRelease(ssmApi)).toBe(out['release-id']);
    const ops = await awsOps();
    expect(ops.filter((op) => op === 'ssm:SendCommand')).toHaveLength(1);
    expect(ops).toEqual(expect.arrayContaining(['s3:PutObject', 's3:GetObject', 's3:DeleteObject']));
    expect(mainPid(ssmApi)).not.toBe(pid);
    expect(await health(ssmApi)).toEqual({ status: 200, version: 'v2' });
    v2Release = out['release-id']!;
  });

  test('a fleet (targets, max-concurrency 1): instances one at a time; after a rollback max-errors stops the rollout', async () => {
    // A second managed node; the agent runs its commands on the same machine (same app-dir).
    const second = 'i-0b00000000000002f';
    await admin().ssm.registerInstances([{ InstanceId: second, Tags: { Role: 'api', Name: 'api-2' } }]);
    try {
      const fleet = ssmVars({ TARGETS: 'tag:Role=api', MAX_CONCURRENCY: '1', MAX_ERRORS: '0' });
      const ok = await deploy(jars.v4!, fleet, ssmApi);
      expectOk(ok);
      expect(ok.log).toMatch(new RegExp(`${stack().ssmInstance.id}: deployed[\\s\\S]*${second}: unchanged`));
      expect(ok.summary).toContain(second);
      expect(await health(ssmApi)).toEqual({ status: 200, version: 'v4' });

      const broken = await deploy(jars.v3!, { ...fleet, HEALTH_TIMEOUT: '4' }, ssmApi);
      expect(step(broken, 'deploy').outcome).toBe('failure');
      expect(step(broken, 'deploy').outputs.status).toBe('rolled-back');
      expect(broken.log).toContain(
        `${second}: not run: SSM stopped sending the command after max-errors (0) was exceeded.`,
      );
      const commands = await admin().ssm.commands();
      expect(commands.at(-1)!.Invocations.map((i) => [i.InstanceId, i.Status])).toEqual([
        [stack().ssmInstance.id, 'Failed'],
        [second, 'Cancelled'],
      ]);
      // Before it, the read-only check went to both instances at once, both found v3 new.
      const check = commands.at(-2)!;
      expect([check.MaxConcurrency, check.MaxErrors, check.TargetCount]).toEqual(['100%', '100%', 2]);
      expect(check.Invocations.map((i) => i.Status)).toEqual(['Success', 'Success']);
      expect(await health(ssmApi)).toEqual({ status: 200, version: 'v4' });
    } finally {
      await fetch(new URL(`/__admin/ssm/instances?id=${second}`, stack().adminUrl), { method: 'DELETE' });
    }
  });

  test('targets that match no instance fail clearly, before anything is uploaded', async () => {
    await admin().clearCalls();
    const result = await deploy(jars.v2!, ssmVars({ TARGETS: 'tag:Role=nothing' }), ssmApi);
    expect(step(result, 'deploy').outcome).toBe('failure');
    expect(result.log).toContain('No managed instance matches targets tag:Role=nothing');
    const ops = await awsOps();
    expect(ops.filter((op) => op.startsWith('s3:'))).toEqual([]);
    expect(await admin().s3.objects(stack().artifactBucket)).toEqual([]);
  });
});

function readlinkSafe(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

function processesWith(match: (pid: number) => boolean): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (match(Number(entry))) out.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}
