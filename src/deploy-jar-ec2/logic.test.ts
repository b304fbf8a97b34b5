import { describe, expect, test } from '@jest/globals';
import { outcomeOutputs, toHostResult } from './deploy.ts';
import { LineSplitter, ReportReader } from './protocol.ts';
import { releaseArgs, remoteCommand, shellQuote, ssmCommand } from './script.ts';
import { sshArgs } from './ssh-transport.ts';
import { ulid, ulidTime, ULID_PATTERN } from './ulid.ts';

describe('ulid', () => {
  test('26 Crockford characters, time first', () => {
    const id = ulid(1_469_918_176_385, Buffer.alloc(10));
    expect(id).toBe('01ARYZ6S410000000000000000');
    expect(ULID_PATTERN.test(ulid())).toBe(true);
    expect(ulidTime(id)).toBe(1_469_918_176_385);
  });
  test('sorts by time as plain strings', () => {
    const ids = [5, 1_000, 1_700_000_000_000, 2 ** 48 - 1].map((t) => ulid(t));
    expect([...ids].sort()).toEqual(ids);
  });
  test('random part from the 80 random bits', () => {
    expect(ulid(0, Buffer.alloc(10, 0xff))).toBe('0000000000ZZZZZZZZZZZZZZZZ');
    expect(ulid(0)).not.toBe(ulid(0));
  });
  test('refuses times it cannot encode', () => {
    expect(() => ulid(-1)).toThrow(RangeError);
    expect(() => ulid(2 ** 48)).toThrow(RangeError);
  });
});

const args = {
  appDir: '/opt/app',
  service: 'my-api',
  releaseId: '01ARYZ6S410000000000000000',
  sha256: 'ab'.repeat(32),
  size: 1234,
  healthUrl: 'http://127.0.0.1:8080/health?deep=1&x=2',
  healthTimeout: 60,
  keepReleases: 5,
  force: false,
  lockTimeout: 600,
};

describe('release argv', () => {
  test('ssh: the jar on stdin', () => {
    expect(releaseArgs({ ...args, source: 'stdin' })).toEqual([
      '--app-dir',
      '/opt/app',
      '--service',
      'my-api',
      '--release-id',
      '01ARYZ6S410000000000000000',
      '--sha256',
      'ab'.repeat(32),
      '--size',
      '1234',
      '--health-timeout',
      '60',
      '--keep-releases',
      '5',
      '--force',
      '0',
      '--lock-timeout',
      '600',
      '--log-lines',
      '30',
      '--health-url',
      'http://127.0.0.1:8080/health?deep=1&x=2',
      '--source',
      'stdin',
    ]);
  });
  test('ssm: the URL travels in the environment, never in argv', async () => {
    const url = 'https://b.s3.amazonaws.com/k?X-Amz-Signature=abc&X-Amz-Security-Token=x%2By';
    const out = releaseArgs({ ...args, healthUrl: '', force: true, source: 'url' });
    expect(out).not.toContain('--health-url');
    expect(out.slice(-2)).toEqual(['--source', 'url']);
    expect(out[out.indexOf('--force') + 1]).toBe('1');
    const command = ssmCommand('printf "%s|" "$DEPLOY_JAR_SOURCE_URL" "$@"', ['--source', 'url'], url);
    expect(command.startsWith(`DEPLOY_JAR_SOURCE_URL='${url}' bash -c `)).toBe(true);
    const { execFileSync } = await import('node:child_process');
    expect(execFileSync('sh', ['-c', command]).toString()).toBe(`${url}|--source|url|`);
  });
  test.each([
    ['plain', 'plain'],
    ['a b', "'a b'"],
    ["it's", "'it'\\''s'"],
    ['$(id)', "'$(id)'"],
    ['a&b', "'a&b'"],
    ['', "''"],
  ])('shellQuote %p', (value, want) => expect(shellQuote(value)).toBe(want));
  test('the remote command gives bash the script and each value as one word', async () => {
    const { execFileSync } = await import('node:child_process');
    const command = remoteCommand('printf "<%s>" "$@"', ['a b', "it's", '$(id)', '&']);
    expect(execFileSync('sh', ['-c', command]).toString()).toBe("<a b><it's><$(id)><&>");
  });
});

