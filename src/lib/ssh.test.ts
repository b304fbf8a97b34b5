import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { fingerprint, knownHostsLines, normalisePrivateKey, parseHost, parseHostKeys } from './ssh.ts';

const dir = mkdtempSync(join(tmpdir(), 'ssh-test-'));
function keygen(name: string, args: string[]): { priv: string; pub: string } {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-C', 'test', '-f', path, ...args]);
  return { priv: readFileSync(path, 'utf8'), pub: readFileSync(`${path}.pub`, 'utf8') };
}
const ed = keygen('ed', ['-t', 'ed25519', '-N', '']);
const rsaPem = keygen('rsa', ['-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', '']);
const locked = keygen('locked', ['-t', 'ed25519', '-N', 'secret-pass']);
const lockedPem = keygen('lockedpem', ['-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', 'secret-pass']);

describe('normalisePrivateKey', () => {
  test('accepts an OpenSSH key and keeps it byte for byte', () => {
    const out = normalisePrivateKey(ed.priv);
    expect(out).toEqual({ ok: true, key: ed.priv, format: 'OPENSSH PRIVATE KEY' });
  });
  test('CRLF, surrounding blanks and a missing final newline are normalised', () => {
    const mangled = `\r\n  ${ed.priv.trim().replace(/\n/g, '\r\n')}  `;
    const out = normalisePrivateKey(mangled);
    expect(out.ok && out.key).toBe(ed.priv);
  });
  test('a one-line value with \\n escapes is unescaped', () => {
    const out = normalisePrivateKey(ed.priv.trim().replace(/\n/g, '\\n'));
    expect(out.ok && out.key).toBe(ed.priv);
  });
  test('accepts a traditional PEM RSA key', () => {
    expect(normalisePrivateKey(rsaPem.priv).ok).toBe(true);
  });
  test.each([
    ['empty', '  \n', 'empty'],
    ['public key', ed.pub, 'public-key'],
    ['passphrase OpenSSH', locked.priv, 'encrypted'],
    ['passphrase PEM', lockedPem.priv, 'encrypted'],
    ['garbage', 'hunter2', 'unrecognised'],
  ])('refuses %s', (_label, value, problem) => {
    expect(normalisePrivateKey(value)).toEqual({ ok: false, problem });
  });
});

describe('parseHost', () => {
  test.each([
    ['203.0.113.10', '203.0.113.10'],
    [' ec2-3-1-2-3.compute-1.amazonaws.com\n', 'ec2-3-1-2-3.compute-1.amazonaws.com'],
    ['2001:db8::1', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['localhost', 'localhost'],
  ])('%p is a host', (raw, want) => expect(parseHost(raw)).toBe(want));
  test.each([
    '',
    '300.1.1.1',
    'a b',
    'host;rm -rf /',
    '-lead.example.com',
    'x'.repeat(64) + '.com',
    'ssh://h',
  ])('%p is not', (raw) => expect(parseHost(raw)).toBeUndefined());
});

describe('host keys', () => {
  const [type, blob] = ed.pub.trim().split(' ') as [string, string];
  test('parses ssh-keyscan lines, bare keys and comments', () => {
    const keys = parseHostKeys(
      `# 127.0.0.1:22 SSH-2.0-OpenSSH_9.2\n[127.0.0.1]:2222 ${type} ${blob}\n${type} ${blob} comment\n`,
    );
    expect(keys).toEqual([
      { type, blob },
      { type, blob },
    ]);
  });
  test('refuses a line that is not a key, naming the line', () => {
    expect(() => parseHostKeys(`${type} ${blob}\nnot a key`)).toThrow(/line 2 is not a host public key/);
  });
  test('refuses a key whose blob does not match its type', () => {
    expect(() => parseHostKeys(`ssh-rsa ${blob}`)).toThrow(/not a valid ssh-rsa public key/);
  });
  test('known_hosts lines pin the key to the host on every port', () => {
    expect(knownHostsLines('203.0.113.10', [{ type, blob }])).toBe(
      `203.0.113.10,[203.0.113.10]:* ${type} ${blob}\n`,
    );
  });
  test('fingerprint matches ssh-keygen -l', () => {
    const line = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'ed.pub')]).toString();
    expect(line).toContain(fingerprint(blob));
  });
});
