import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { admin, runWorkflow, stack, step } from './harness.ts';

const SCENARIOS = 'action-tests/workflows/fetch-ssm-target.yml';
const scenario = (vars: Record<string, string> = {}) =>
  runWorkflow({ workflow: SCENARIOS, event: 'workflow_dispatch', vars });

function keyLines(): string[] {
  return readFileSync(stack().ssh.privateKeyPath, 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('-----'));
}

beforeEach(async () => {
  await admin().clearFaults();
  await admin().clearForbidden();
  await admin().clearCalls();
});
afterEach(async () => {
  await admin().clearFaults();
  await admin().clearForbidden();
});

describe('the example pipeline (.github/workflows/deploy.yml)', () => {
  test('fetches the target from SSM and logs in over SSH with the fetched key and pinned host key', async () => {
    const result = await runWorkflow({ workflow: '.github/workflows/deploy.yml', job: 'api', event: 'push' });
    expect(result.conclusion).toBe('success');
    const s = stack();
    const target = step(result, 'target');
    expect(target.outputs.host).toBe('127.0.0.1');
    expect(target.outputs.user).toBe('deploy');
    expect(target.outputs['ssh-port']).toBe(String(s.ssh.port));
    expect(result.log).toMatch(/logged in to .* as deploy/);
    // 5 names in one GetParameters call.
    const calls = await admin().calls({ service: 'ssm' });
    expect(calls.map((c) => c.operation)).toEqual(['GetParameters']);
    expect(result.summary).toContain('Deploy target from SSM');
  });
});

