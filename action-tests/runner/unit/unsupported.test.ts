import { afterAll, expect, test } from '@jest/globals';
import { RunnerError } from '../run-job.ts';
import { cleanUp, run } from './helpers.ts';

afterAll(cleanUp);

test.each([
  ['unsupported/matrix.yml', {}, /strategy \(matrix\) is not supported by the local runner/],
  ['unsupported/needs.yml', { jobId: 'deploy' }, /jobs\.deploy\.needs \(build\) is not supported/],
  ['unsupported/services.yml', {}, /jobs\.test\.services is not supported/],
  ['unsupported/container.yml', {}, /jobs\.test\.container is not supported/],
  [
    'unsupported/docker-action.yml',
    {},
    /uses: docker:\/\/alpine:3\.20 \(Docker container actions\) is not supported/,
  ],
  ['unsupported/shell.yml', {}, /shell: pwsh is not supported by the local runner/],
  ['unsupported/reusable.yml', {}, /reusable workflows are not supported/],
  ['unsupported/pull-request-only.yml', {}, /is not triggered by 'push' \(on: pull_request\)/],
  [
    'unsupported/invalid.yml',
    {},
    /Invalid workflow file .*unsupported\/invalid\.yml:\n.*\(Line: 6, Col: 14\): Unrecognized named-value: 'nosuchcontext'/,
  ],
  ['two-jobs.yml', {}, /two-jobs\.yml has 2 jobs \(one, two\): choose one/],
  ['two-jobs.yml', { jobId: 'three' }, /Job 'three' not found in .*two-jobs\.yml; jobs: one, two/],
  ['outputs.yml', { ref: 'refs/heads/feature' }, /does not run on a push to refs\/heads\/feature/],
])('%s is rejected before anything runs', async (file, opts, message) => {
  const attempt = run(file, opts);
  await expect(attempt).rejects.toThrow(RunnerError);
  await expect(attempt).rejects.toThrow(message);
});

test('the chosen job of a multi-job workflow runs', async () => {
  const r = await run('two-jobs.yml', { jobId: 'two' });
  expect(r.conclusion).toBe('success');
  expect(r.log).toContain('\ntwo\n');
  expect(r.log).not.toContain('\none\n');
});
