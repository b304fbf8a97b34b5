import { expect, test } from '@jest/globals';
import { parseKeyValueFile, parsePathFile } from '../file-commands.ts';
import { SecretMasker, parseCommand } from '../log.ts';

test('key=value and heredoc entries, as the runner parses environment files', () => {
  const content = [
    'plain=value with = sign',
    'empty=',
    'json<<EOF',
    '{',
    '  "a": 1',
    '}',
    'EOF',
    'crlf<<END\r',
    'x\r',
    'END\r',
    'trailing<<ghadelimiter_123',
    'last line',
    '',
    'ghadelimiter_123',
    'plain=overridden',
    '',
  ].join('\n');
  expect(parseKeyValueFile(content)).toEqual([
    ['plain', 'value with = sign'],
    ['empty', ''],
    ['json', '{\n  "a": 1\n}'],
    ['crlf', 'x'],
    ['trailing', 'last line\n'],
    ['plain', 'overridden'],
  ]);
});

test('malformed environment files are errors', () => {
  expect(() => parseKeyValueFile('no-separator\n')).toThrow("Invalid format 'no-separator'");
  expect(() => parseKeyValueFile('x<<EOF\nnever closed\n')).toThrow("Matching delimiter not found 'EOF'");
  expect(() => parseKeyValueFile('=value\n')).toThrow('Name must not be empty');
});

test('GITHUB_PATH lines', () => {
  expect(parsePathFile('/a/bin\n\n  /b/bin  \n')).toEqual(['/a/bin', '/b/bin']);
});

test('workflow command parsing with properties and escapes', () => {
  expect(parseCommand('::error file=app.ts,line=3,title=A%2C B%3A C::first%0Asecond %25')).toEqual({
    name: 'error',
    properties: { file: 'app.ts', line: '3', title: 'A, B: C' },
    data: 'first\nsecond %',
  });
  expect(parseCommand('  ::add-mask::value')).toEqual({ name: 'add-mask', properties: {}, data: 'value' });
  expect(parseCommand('echo ::add-mask::value')).toBeUndefined();
  expect(parseCommand('::no-end')).toBeUndefined();
});

test('the masker hides values, each line of multi-line values and encoded forms', () => {
  const m = new SecretMasker();
  m.add('top secret');
  m.add('line-one\nline-two');
  m.add('   ');
  expect(m.mask('a top secret b')).toBe('a *** b');
  expect(m.mask('line-one and line-two')).toBe('*** and ***');
  expect(m.mask(encodeURIComponent('top secret'))).toBe('***');
  expect(m.mask(Buffer.from('top secret').toString('base64'))).toBe('***');
  expect(m.mask('nothing here   ')).toBe('nothing here   ');
  expect(m.matches('x top secret')).toBe(true);
});
