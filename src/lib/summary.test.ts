import { expect, test } from '@jest/globals';
import { escapeMarkdown, inlineCode, markdownTable } from './summary.ts';

test('escapeMarkdown makes HTML, tables and mentions inert', () => {
  const out = escapeMarkdown('<img src=x onerror=alert(1)> | @octocat *bold*');
  expect(out).not.toMatch(/<img/);
  expect(out).toContain('&lt;img');
  expect(out).toContain('\\|');
  expect(out).not.toContain('@octocat');
  expect(out).toContain('\\*bold\\*');
});

test('inlineCode survives backticks in the value', () => {
  expect(inlineCode('a`b')).toBe('``a`b``');
  expect(inlineCode('`x`')).toBe('`` `x` ``');
  expect(inlineCode('a|b')).toBe('`a\\|b`');
});

test('markdownTable', () => {
  expect(markdownTable(['A', 'B'], [['1', '2']])).toBe('| A | B |\n| --- | --- |\n| 1 | 2 |\n');
});