describe('fetch-ssm-target scenarios', () => {
  test('the key file is 0600 during the job, gone after the post step, and never in the log', async () => {
    const result = await scenario();
    expect(result.conclusion).toBe('success');
    expect(step(result, 'ssh').outcome).toBe('success');
    expect(result.log).toContain('remote: deploy');
    const keyPath = step(result, 'target').outputs['key-path']!;
    const knownHostsPath = step(result, 'target').outputs['known-hosts-path']!;
    expect(keyPath.startsWith(result.runnerTemp)).toBe(true);
    expect(step(result, 'target', 'post').outcome).toBe('success');
    expect(existsSync(keyPath)).toBe(false);
    expect(existsSync(knownHostsPath)).toBe(false);
    for (const line of keyLines()) expect(result.log).not.toContain(line);
    expect(readFileSync(result.logPath, 'utf8')).not.toContain(keyLines()[0]!);
  });

  test('a wrong host key is refused by ssh, and the key file is still removed', async () => {
    const other = mkdtempSync(join(tmpdir(), 'other-host-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(other, 'k')]);
    const wrong = readFileSync(join(other, 'k.pub'), 'utf8');
    await admin().ssm.put('us-east-1', [
      { Name: '/sample/test/wrong-host-key', Value: `[127.0.0.1]:${stack().ssh.port} ${wrong}` },
    ]);
    const result = await scenario({ HOST_KEY_PARAMETER: '/sample/test/wrong-host-key' });
    expect(step(result, 'target').outcome).toBe('success');
    expect(step(result, 'ssh').outcome).toBe('failure');
    expect(result.conclusion).toBe('failure');
    expect(result.log).toMatch(/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/);
    expect(result.log).not.toContain('remote: deploy');
    expect(existsSync(step(result, 'target').outputs['key-path']!)).toBe(false);
  });

  test('every missing parameter is named, and the step fails before writing anything', async () => {
    const result = await scenario({
      HOST_KEY_PARAMETER: '/sample/prod/no-such-host-key',
      EXTRA_PARAMETERS: 'db=/sample/prod/no-such-db',
    });
    expect(step(result, 'target').outcome).toBe('failure');
    expect(result.log).toContain(
      'Missing SSM parameters in us-east-1: /sample/prod/no-such-host-key (host key), /sample/prod/no-such-db (db).',
    );
    expect(step(result, 'ssh').outcome).toBe('skipped');
    expect(readdirRunnerTemp(result.runnerTemp)).toEqual([]);
  });

  test('an optional parameter may be missing: its output is empty', async () => {
    const result = await scenario({
      EXTRA_PARAMETERS: 'ssh-port=/sample/prod/ssh-port\nfeature-flag=/sample/prod/no-such-flag',
      OPTIONAL_PARAMETERS: 'feature-flag',
    });
    expect(result.conclusion).toBe('success');
    expect(step(result, 'target').outputs['feature-flag']).toBe('');
    expect(result.log).toContain(
      'Optional parameter /sample/prod/no-such-flag (feature-flag) does not exist',
    );
  });

  test('a forbidden parameter fails with access denied naming it and the region', async () => {
    await admin().forbid({ names: ['/sample/prod/ssh-private-key'], service: 'ssm' });
    const result = await scenario();
    expect(step(result, 'target').outcome).toBe('failure');
    expect(result.log).toMatch(
      /Access denied reading SSM parameters .*\/sample\/prod\/ssh-private-key.* in us-east-1/,
    );
    expect(result.log).toContain("Check the role's IAM policy");
  });

  test('25 extra parameters cost 3 GetParameters calls, each SecureString masked', async () => {
    const names = Array.from({ length: 25 }, (_, i) => `/sample/test/bulk/p${i}`);
    await admin().ssm.put(
      'us-east-1',
      names.map((Name, i) => ({ Name, Value: `bulk-secret-value-${i}`, Type: 'SecureString' })),
    );
    await admin().clearCalls();
    const extra = [...names.map((n, i) => `p${i}=${n}`), 'ssh-port=/sample/prod/ssh-port'];
    const result = await scenario({ EXTRA_PARAMETERS: extra.join('\n') });
    expect(result.conclusion).toBe('success');
    const calls = await admin().calls({ service: 'ssm', operation: 'GetParameters' });
    // 25 extra + ssh-port + host, user, key, host key = 30 names -> 3 calls.
    expect(calls).toHaveLength(3);
    expect(step(result, 'target').outputs.p7).toBe('bulk-secret-value-7');
    expect(result.log).not.toContain('bulk-secret-value-');
  });

  test('throttling beyond the SDK retries fails with a clear message', async () => {
    await admin().addFault({
      service: 'ssm',
      operation: 'GetParameters',
      code: 'ThrottlingException',
      always: true,
    });
    const result = await scenario();
    expect(step(result, 'target').outcome).toBe('failure');
    expect(result.log).toMatch(
      /AWS throttled reading SSM parameters .* in us-east-1 after 5 attempts \(ThrottlingException\)/,
    );
  });

  test('a wrong region says to check aws-region', async () => {
    const result = await scenario({ REGION: 'eu-west-1' });
    expect(step(result, 'target').outcome).toBe('failure');
    expect(result.log).toContain(
      'None of the 5 parameters exist in eu-west-1: check that aws-region is the region that holds them',
    );
  });

  test('a private key parameter holding a public key fails without echoing it', async () => {
    const pub = readFileSync(`${stack().ssh.privateKeyPath}.pub`, 'utf8');
    await admin().ssm.put('us-east-1', [
      { Name: '/sample/test/public-key', Value: pub, Type: 'SecureString' },
    ]);
    const result = await scenario({ KEY_PARAMETER: '/sample/test/public-key' });
    expect(step(result, 'target').outcome).toBe('failure');
    expect(result.log).toContain(
      'The parameter /sample/test/public-key (private-key-parameter) holds a public key, not a private key.',
    );
    expect(result.log).not.toContain(pub.split(' ')[1]!);
  });

  test.each([
    [{ HOST_PARAMETER: 'not a name!' }, "Input 'host-parameter': invalid value 'not a name!'"],
    [
      { EXTRA_PARAMETERS: 'host=/sample/prod/ssh-host' },
      "Input 'parameters': the name 'host' is an output this action already sets",
    ],
    [{ REGION: 'mars-1' }, "Input 'aws-region': invalid region 'mars-1'"],
  ])('bad input %p fails naming the input, before any AWS call', async (vars, message) => {
    const result = await scenario(vars);
    expect(step(result, 'target').outcome).toBe('failure');
    expect(result.log).toContain(message);
    expect(await admin().calls({ service: 'ssm' })).toEqual([]);
  });
});

function readdirRunnerTemp(dir: string): string[] {
  return execFileSync('find', [dir, '-name', 'fetch-ssm-target-*']).toString().split('\n').filter(Boolean);
}
