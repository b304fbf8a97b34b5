import { describe, expect, test } from '@jest/globals';
import {
  InputError,
  readBoolean,
  readChoice,
  readKeyValueLines,
  readList,
  readNumber,
  readString,
} from './inputs.ts';

const from = (values: Record<string, string>) => (name: string) => values[name] ?? '';

describe('readString', () => {
  test('trims and returns the value', () => {
    expect(readString(from({ a: '  x ' }), 'a')).toBe('x');
  });
  test('required and empty names the input', () => {
    expect(() => readString(from({}), 'host-parameter', { required: true })).toThrow(
      "Input 'host-parameter': is required.",
    );
  });
  test('pattern mismatch names the input and the expected form', () => {
    const call = () =>
      readString(from({ svc: 'a;b' }), 'svc', { pattern: /^[a-z]+$/, expected: 'a unit name' });
    expect(call).toThrow(InputError);
    expect(call).toThrow("Input 'svc': invalid value 'a;b'. Expected a unit name.");
  });
});

describe('readBoolean', () => {
  test.each([
    ['true', true],
    ['False', false],
    ['', true],
    ['yes', true],
    ['0', false],
  ])('%p -> %p', (raw, want) => {
    expect(readBoolean(from({ b: raw }), 'b', true)).toBe(want);
  });
  test('rejects other words', () => {
    expect(() => readBoolean(from({ force: 'maybe' }), 'force', false)).toThrow(
      "Input 'force': invalid value 'maybe'. Expected true or false.",
    );
  });
});

describe('readNumber', () => {
  test('default when empty', () => expect(readNumber(from({}), 'n', 5)).toBe(5));
  test('parses in range', () => expect(readNumber(from({ n: '7' }), 'n', 5, { min: 1, max: 10 })).toBe(7));
  test.each(['0', '11', '1.5', 'abc', '1e3'])('rejects %p', (raw) => {
    expect(() => readNumber(from({ n: raw }), 'n', 5, { min: 1, max: 10 })).toThrow(
      /Input 'n': invalid value .* Expected a whole number >= 1 and <= 10\./,
    );
  });
});

test('readChoice accepts listed values only', () => {
  expect(readChoice(from({ t: 'SSM' }), 't', ['ssh', 'ssm'] as const, 'ssh')).toBe('ssm');
  expect(() => readChoice(from({ t: 'ftp' }), 't', ['ssh', 'ssm'] as const, 'ssh')).toThrow(
    'Expected one of: ssh, ssm.',
  );
});

test('readList drops blanks and comments, splits commas when asked', () => {
  expect(readList(from({ l: 'a\n\n # c\n b ' }), 'l')).toEqual(['a', 'b']);
  expect(readList(from({ l: 'a, b\nc' }), 'l', { commas: true })).toEqual(['a', 'b', 'c']);
});

describe('readKeyValueLines', () => {
  test('parses KEY=VALUE lines, values may hold =', () => {
    expect(readKeyValueLines(from({ p: 'DB=/a/b\nTOKEN = /x=y ' }), 'p')).toEqual([
      { key: 'DB', value: '/a/b' },
      { key: 'TOKEN', value: '/x=y' },
    ]);
  });
  test.each([
    ['no-equals', /invalid line 'no-equals'\. Expected KEY=VALUE/],
    ['=/x', /invalid line '=\/x'/],
    ['1BAD=/x', /invalid name '1BAD'/],
    ['A=', /line 'A=' has no value/],
    ['A=/x\na=/y', /the name 'a' is given twice/],
  ])('rejects %p', (raw, message) => {
    expect(() => readKeyValueLines(from({ parameters: raw }), 'parameters')).toThrow(message);
  });
});
