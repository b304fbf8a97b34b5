import { describe, expect, test } from '@jest/globals';
import { recordingLogger } from '../lib/log.ts';
import { outcomeOutputs } from './deploy.ts';
import { parseInputs } from './inputs.ts';
import { deployWithSsm, type InvocationState, type SsmApi } from './ssm-transport.ts';
import { renderSummary } from './summary.ts';

const jar = { path: '/w/app.jar', size: 10, sha256: 'ab'.repeat(32) };
const RELEASE = '01ARYZ6S410000000000000000';
const URL = 'https://bucket.s3.amazonaws.com/deploy-jar-ec2/x.jar?X-Amz-Signature=secret';
const ok = (id: string, prev = '-') =>
  `::deploy:: current ${prev}\n::deploy:: download\n::deploy:: time download 5\n::deploy:: release ${id}\n::deploy:: previous ${prev}\n::deploy:: health HTTP 200\n::deploy:: status deployed\n`;

const changed = '::deploy:: current -\n::deploy:: check changed\n';

/**
 * A fake SSM API. `script` is what each instance reports to the deploy command, `check` what it
 * reports to the check-only command that comes first (default: the jar differs).
 */
function fakeApi(
  script: Record<string, InvocationState[]>,
  targetCount?: number,
  check?: Record<string, InvocationState[]>,
) {
  const calls: string[] = [];
  const sent: Array<Parameters<SsmApi['sendCommand']>[0]> = [];
  const polls = new Map<string, number>();
  const api: SsmApi = {
    uploadJar: async (bucket, key) => void calls.push(`put ${bucket}/${key}`),
    presignGet: async (_b, _k, expires) => (calls.push(`presign ${expires}`), URL),
    deleteJar: async (bucket, key) => void calls.push(`delete ${bucket}/${key}`),
    sendCommand: async (input) => {
      sent.push(input);
      const id = input.commands[0]!.endsWith('--check-only 1') ? 'check' : 'deploy';
      calls.push(`send ${id}`);
      return id;
    },
    commandStatus: async () => ({
      status: targetCount === 0 ? 'Success' : 'InProgress',
      targetCount: targetCount ?? Object.keys(script).length,
    }),
    listInstances: async () => Object.keys(script),
    getInvocation: async (commandId, id) => {
      const n = polls.get(`${commandId} ${id}`) ?? 0;
      polls.set(`${commandId} ${id}`, n + 1);
      const states = commandId === 'check' ? (check?.[id] ?? [done(changed)]) : script[id]!;
      // The first poll sees no invocation yet (InvocationDoesNotExist).
      return n === 0 ? undefined : states[Math.min(n - 1, states.length - 1)];
    },
  };
  return { api, calls, sent };
}
const running: InvocationState = {
  status: 'InProgress',
  details: 'InProgress',
  responseCode: -1,
  stdout: '',
  stderr: '',
};
const done = (stdout: string, code = 0, status = code === 0 ? 'Success' : 'Failed'): InvocationState => ({
  status,
  details: status,
  responseCode: code,
  stdout,
  stderr: '',
});
const inputs = (values: Record<string, string>) =>
  parseInputs(
    (name) =>
      ({ jar: 'app.jar', service: 'my-api', transport: 'ssm', 'artifact-bucket': 'artifacts', ...values })[
        name
      ] ?? '',
  );
const deps = (api: SsmApi) => {
  let t = 0;
  return { api, logger: recordingLogger(), sleep: async () => void (t += 1000), now: () => t };
};