describe('ssh argv', () => {
  const target = {
    host: '203.0.113.10',
    port: 2222,
    user: 'deploy',
    keyPath: '/k',
    knownHostsPath: '/kh',
    insecure: false,
  };
  test('strict host key checking against the pinned file', () => {
    const out = sshArgs(target);
    expect(out).toEqual(
      expect.arrayContaining([
        '-p',
        '2222',
        '-i',
        '/k',
        'StrictHostKeyChecking=yes',
        'UserKnownHostsFile=/kh',
        'BatchMode=yes',
      ]),
    );
    expect(out.at(-1)).toBe('deploy@203.0.113.10');
  });
  test('insecure only when asked', () => {
    expect(sshArgs({ ...target, knownHostsPath: undefined, insecure: true })).toContain(
      'StrictHostKeyChecking=no',
    );
    expect(() => sshArgs({ ...target, knownHostsPath: undefined })).toThrow('a pinned host key is required');
  });
});

describe('protocol', () => {
  test('marks fold into a report; other lines are shown; the log tail is collected', () => {
    const reader = new ReportReader();
    const split = new LineSplitter();
    const lines = [
      ...split.push('::deploy:: time lock 3\n::deploy:: current 01A\n::deploy:: se'),
      ...split.push('nd 99\nhello\n::deploy:: log-begin /var/log/x.log\n  | boom\n::deploy:: log-end\n'),
      ...split.push('::deploy:: status rolled-back\n::deploy:: error it broke'),
      ...split.end(),
    ];
    const events = lines.map((l) => reader.line(l));
    expect(events.find((e) => e.event === 'send')).toBeDefined();
    expect(reader.report).toMatchObject({
      before: '01A',
      sendSize: 99,
      status: 'rolled-back',
      error: 'it broke',
      phases: [{ name: 'lock', ms: 3 }],
      logTail: { source: '/var/log/x.log', lines: ['boom'] },
    });
    expect(events.some((e) => e.show === 'hello')).toBe(true);
  });

  test('exit codes and reports become results with clear errors', () => {
    const report = { phases: [], pruned: [], waitedForLock: false };
    const killed = toHostResult(
      'h',
      { exitCode: null, signal: 'SIGKILL', report: { ...report, sendSize: 5 }, stderr: '' },
      1,
    );
    expect(killed.error).toBe(
      'h: ssh was stopped by SIGKILL during the upload; nothing was switched on the host.',
    );
    const afterSwitch = toHostResult(
      'h',
      { exitCode: 1, signal: null, report: { ...report, sendSize: 5, switched: 'NEW' }, stderr: '' },
      1,
    );
    expect(afterSwitch.error).toMatch(/after current.jar was switched to release NEW/);
    expect(afterSwitch.error).not.toMatch(/nothing was switched/);
    const hostKey = toHostResult(
      'h',
      { exitCode: 255, signal: null, report, stderr: 'Host key verification failed.' },
      1,
    );
    expect(hostKey.error).toMatch(/host key verification failed: .* Refused before anything was uploaded/);
    // A report cut short (e.g. SSM's 24,000-character stdout) still says rolled back by its exit code.
    const cutShort = toHostResult(
      'i-1',
      { exitCode: 3, signal: null, report: { ...report, cause: 'not healthy', switched: 'NEW' }, stderr: '' },
      1,
    );
    expect(cutShort).toMatchObject({ status: 'rolled-back' });
    expect(cutShort.error).toBe(
      "i-1: the new release failed and was rolled back (exit code 3; the host's report was incomplete: not healthy).",
    );
    const ok = toHostResult(
      'h',
      {
        exitCode: 0,
        signal: null,
        report: { ...report, status: 'unchanged', releaseId: 'R', previousReleaseId: 'P' },
        stderr: '',
      },
      1,
    );
    expect(ok).toMatchObject({ status: 'unchanged', releaseId: 'R' });
    expect(outcomeOutputs({ releaseId: 'NEW', sha256: 's', results: [ok], skipped: [] }, 7)).toEqual({
      'release-id': 'R',
      'previous-release-id': 'P',
      sha256: 's',
      status: 'unchanged',
      'duration-ms': '7',
    });
  });
});
