import {
  InputError,
  type InputSource,
  readBoolean,
  readChoice,
  readNumber,
  readString,
} from '../lib/inputs.ts';
import type { CommentMode, NoChangesMode } from './comment.ts';

export interface Inputs {
  workingDirectory: string;
  planFile: string;
  planJson: string;
  planText: string;
  terraformBinary: string;
  workspace: string;
  label: string;
  githubToken: string;
  comment: CommentMode;
  onNoChanges: NoChangesMode;
  failOnError: boolean;
  maxCommentChars: number;
}

const PATH_EXPECTED = 'a file path relative to working-directory (or absolute), on one line';
const ONE_LINE_PATH = /^[^\n\r\0]+$/;

export function parseInputs(get: InputSource): Inputs {
  const workingDirectory =
    readString(get, 'working-directory', {
      pattern: ONE_LINE_PATH,
      expected: 'a directory path relative to the workspace, e.g. infra',
    }) || '.';
  // The directory goes (URL-encoded) into the comment's marker line, which must survive any cut to
  // max-comment-chars (at least 2,000): with a path of at most 500 encoded characters, the
  // longest workspace (90) and label (100, up to 900 encoded) it stays under 1,600.
  if (encodeURIComponent(workingDirectory).length > 500)
    throw new InputError(
      'working-directory',
      'is too long. Expected a directory path of at most 500 characters (URL-encoded), e.g. infra.',
    );
  const planFile = readString(get, 'plan-file', { pattern: ONE_LINE_PATH, expected: PATH_EXPECTED });
  const planJson = readString(get, 'plan-json', { pattern: ONE_LINE_PATH, expected: PATH_EXPECTED });
  const planText = readString(get, 'plan-text', { pattern: ONE_LINE_PATH, expected: PATH_EXPECTED });
  if (planFile && planJson)
    throw new InputError(
      'plan-json',
      "give either plan-file (a binary plan from 'terraform plan -out') or plan-json (the output of 'terraform show -json'), not both.",
    );
  if (planText && !planJson)
    throw new InputError(
      'plan-text',
      'is only read together with plan-json (with plan-file the text comes from terraform show). Expected plan-json to be set too.',
    );
  const terraformBinary =
    readString(get, 'terraform-binary', {
      pattern: /^[A-Za-z0-9._/+-]+$/,
      expected: "a program name or path such as terraform or tofu (letters, digits, '.', '_', '-', '/')",
    }) || 'terraform';
  const workspace = readString(get, 'workspace', {
    pattern: /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,89}$/,
    expected: 'a Terraform workspace name (letters, digits, _, - and ., at most 90 characters), e.g. staging',
  });
  const label = readString(get, 'label', {
    pattern: /^[^\n\r]{1,100}$/,
    expected: 'one line of at most 100 characters',
  });
  const githubToken = get('github-token').trim();
  const comment = readChoice<CommentMode>(get, 'comment', ['update', 'recreate', 'new', 'off'], 'update');
  const onNoChanges = readChoice<NoChangesMode>(
    get,
    'on-no-changes',
    ['comment', 'update-existing', 'skip'],
    'comment',
  );
  const failOnError = readBoolean(get, 'fail-on-error', true);
  const maxCommentChars = readNumber(get, 'max-comment-chars', 65_000, {
    min: 2_000,
    max: 65_536,
    unit: "GitHub's limit for a comment is 65,536 characters",
  });
  // Never quoted back: a token must not reach the log, even a malformed one.
  if (githubToken && !/^[A-Za-z0-9_.-]+$/.test(githubToken))
    throw new InputError(
      'github-token',
      'does not look like a GitHub token (it holds characters such as spaces, $ or braces that tokens never have; was the expression left unevaluated?). Expected the job token (the default) or a secret such as ${{ secrets.PLAN_COMMENT_TOKEN }}.',
    );
  if (comment !== 'off' && !githubToken)
    throw new InputError(
      'github-token',
      "is empty. Expected a token that may write pull request comments (the default is the job's GITHUB_TOKEN), or set comment: off.",
    );
  return Object.freeze({
    workingDirectory,
    planFile,
    planJson,
    planText,
    terraformBinary,
    workspace,
    label,
    githubToken,
    comment,
    onNoChanges,
    failOnError,
    maxCommentChars,
  });
}
