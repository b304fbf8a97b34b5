import { describe, expect, test } from '@jest/globals';
import { parseInputs } from './inputs.ts';

const base = {
  'host-parameter': '/app/prod/ssh-host',
  'private-key-parameter': '/app/prod/ssh-key',
  user: 'ec2-user',
};
const from = (values: Record<string, string>) => (name: string) =>
  (({ ...base, ...values }) as Record<string, string>)[name] ?? '';

describe('parseInputs', () => {
  test('minimal inputs', () => {
    expect(parseInputs(from({}))).toEqual({
      hostParameter: '/app/prod/ssh-host',
      user: 'ec2-user',
      userParameter: '',
      privateKeyParameter: '/app/prod/ssh-key',
      hostKeyParameter: '',
      extra: [],
      awsRegion: '',
    });
  });

  test('extra parameters become outputs; optional ones by output or parameter name', () => {
    const inputs = parseInputs(
      from({
        parameters: 'db-url=/app/prod/db\nPORT=/app/prod/ssh-port\nflag=/app/prod/flag',
        'optional-parameters': 'port, /app/prod/flag',
      }),
    );
    expect(inputs.extra).toEqual([
      { output: 'db-url', name: '/app/prod/db', optional: false },
      { output: 'PORT', name: '/app/prod/ssh-port', optional: true },
      { output: 'flag', name: '/app/prod/flag', optional: true },
    ]);
  });

  test('user-parameter replaces user', () => {
    expect(parseInputs(from({ 'user-parameter': '/app/prod/user', user: '' })).user).toBe('');
  });

  test.each([
    [{ 'host-parameter': '' }, "Input 'host-parameter': is required"],
    [{ 'private-key-parameter': '' }, "Input 'private-key-parameter': is required"],
    [
      { 'host-parameter': '/a b' },
      "Input 'host-parameter': invalid value '/a b'. Expected an SSM parameter name",
    ],
    [{ 'host-parameter': '/a;rm' }, "Input 'host-parameter': invalid value"],
    [{ user: 'Root User' }, "Input 'user': invalid value 'Root User'. Expected a Linux user name"],
    [{ parameters: 'host=/x' }, "Input 'parameters': the name 'host' is an output this action already sets"],
    [{ parameters: 'KEY-PATH=/x' }, "Input 'parameters': the name 'KEY-PATH'"],
    [{ parameters: 'x=not a name' }, "Input 'parameters': invalid parameter name 'not a name' for 'x'"],
    [
      { parameters: 'x=/a', 'optional-parameters': 'y' },
      "Input 'optional-parameters': 'y' is not one of the names in 'parameters'",
    ],
  ])('%p is refused naming the input', (values, message) => {
    expect(() => parseInputs(from(values))).toThrow(message);
  });
});
