import { afterAll, expect, test } from '@jest/globals';
import { cleanUp, outputLines, run, step } from './helpers.ts';

afterAll(cleanUp);

test('post steps run after a failed step, in reverse order, with STATE_* from the main step', async () => {
  const r = await run('post.yml');
  expect(r.conclusion).toBe('failure');
  expect(r.steps.map((s) => `${s.phase}:${s.name}:${s.outcome}`)).toEqual([
    'main:Run actions/checkout@v4:success',
    'main:Run ./actions/with-post:success',
    'main:Run ./actions/with-post:failure',
    'main:Run ./actions/with-post:skipped',
    'post:Post Run ./actions/with-post:success',
    'post:Post Run ./actions/with-post:success',
  ]);
  expect(step(r, 'b', 'post').name).toBe('Post Run ./actions/with-post');
  const out = outputLines(r);
  expect(out).toContain('##[error]main b failed');
  const postB = out.indexOf('post b cleans res-b');
  const postA = out.indexOf('post a cleans res-a');
  expect(postB).toBeGreaterThan(out.indexOf('main b'));
  expect(postA).toBeGreaterThan(postB);
  expect(out[postB - 1]).toBe('Post job cleanup.');
  expect(out[postA - 1]).toBe('Post job cleanup.');
  expect(r.log).not.toContain('main c');
  expect(r.log).not.toContain('post c');
  expect(r.annotations).toEqual([
    { level: 'error', message: 'main b failed', properties: {}, step: 'Run ./actions/with-post' },
  ]);
});

test('a successful job runs its post steps too', async () => {
  const r = await run('post-if.yml');
  expect(r.conclusion).toBe('success');
  expect(step(r, 'a', 'post').outcome).toBe('success');
  expect(outputLines(r)).toContain('post only cleans res-only');
});

test('action inputs: defaults from action.yml (with expressions), INPUT_ names, unexpected and deprecated inputs', async () => {
  const r = await run('inputs.yml', { secrets: { GITHUB_TOKEN: 'ghs_faketoken1234567890' } });
  expect(r.conclusion).toBe('success');
  const out = outputLines(r);
  expect(out).toEqual(
    expect.arrayContaining([
      'INPUT_AWS-REGION=us-east-2',
      'INPUT_DISPLAY_NAME=shown',
      'INPUT_OLD=legacy',
      'INPUT_SURPRISE=x',
      'INPUT_TOKEN=***',
      "##[warning]Unexpected input(s) 'surprise', valid inputs are ['aws-region', 'token', 'display name', 'needed', 'old']",
      "##[warning]Input 'old' has been deprecated with message: use new instead",
    ]),
  );
  expect(out.some((l) => l.startsWith('##[warning]Input required and not supplied: needed'))).toBe(true);
  expect(out.some((l) => l.startsWith('INPUT_NEEDED'))).toBe(false);
  expect(r.log).not.toContain('ghs_faketoken1234567890');
});

test('a remote action without a stand-in fails the job with a clear message', async () => {
  const r = await run('remote.yml');
  expect(r.conclusion).toBe('failure');
  expect(r.steps.map((s) => s.outcome)).toEqual(['success', 'failure', 'skipped']);
  const error = r.annotations.find((a) => a.level === 'error');
  expect(error?.message).toContain("No stand-in for 'some-org/unknown-action@v3'");
  expect(error?.message).toContain('action-tests/runner/stand-ins/');
  expect(r.runnerErrors).toEqual([]);
});

test('a local action before checkout fails as on GitHub', async () => {
  const r = await run('no-checkout.yml');
  expect(r.conclusion).toBe('failure');
  expect(r.log).toContain('Did you forget to run actions/checkout before running your local action?');
});

test.each([
  ['composite.yml', 'runs.using: composite (composite actions) is not supported'],
  ['old-node.yml', 'runs.using: node16 is not supported (use node24 or node20)'],
  ['with-pre.yml', 'runs.pre (pre: main.mjs) is not supported'],
])('unsupported local action %s: the step fails naming the construct', async (file, message) => {
  const r = await run(`unsupported/${file}`);
  expect(r.conclusion).toBe('failure');
  expect(r.runnerErrors).toHaveLength(1);
  expect(r.runnerErrors[0]).toContain(message);
  expect(r.log).toContain(`##[error]./actions/`);
  expect(outputLines(r)).toContain('still runs');
});
