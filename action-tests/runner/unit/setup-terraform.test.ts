import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { cleanUp, outputLines, run, tempDir } from './helpers.ts';

afterAll(cleanUp);

function stackFile(github?: object): string {
  const file = path.join(tempDir('runner-stack-'), 'stack.json');
  writeFileSync(
    file,
    JSON.stringify({
      region: 'us-east-1',
      accountId: '123456789012',
      credentials: { accessKeyId: 'AKIALOCAL', secretAccessKey: 'local-secret' },
      endpoints: {},
      ...(github ? { github } : {}),
    }),
  );
  return file;
}

const github = {
  serverUrl: 'http://127.0.0.1:9',
  apiUrl: 'http://127.0.0.1:9/api/v3',
  graphqlUrl: 'http://127.0.0.1:9/api/graphql',
  token: 'ghs_stacktoken123',
};

test('setup-terraform with the wrapper: the replaying terraform, its noise, the exit code 2 turned into 0', async () => {
  const r = await run('setup-terraform.yml', {
    eventName: 'pull_request',
    env: { SAMPLE_STACK_FILE: stackFile(github) },
  });
  expect(r.conclusion).toBe('success');
  const out = outputLines(r);
  expect(out).toEqual(
    expect.arrayContaining([
      'api=http://127.0.0.1:9/api/v3 server=http://127.0.0.1:9 graphql=http://127.0.0.1:9/api/graphql token=***',
      'plan-exit=0', // the wrapper hides -detailed-exitcode's 2
      '4', // ::debug:: lines of the wrapper
      '2', // the JSON, and the wrapper's ::debug::stdout echo of it
    ]),
  );
  expect(out.find((l) => l.startsWith('stand-in for hashicorp/setup-terraform@v3'))).toMatch(
    /put a replaying terraform on PATH .*wrapper on.*recorded run 'sample-infra'/,
  );
  expect(r.log).toContain('Error: Failed to read the given file as a state or plan file');
  expect(r.log).not.toContain('ghs_stacktoken123');
});

test('without the wrapper terraform is the replayer itself: no noise, the real exit code', async () => {
  const r = await run('setup-terraform.yml', {
    eventName: 'pull_request',
    env: { SAMPLE_STACK_FILE: stackFile() },
    vars: { WRAPPER: 'false' },
    secrets: { GITHUB_TOKEN: 'ghs_given' },
  });
  expect(r.conclusion).toBe('success');
  const out = outputLines(r);
  expect(out).toEqual(expect.arrayContaining(['plan-exit=2', '0', '1']));
  // No github entry in the stack file: GitHub's own URLs.
  expect(out.find((l) => l.startsWith('api='))).toBe(
    'api=https://api.github.com server=https://github.com graphql=https://api.github.com/graphql token=***',
  );
});

test('a recording that does not exist is a clear error', async () => {
  const r = await run('setup-terraform.yml', {
    eventName: 'pull_request',
    env: { SAMPLE_TERRAFORM_RECORDING: 'no-such-run' },
    vars: { WRAPPER: 'false' },
  });
  expect(r.log).toContain("Error: no recorded run 'no-such-run'");
});
