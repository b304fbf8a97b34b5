import { describe, expect, test } from '@jest/globals';
import { cleanText, extractErrors, REDACTED, Redactor, redactSecretPatterns, stripAnsi } from './text.ts';

describe('cleanText', () => {
  test('ANSI (CSI, OSC), CR and the wrapper lines go; the text stays', () => {
    const raw =
      '[command]/home/runner/_temp/x/terraform-bin plan\r\n\u001b[1m  # a.b\u001b[0m will be created\r\n\u001b]8;;http://x\u0007link\u001b]8;;\u0007\n::debug::stdout: a%0Ab\n::set-output name=stdout::x\n::error::Terraform exited with code 1.\n##[group]x\n';
    expect(cleanText(raw)).toBe('  # a.b will be created\nlink');
  });
  test('stripAnsi', () => expect(stripAnsi('\u001b[31;1mred\u001b[0m')).toBe('red'));
});

test('extractErrors: boxed and plain diagnostics', () => {
  const text = [
    '╷',
    '│ Warning: deprecated',
    '╵',
    '╷',
    '│ Error: Invalid value',
    '│ ',
    '│   on main.tf line 3:',
    '╵',
    'Error: old style',
    '',
    '  detail',
    '',
    '',
    'after',
  ].join('\n');
  expect(extractErrors(text)).toEqual([
    'Error: Invalid value\n\n  on main.tf line 3:',
    'Error: old style\n\n  detail',
  ]);
});

describe('redaction', () => {
  test('values marked sensitive, also as escaped inside quoted strings', () => {
    const r = new Redactor(['pa"ss\nword-1']);
    expect(r.value('x = "pa\\"ss\\nword-1"')).toBe(`x = "${REDACTED}"`);
    expect(r.value('pa"ss\nword-1')).toBe(REDACTED);
  });
  test.each([
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----', REDACTED],
    ['key AKIAABCDEFGHIJKLMNOP here', `key ${REDACTED} here`],
    ['ghs_0123456789abcdefghijABCDEFGHIJ0123', REDACTED],
    ['postgres://app:hunter2@db:5432/x', `postgres://app:${REDACTED}@db:5432/x`],
    [
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      REDACTED,
    ],
  ])('secret-looking %p', (text, want) => expect(redactSecretPatterns(text)).toBe(want));
  test('values under secret-looking names in the text plan, whatever the JSON says', () => {
    const r = new Redactor([]);
    const text = [
      '      + password      = "hunter2"',
      '      ~ api_token     = "old" -> "new"',
      '      + db_password   = (sensitive value)',
      '      + token_ttl     = 3600',
      '      + name          = "password"',
    ].join('\n');
    expect(r.text(text).split('\n')).toEqual([
      `      + password      = ${REDACTED}`,
      `      ~ api_token     = ${REDACTED}`,
      '      + db_password   = (sensitive value)',
      '      + token_ttl     = 3600',
      '      + name          = "password"',
    ]);
  });
});
