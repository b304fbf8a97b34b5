import { describe, expect, test } from '@jest/globals';
import { parseInputs } from './inputs.ts';
import { commentKey } from './report.ts';

const from = (values: Record<string, string>) => (name: string) => values[name] ?? '';
const base = { 'github-token': 'ghs_abc123' };

test('defaults', () => {
  expect(parseInputs(from(base))).toEqual({
    workingDirectory: '.',
    planFile: '',
    planJson: '',
    planText: '',
    terraformBinary: 'terraform',
    workspace: '',
    label: '',
    githubToken: 'ghs_abc123',
    comment: 'update',
    onNoChanges: 'comment',
    failOnError: true,
    maxCommentChars: 65_000,
  });
});

test('values are read and validated', () => {
  const i = parseInputs(
    from({
      ...base,
      'working-directory': 'infra/prod',
      'plan-json': 'plan.json',
      'plan-text': 'plan.txt',
      'terraform-binary': 'tofu',
      workspace: 'staging',
      label: 'eu-west-1',
      comment: 'recreate',
      'on-no-changes': 'update-existing',
      'fail-on-error': 'false',
      'max-comment-chars': '30000',
    }),
  );
  expect(i).toMatchObject({
    terraformBinary: 'tofu',
    workspace: 'staging',
    comment: 'recreate',
    maxCommentChars: 30_000,
  });
});

describe('bad input names the input and the expected form', () => {
  test.each([
    [{ 'plan-json': 'a.json', 'plan-file': 'p.tfplan' }, "Input 'plan-json': give either plan-file"],
    [{ 'plan-text': 'plan.txt' }, "Input 'plan-text': is only read together with plan-json"],
    [{ 'terraform-binary': 'terraform; rm -rf /' }, "Input 'terraform-binary': invalid value"],
    [
      { workspace: 'prod env' },
      "Input 'workspace': invalid value 'prod env'. Expected a Terraform workspace name",
    ],
    [
      { comment: 'sticky' },
      "Input 'comment': invalid value 'sticky'. Expected one of: update, recreate, new, off.",
    ],
    [
      { 'on-no-changes': 'ignore' },
      "Input 'on-no-changes': invalid value 'ignore'. Expected one of: comment, update-existing, skip.",
    ],
    [
      { 'max-comment-chars': '70000' },
      "Input 'max-comment-chars': invalid value '70000'. Expected a whole number >= 2000 and <= 65536",
    ],
    [{ 'fail-on-error': 'maybe' }, "Input 'fail-on-error': invalid value 'maybe'. Expected true or false."],
    [
      { 'working-directory': 'infra/' + 'é'.repeat(100) },
      "Input 'working-directory': is too long. Expected a directory path of at most 500 characters (URL-encoded)",
    ],
    [{ label: 'a'.repeat(101) }, "Input 'label': invalid value"],
  ])('%p', (values, message) => {
    expect(() => parseInputs(from({ ...base, ...values }))).toThrow(message);
  });
  test('an empty token is refused unless comment is off', () => {
    expect(() => parseInputs(from({}))).toThrow("Input 'github-token': is empty.");
    expect(parseInputs(from({ comment: 'off' })).comment).toBe('off');
  });
  test('a malformed token is refused without being quoted', () => {
    const call = () => parseInputs(from({ 'github-token': '${{ github.token }}' }));
    expect(call).toThrow("Input 'github-token': does not look like a GitHub token");
    expect(call).not.toThrow('github.token }}');
  });
});

test('a working directory outside the workspace is kept absolute, and refused when its marker would be too long', () => {
  const inputs = parseInputs(from({ ...base, label: '€'.repeat(100) }));
  const deps = { env: {}, workspaceRoot: '/home/runner/work/shop/shop' };
  expect(commentKey(inputs, '/srv/infra', deps).directory).toBe('/srv/infra');
  expect(commentKey(inputs, '/home/runner/work/shop/shop/infra/prod', deps).directory).toBe('infra/prod');
  expect(() => commentKey(inputs, `/srv/${'d'.repeat(700)}`, deps)).toThrow(
    "Input 'working-directory': resolves to a path too long to identify the comment (705 characters).",
  );
});
