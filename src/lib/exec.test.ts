import { afterEach, beforeEach, expect, jest, test } from '@jest/globals';
import { CommandError, exec, lastLines } from './exec.ts';

// @actions/core writes `::debug::` commands to stdout: catch them (they are asserted below).
let written: string[] = [];
beforeEach(() => {
  written = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  jest.restoreAllMocks();
});

test('runs argv without a shell and captures output', async () => {
  const out = await exec('printf', ['%s|', 'a b', '$(echo no)']);
  expect(out).toEqual({ exitCode: 0, stdout: 'a b|$(echo no)|', stderr: '' });
  // The command line goes to the debug log only, each argument quoted (% escaped as %25).
  expect(written.join('')).toContain('::debug::exec: "printf" "%25s|" "a b" "$(echo no)"');
});

test('stdin input reaches the command', async () => {
  const out = await exec('cat', [], { input: 'secret-on-stdin' });
  expect(out.stdout).toBe('secret-on-stdin');
  expect(written.join('')).not.toContain('secret-on-stdin');
});

test('a failure carries the exit code and the stderr tail', async () => {
  const script = 'for i in $(seq 1 30); do echo line$i >&2; done; exit 3';
  const error = await exec('bash', ['-c', script]).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CommandError);
  const e = error as CommandError;
  expect(e.exitCode).toBe(3);
  expect(e.message).toMatch(/^bash failed with exit code 3:\nline16\n/);
  expect(e.message).toMatch(/line30$/);
  expect(e.message).not.toContain('line15\n');
});

test('allowFailure returns instead of throwing', async () => {
  expect((await exec('false', [], { allowFailure: true })).exitCode).toBe(1);
});

test('lastLines', () => expect(lastLines('a\nb\nc\n\n', 2)).toBe('b\nc'));
