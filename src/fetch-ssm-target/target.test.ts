import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { recordingLogger } from '../lib/log.ts';
import { UserError } from '../lib/errors.ts';
import { parseInputs } from './inputs.ts';
import type { GetParametersBatch } from './parameters.ts';
import { fetchTarget } from './target.ts';

const dir = mkdtempSync(join(tmpdir(), 'target-test-'));
execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 't', '-f', join(dir, 'k')]);
const privateKey = readFileSync(join(dir, 'k'), 'utf8');
const publicKey = readFileSync(join(dir, 'k.pub'), 'utf8').trim();

const store: Record<string, { type: string; value: string }> = {
  '/app/host': { type: 'String', value: ' 203.0.113.10\n' },
  '/app/key': { type: 'SecureString', value: privateKey.replace(/\n/g, '\r\n') },
  '/app/user': { type: 'String', value: 'deploy' },
  '/app/hostkey': { type: 'String', value: `203.0.113.10 ${publicKey}\n` },
  '/app/db': { type: 'SecureString', value: 'postgres://secret' },
  '/app/port': { type: 'String', value: '2222' },
};

function deps(overrides: Record<string, { type: string; value: string } | undefined> = {}) {
  const data = { ...store, ...overrides };
  const logger = recordingLogger();
  const written: Array<{ key: string; knownHosts?: string }> = [];
  const getBatch: GetParametersBatch = async (names) => ({
    parameters: names.filter((n) => data[n]).map((n) => ({ name: n, ...data[n]!, version: 3 })),
    invalid: names.filter((n) => !data[n]),
  });
  return {
    logger,
    written,
    deps: {
      getBatch,
      logger,
      region: 'us-east-1',
      writeFiles: async (files: { key: string; knownHosts?: string }) => {
        written.push(files);
        return {
          keyPath: '/tmp/x/id_deploy',
          knownHostsPath: files.knownHosts ? '/tmp/x/known_hosts' : undefined,
        };
      },
    },
  };
}

const inputs = (values: Record<string, string> = {}) =>
  parseInputs(
    (name) =>
      ({
        'host-parameter': '/app/host',
        'private-key-parameter': '/app/key',
        user: 'ec2-user',
        ...values,
      })[name] ?? '',
  );

describe('fetchTarget', () => {
  test('full target: outputs, normalised key, known_hosts, extras, masking', async () => {
    const d = deps();
    const result = await fetchTarget(
      inputs({
        'user-parameter': '/app/user',
        'host-key-parameter': '/app/hostkey',
        parameters: 'db-url=/app/db\nport=/app/port',
      }),
      d.deps,
    );
    expect(result.outputs).toEqual({
      host: '203.0.113.10',
      user: 'deploy',
      'key-path': '/tmp/x/id_deploy',
      'known-hosts-path': '/tmp/x/known_hosts',
      'db-url': 'postgres://secret',
      port: '2222',
    });
    expect(d.written[0]!.key).toBe(privateKey);
    expect(d.written[0]!.knownHosts).toBe(
      `203.0.113.10,[203.0.113.10]:* ${publicKey.split(' ').slice(0, 2).join(' ')}\n`,
    );
    expect(d.logger.masked).toEqual(
      expect.arrayContaining([store['/app/key']!.value, privateKey, 'postgres://secret']),
    );
    expect(d.logger.masked).not.toContain('203.0.113.10');
    expect(result.calls).toBe(1);
    expect(result.hostKeyFingerprints[0]).toMatch(/^ssh-ed25519 SHA256:/);
  });

  test('without a host key no known_hosts is written', async () => {
    const d = deps();
    const result = await fetchTarget(inputs(), d.deps);
    expect(result.outputs['known-hosts-path']).toBe('');
    expect(d.written[0]!.knownHosts).toBeUndefined();
  });

  test('every missing name is listed; optional ones are not', async () => {
    const d = deps();
    const call = fetchTarget(
      inputs({
        'host-key-parameter': '/app/nohostkey',
        parameters: 'a=/app/missing-a\nb=/app/missing-b',
        'optional-parameters': 'b',
      }),
      d.deps,
    );
    await expect(call).rejects.toThrow(UserError);
    await expect(call).rejects.toThrow(
      'Missing SSM parameters in us-east-1: /app/nohostkey (host key), /app/missing-a (a).',
    );
    expect(d.written).toEqual([]);
  });

  test('optional missing parameter gives an empty output', async () => {
    const d = deps();
    const result = await fetchTarget(
      inputs({ parameters: 'b=/app/missing-b', 'optional-parameters': 'b' }),
      d.deps,
    );
    expect(result.outputs.b).toBe('');
  });

  test('all missing hints at the region', async () => {
    const d = deps({ '/app/host': undefined, '/app/key': undefined });
    await expect(fetchTarget(inputs(), d.deps)).rejects.toThrow(
      /None of the 2 parameters exist in us-east-1: check that aws-region/,
    );
  });

  test.each([
    ['a public key', publicKey, 'holds a public key'],
    ['empty', '   ', 'is empty'],
    ['not a key', 'hunter2-hunter2', 'does not hold a PEM or OpenSSH private key'],
  ])('private key holding %s fails without echoing it', async (_label, value, message) => {
    const d = deps({ '/app/key': { type: 'SecureString', value } });
    const error = (await fetchTarget(inputs(), d.deps).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain(`The parameter /app/key (private-key-parameter) ${message}`);
    if (value.trim()) expect(error.message).not.toContain(value.trim().slice(0, 20));
    expect(d.written).toEqual([]);
  });

  test('a key stored as a plain String is masked and warned about', async () => {
    const d = deps({ '/app/key': { type: 'String', value: privateKey } });
    await fetchTarget(inputs(), d.deps);
    expect(d.logger.masked).toContain(privateKey);
    expect(d.logger.lines.some((l) => l.startsWith('warning:') && l.includes('SecureString'))).toBe(true);
  });

  test.each([
    ['/app/host', { type: 'String', value: 'not a host!' }, 'does not hold a host'],
    ['/app/user', { type: 'String', value: 'Root;' }, 'does not hold a user name'],
    ['/app/hostkey', { type: 'String', value: 'garbage' }, 'line 1 is not a host public key'],
  ])('bad value in %s is refused', async (name, value, message) => {
    const d = deps({ [name]: value });
    await expect(
      fetchTarget(inputs({ 'user-parameter': '/app/user', 'host-key-parameter': '/app/hostkey' }), d.deps),
    ).rejects.toThrow(message);
    expect(d.written).toEqual([]);
  });
});
