import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { MAIN_ROOT, WORKFLOWS, cleanUp, fixtureRepo, tempDir } from './helpers.ts';

afterAll(cleanUp);

function cli(...args: string[]) {
  const res = spawnSync(
    process.execPath,
    ['--import', './action-tests/runner/register.mjs', 'action-tests/runner/cli.ts', ...args],
    { cwd: MAIN_ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
  );
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

test('exit code 0 when the job succeeds; --result writes the JobResult; --echo prints the log', () => {
  const dir = tempDir('runner-cli-');
  const resultFile = path.join(dir, 'result.json');
  const secrets = path.join(dir, 'secrets.json');
  writeFileSync(secrets, JSON.stringify({ API_KEY: 'cli-secret-value-42' }));
  const res = cli(
    '--workflow',
    path.join(WORKFLOWS, 'mask.yml'),
    '--repo-root',
    fixtureRepo(),
    '--work-dir',
    path.join(dir, 'work'),
    '--secrets-file',
    secrets,
    '--result',
    resultFile,
    '--echo',
  );
  expect(res.code).toBe(0);
  const result = JSON.parse(readFileSync(resultFile, 'utf8')) as {
    conclusion: string;
    logPath: string;
    log: string;
  };
  expect(result.conclusion).toBe('success');
  expect(result.logPath).toBe(path.join(dir, 'work', 'job.log'));
  expect(res.stdout).toBe(result.log);
  expect(res.stdout).toContain('key=*** from-env=*** inline=***');
  expect(res.stdout + res.stderr + readFileSync(resultFile, 'utf8')).not.toContain('cli-secret-value-42');
});

test('exit code 1 when the job fails', () => {
  const dir = tempDir('runner-cli-');
  const res = cli(
    '--workflow',
    path.join(WORKFLOWS, 'conditions.yml'),
    '--repo-root',
    fixtureRepo(),
    '--work-dir',
    dir,
  );
  expect(res.code).toBe(1);
  expect(res.stderr).toContain('local runner: job failure; log: ');
});

test('exit code 2 on unsupported syntax, with the message; also for unsupported actions met while running', () => {
  const dir = tempDir('runner-cli-');
  const resultFile = path.join(dir, 'result.json');
  const matrix = cli(
    '--workflow',
    path.join(WORKFLOWS, 'unsupported/matrix.yml'),
    '--work-dir',
    path.join(dir, 'a'),
    '--result',
    resultFile,
  );
  expect(matrix.code).toBe(2);
  expect(matrix.stderr).toContain('strategy (matrix) is not supported by the local runner');
  expect(JSON.parse(readFileSync(resultFile, 'utf8'))).toEqual({
    runnerError: expect.stringContaining('matrix'),
  });

  const composite = cli(
    '--workflow',
    path.join(WORKFLOWS, 'unsupported/composite.yml'),
    '--repo-root',
    fixtureRepo(),
    '--work-dir',
    path.join(dir, 'b'),
  );
  expect(composite.code).toBe(2);
  expect(composite.stderr).toContain('composite actions) is not supported');
});

test('exit code 2 on bad arguments; the env, vars and event payload files are used', () => {
  expect(cli('--no-such-flag').code).toBe(2);
  expect(cli('--event', 'push').stderr).toContain('--workflow is required');
  const dir = tempDir('runner-cli-');
  const workflow = path.join(dir, 'wf.yml');
  writeFileSync(
    workflow,
    'on: pull_request\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "machine=$MACHINE_VAR var=${{ vars.COLOR }} pr=${{ github.event.number }}"\n',
  );
  writeFileSync(path.join(dir, 'env.json'), JSON.stringify({ MACHINE_VAR: 'from-env-file' }));
  writeFileSync(path.join(dir, 'vars.json'), JSON.stringify({ COLOR: 'blue' }));
  writeFileSync(path.join(dir, 'payload.json'), JSON.stringify({ number: 99 }));
  const res = cli(
    '--workflow',
    workflow,
    '--event',
    'pull_request',
    '--repo-root',
    fixtureRepo(),
    '--work-dir',
    path.join(dir, 'w'),
    '--env-file',
    path.join(dir, 'env.json'),
    '--vars-file',
    path.join(dir, 'vars.json'),
    '--event-payload',
    path.join(dir, 'payload.json'),
    '--echo',
  );
  expect(res.code).toBe(0);
  expect(res.stdout).toContain('\nmachine=from-env-file var=blue pr=99\n');
});