describe('deployWithSsm', () => {
  test('a failed delete of the S3 object is a warning, in the log and in the job summary', async () => {
    const fake = fakeApi({ 'i-0123456789abcdef0': [done(ok(RELEASE))] });
    fake.api.deleteJar = async () => {
      throw new Error('AccessDenied: s3:DeleteObject');
    };
    const d = deps(fake.api);
    const outcome = await deployWithSsm(
      inputs({ 'instance-ids': 'i-0123456789abcdef0', 'health-timeout': '30', 'lock-timeout': '60' }),
      jar,
      RELEASE,
      'echo script',
      d,
    );
    expect(fake.calls.slice(0, 4)).toEqual([
      'send check',
      `put artifacts/deploy-jar-ec2/${RELEASE}.jar`,
      'presign 1020', // the execution timeout: 60 + 2 x 30 + 900
      'send deploy',
    ]);
    expect(fake.sent[0]!.executionTimeout).toBe(180); // the check: lock-timeout 60 + 120
    expect(fake.sent[1]!.executionTimeout).toBe(1020);
    expect(outcome.results[0]!.status).toBe('deployed');
    expect(outcome.warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Could not delete s3://artifacts/deploy-jar-ec2/${RELEASE}.jar .*AccessDenied: s3:DeleteObject$`,
        ),
      ),
    ]);
    expect(d.logger.lines.some((l) => l.includes('AccessDenied: s3:DeleteObject'))).toBe(true);
    expect(renderSummary(outcome, 'app.jar', 'ssm')).toMatch(/> \[!WARNING\]\n> Could not delete s3:/);
  });

  test('uploads, sends one command with the URL in its environment, polls past InvocationDoesNotExist, cleans up', async () => {
    const fake = fakeApi({
      'i-0123456789abcdef0': [running, done(ok(RELEASE, '01PREV0000000000000000000A'))],
    });
    const d = deps(fake.api);
    const outcome = await deployWithSsm(
      inputs({ 'instance-ids': 'i-0123456789abcdef0' }),
      jar,
      RELEASE,
      'echo script',
      d,
    );
    expect(fake.calls).toEqual([
      'send check',
      `put artifacts/deploy-jar-ec2/${RELEASE}.jar`,
      'presign 1620', // lock-timeout 600 + 2 x health-timeout 60 + 900: the execution timeout
      'send deploy',
      `delete artifacts/deploy-jar-ec2/${RELEASE}.jar`,
    ]);
    expect(d.logger.masked).toContain(URL);
    const check = fake.sent[0]!.commands[0]!;
    expect(check.startsWith(`bash -c 'echo script' deploy-jar-release `)).toBe(true);
    expect(check).not.toContain('DEPLOY_JAR_SOURCE_URL');
    expect(check.endsWith('--source none --check-only 1')).toBe(true);
    const command = fake.sent[1]!.commands[0]!;
    expect(
      command.startsWith(`DEPLOY_JAR_SOURCE_URL='${URL}' bash -c 'echo script' deploy-jar-release `),
    ).toBe(true);
    expect(command.endsWith('--source url')).toBe(true);
    // The read-only check goes to every instance at once; the deploy keeps the rate control.
    expect(fake.sent.map((c) => [c.instanceIds, c.maxConcurrency, c.maxErrors])).toEqual([
      [['i-0123456789abcdef0'], '100%', '100%'],
      [['i-0123456789abcdef0'], '1', '0'],
    ]);
    expect(outcome.results).toHaveLength(1);
    expect(outcome.results[0]).toMatchObject({
      target: 'i-0123456789abcdef0',
      status: 'deployed',
      releaseId: RELEASE,
    });
    expect(outcome.results[0]!.phases.map((p) => p.name)).toEqual(['s3-upload', 'download']);
    expect(outcome.results[0]!.error).toBeUndefined();
    expect(outcomeOutputs(outcome, 5)).toMatchObject({
      status: 'deployed',
      'previous-release-id': '01PREV0000000000000000000A',
    });
  });

  test('targets: every instance is polled; a rollback and a cancelled instance both fail the deploy', async () => {
    const rolledBack =
      '::deploy:: release X\n::deploy:: previous P\n::deploy:: log-begin /var/log/x\n  | boom\n::deploy:: log-end\n::deploy:: status rolled-back\n::deploy:: error release X did not become healthy\n';
    const fake = fakeApi({
      'i-000000000000000a1': [done(rolledBack, 3)],
      'i-000000000000000a2': [
        { status: 'Cancelled', details: 'Cancelled', responseCode: -1, stdout: '', stderr: '' },
      ],
    });
    const outcome = await deployWithSsm(
      inputs({ targets: 'tag:Role=api', 'max-concurrency': '1' }),
      jar,
      RELEASE,
      's',
      deps(fake.api),
    );
    expect(fake.sent[1]!.targets).toEqual([{ Key: 'tag:Role', Values: ['api'] }]);
    const [a, b] = outcome.results;
    expect(a).toMatchObject({ status: 'rolled-back' });
    expect(a!.error).toContain("Last lines of the service's log (/var/log/x):\nboom");
    expect(b!.error).toBe(
      'i-000000000000000a2: not run: SSM stopped sending the command after max-errors (0) was exceeded.',
    );
    expect(outcomeOutputs(outcome, 1).status).toBe('rolled-back');
  });

  test('targets that match nothing: a clear error from the check, nothing uploaded', async () => {
    const fake = fakeApi({}, 0);
    await expect(
      deployWithSsm(inputs({ targets: 'tag:Role=none' }), jar, RELEASE, 's', deps(fake.api)),
    ).rejects.toThrow('No managed instance matches targets tag:Role=none');
    expect(fake.calls).toEqual(['send check']);
  });

  test('with force, no check: targets that match nothing fail, and the jar is still deleted', async () => {
    const fake = fakeApi({}, 0);
    await expect(
      deployWithSsm(inputs({ targets: 'tag:Role=none', force: 'true' }), jar, RELEASE, 's', deps(fake.api)),
    ).rejects.toThrow('No managed instance matches targets tag:Role=none');
    expect(fake.calls[0]).toBe(`put artifacts/deploy-jar-ec2/${RELEASE}.jar`);
    expect(fake.calls.at(-1)).toBe(`delete artifacts/deploy-jar-ec2/${RELEASE}.jar`);
    expect(fake.sent[0]!.commands[0]).toContain('--force 1');
  });

  test('a large fleet is polled less often: about 5 GetCommandInvocation calls per second', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `i-00000000000000${String(i).padStart(3, '0')}`);
    const fake = fakeApi(Object.fromEntries(ids.map((id) => [id, [running, running, done(ok(RELEASE))]])));
    const sleeps: number[] = [];
    const d = { ...deps(fake.api), sleep: async (ms: number) => void sleeps.push(ms) };
    await deployWithSsm(inputs({ targets: 'tag:Role=api', force: 'true' }), jar, RELEASE, 's', d);
    expect(sleeps[0]).toBe(4000); // 20 pending instances x 200 ms
    expect(Math.min(...sleeps)).toBeGreaterThanOrEqual(1000);
  });

  test('every instance already runs the jar: unchanged, nothing uploaded, no deploy command', async () => {
    const same = (id: string) =>
      done(
        `::deploy:: current ${id}\n::deploy:: current-previous -\n::deploy:: release ${id}\n::deploy:: previous -\n::deploy:: health HTTP 200\n::deploy:: status unchanged\n`,
      );
    const current = '01CURRENT00000000000000000';
    const fake = fakeApi({ 'i-000000000000000a1': [], 'i-000000000000000a2': [] }, undefined, {
      'i-000000000000000a1': [running, same(current)],
      'i-000000000000000a2': [same(current)],
    });
    const d = deps(fake.api);
    const outcome = await deployWithSsm(inputs({ targets: 'tag:Role=api' }), jar, RELEASE, 's', d);
    expect(fake.calls).toEqual(['send check']);
    expect(outcome.results.map((r) => [r.target, r.status, r.error])).toEqual([
      ['i-000000000000000a1', 'unchanged', undefined],
      ['i-000000000000000a2', 'unchanged', undefined],
    ]);
    expect(outcomeOutputs(outcome, 1)).toMatchObject({ status: 'unchanged', 'release-id': current });
    expect(d.logger.lines.join('\n')).toContain('nothing uploaded, nothing restarted');
    const summary = renderSummary(outcome, 'app.jar', 'ssm');
    expect(summary).toContain('unchanged: already the current release, nothing uploaded or restarted');
    expect(summary).not.toContain(RELEASE);
    expect(summary).toMatch(/ssm-check [\d.]+ m?s/);
  });

  test('one instance differs: the jar is uploaded and the deploy command goes to every target', async () => {
    const same = done(
      '::deploy:: current 01CURRENT00000000000000000\n::deploy:: release 01CURRENT00000000000000000\n::deploy:: status unchanged\n',
    );
    const fake = fakeApi(
      { 'i-000000000000000a1': [done(ok(RELEASE))], 'i-000000000000000a2': [same] },
      undefined,
      { 'i-000000000000000a1': [done(changed)], 'i-000000000000000a2': [same] },
    );
    const d = deps(fake.api);
    const outcome = await deployWithSsm(inputs({ targets: 'tag:Role=api' }), jar, RELEASE, 's', d);
    expect(fake.calls.slice(0, 2)).toEqual(['send check', `put artifacts/deploy-jar-ec2/${RELEASE}.jar`]);
    expect(d.logger.lines.join('\n')).toContain(
      'The jar differs from the current release on i-000000000000000a1: deploying.',
    );
    expect(outcomeOutputs(outcome, 1).status).toBe('deployed');
  });

  test('the check fails on an instance: that error, nothing uploaded', async () => {
    const fake = fakeApi({ 'i-000000000000000a1': [] }, undefined, {
      'i-000000000000000a1': [
        done(
          '::deploy:: error app-dir /opt/app does not exist on the host (create it, owned by the deploy user)\n',
          1,
        ),
      ],
    });
    const outcome = await deployWithSsm(
      inputs({ 'instance-ids': 'i-000000000000000a1' }),
      jar,
      RELEASE,
      's',
      deps(fake.api),
    );
    expect(fake.calls).toEqual(['send check']);
    expect(outcome.results).toHaveLength(1);
    expect(outcome.results[0]!.status).toBe('failed');
    expect(outcome.results[0]!.error).toContain('app-dir /opt/app does not exist on the host');
  });
});
