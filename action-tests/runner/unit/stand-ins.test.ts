import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { cleanUp, makeRepo, outputLines, run, step, tempDir } from './helpers.ts';

afterAll(cleanUp);

function stackFile(): string {
  const file = path.join(tempDir('runner-stack-'), 'stack.json');
  writeFileSync(
    file,
    JSON.stringify({
      region: 'us-east-1',
      accountId: '123456789012',
      credentials: {
        accessKeyId: 'AKIALOCALSTACK0001',
        secretAccessKey: 'local-secret-key-0123456789',
        sessionToken: 'local-session-token-abcdef',
      },
      endpoints: { ssm: 'http://127.0.0.1:4583', s3: 'http://127.0.0.1:4572' },
    }),
  );
  return file;
}

test('configure-aws-credentials with id-token: write exports the sample stack credentials, masked', async () => {
  const r = await run('aws.yml', { env: { SAMPLE_STACK_FILE: stackFile() } });
  expect(r.conclusion).toBe('success');
  expect(step(r, 'creds').outputs).toEqual({ 'aws-account-id': '123456789012' });
  const out = outputLines(r);
  expect(out).toEqual(
    expect.arrayContaining([
      'account=123456789012',
      'region=eu-central-1 default=eu-central-1',
      'ssm=http://127.0.0.1:4583 s3=http://127.0.0.1:4572',
      'key-id=AKIALOCALSTACK0001',
      'secret=*** token=***',
      'oidc=set runtime=',
    ]),
  );
  expect(
    out.find((l) => l.startsWith('stand-in for aws-actions/configure-aws-credentials@v4: assumed')),
  ).toContain('arn:aws:iam::123456789012:role/deploy');
  expect(r.log).not.toContain('local-secret-key-0123456789');
  expect(r.log).not.toContain('local-session-token-abcdef');
  expect(r.log).toContain('  AWS_SECRET_ACCESS_KEY: ***');
  expect(r.log).toContain('environment: production (accepted;');
  expect(r.log).toContain('concurrency: deploy-refs/heads/main (accepted;');
});

test('configure-aws-credentials without id-token: write fails like the real action', async () => {
  const r = await run('aws-no-id-token.yml', { env: { SAMPLE_STACK_FILE: stackFile() } });
  expect(r.conclusion).toBe('failure');
  expect(step(r, 'creds').outcome).toBe('failure');
  const error = r.annotations.find((a) => a.level === 'error')?.message ?? '';
  expect(error).toContain('ACTIONS_ID_TOKEN_REQUEST_URL');
  expect(error).toContain('id-token: write');
  expect(outputLines(r)).not.toContain('account=123456789012');
});

test('job-level permissions replace the workflow-level ones (no id-token here)', async () => {
  const r = await run('aws-job-perms.yml', { env: { SAMPLE_STACK_FILE: stackFile() } });
  expect(r.conclusion).toBe('failure');
  expect(r.log).toContain('GITHUB_TOKEN permissions: contents: read');
  expect(r.annotations.find((a) => a.level === 'error')?.message).toContain('ACTIONS_ID_TOKEN_REQUEST_URL');
});

test('configure-aws-credentials requires role-to-assume and SAMPLE_STACK_FILE', async () => {
  const noRole = await run('aws-no-role.yml', { env: { SAMPLE_STACK_FILE: stackFile() } });
  expect(noRole.conclusion).toBe('failure');
  expect(noRole.annotations[0]?.message).toContain('Input required and not supplied: role-to-assume');
  const noStack = await run('aws.yml');
  expect(noStack.conclusion).toBe('failure');
  expect(noStack.annotations[0]?.message).toContain('SAMPLE_STACK_FILE is not set');
});

test('checkout copies the working tree as git sees it: uncommitted and untracked files, not ignored or deleted ones', async () => {
  const repo = makeRepo();
  writeFileSync(path.join(repo, 'README.md'), '# Edited, not committed\n');
  writeFileSync(path.join(repo, 'untracked.txt'), 'new file\n');
  writeFileSync(path.join(repo, 'ignored.txt'), 'ignored\n');
  mkdirSync(path.join(repo, 'node_modules', 'pkg'), { recursive: true });
  writeFileSync(path.join(repo, 'node_modules', 'pkg', 'index.js'), '');
  rmSync(path.join(repo, 'actions', 'composite', 'action.yml'));
  writeFileSync(path.join(repo, 'run.sh'), '#!/bin/sh\necho run\n', { mode: 0o755 });
  symlinkSync('README.md', path.join(repo, 'link.md'));
  // An earlier run's workDir inside the repository (untracked, not ignored) is not copied.
  mkdirSync(path.join(repo, '.logs', 'earlier', 'work'), { recursive: true });
  writeFileSync(path.join(repo, '.logs', 'earlier', '.local-runner-workdir'), '');
  writeFileSync(path.join(repo, '.logs', 'earlier', 'work', 'copy.txt'), '');

  const r = await run('checkout.yml', { repoRoot: repo, workDir: path.join(repo, '.logs', 'current') });
  expect(r.conclusion).toBe('success');
  const ws = r.workspace;
  expect(readFileSync(path.join(ws, 'README.md'), 'utf8')).toBe('# Edited, not committed\n');
  expect(readFileSync(path.join(ws, 'untracked.txt'), 'utf8')).toBe('new file\n');
  expect(existsSync(path.join(ws, 'ignored.txt'))).toBe(false);
  expect(existsSync(path.join(ws, 'node_modules'))).toBe(false);
  expect(existsSync(path.join(ws, 'actions', 'composite', 'action.yml'))).toBe(false);
  expect(existsSync(path.join(ws, 'actions', 'outputs', 'main.mjs'))).toBe(true);
  expect(statSync(path.join(ws, 'run.sh')).mode & 0o111).not.toBe(0);
  expect(lstatSync(path.join(ws, 'link.md')).isSymbolicLink()).toBe(true);
  expect(readlinkSync(path.join(ws, 'link.md'))).toBe('README.md');
  expect(existsSync(path.join(ws, '.git'))).toBe(false);
  expect(existsSync(path.join(ws, '.logs'))).toBe(false);
  expect(r.annotations.filter((a) => a.level === 'warning').map((a) => a.message)).toEqual([
    expect.stringContaining('Skipped 2 local-runner work folder(s)'),
    expect.stringContaining('Skipped 2 local-runner work folder(s)'),
  ]);
  // The `path` input.
  expect(readFileSync(path.join(ws, 'nested', 'copy', 'untracked.txt'), 'utf8')).toBe('new file\n');
  expect(step(r, '__actions_checkout').outputs.commit).toMatch(/^[0-9a-f]{40}$/);
  expect(outputLines(r)).toContain('./untracked.txt');
});

test('checkout fails clearly when repoRoot is not a git working tree', async () => {
  const notRepo = tempDir('runner-not-repo-');
  writeFileSync(path.join(notRepo, 'file.txt'), 'x');
  const r = await run('checkout.yml', { repoRoot: notRepo });
  expect(r.conclusion).toBe('failure');
  expect(r.annotations[0]?.message).toContain('is not a git working tree');
});
