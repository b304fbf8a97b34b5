import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { UserError } from '../lib/errors.ts';
import type { ExecResult } from '../lib/exec.ts';
import { recordingLogger } from '../lib/log.ts';
import type { Inputs } from './inputs.ts';
import {
  buildPushImage,
  plainText,
  pushedTags,
  type DockerCli,
  type EcrApi,
  type PushedTag,
  type Report,
} from './pipeline.ts';

const DIGEST = `sha256:${'d'.repeat(64)}`;
const PASSWORD = 'secret-registry-password';
const inputs: Inputs = {
  context: '/w/ai',
  dockerfile: '/w/ai/Dockerfile',
  target: '',
  stageLabel: 'runtime',
  baseImage: 'python:3.11-slim',
  repository: 'shop/ai',
  registry: { kind: 'default' },
  createRepository: false,
  tags: ['abc', 'main'],
  buildArgs: [],
  labels: [],
  push: true,
  builder: 'auto',
  cacheFrom: [],
  cacheTo: [],
  platform: '',
  provenance: false,
  maxImageSizeMb: undefined,
  cpuOnly: 'warn',
  awsRegion: '',
};

interface Fake {
  calls: string[][];
  envs: Array<Record<string, string>>;
  stdin: string[];
  repoExists: boolean;
  created: string[];
  pushFailsAt?: string;
  loginFails?: boolean;
  registry: Map<string, PushedTag>;
}

function setup(overrides: Partial<Fake> = {}) {
  const temp = mkdtempSync(join(tmpdir(), 'bpai-pipeline-'));
  const fake: Fake = {
    calls: [],
    envs: [],
    stdin: [],
    repoExists: true,
    created: [],
    registry: new Map(),
    ...overrides,
  };
  const ok = (stdout = ''): ExecResult => ({ exitCode: 0, stdout, stderr: '' });
  const docker: DockerCli = {
    async run(args, options = {}) {
      fake.calls.push([...args]);
      fake.envs.push({ ...options.env });
      if (options.input) fake.stdin.push(options.input);
      switch (args[0]) {
        case 'version':
          return ok('20.10.24');
        case 'buildx':
          return { exitCode: 1, stdout: '', stderr: "docker: 'buildx' is not a docker command." };
        case 'login':
          return fake.loginFails
            ? {
                exitCode: 1,
                stdout: '',
                stderr: 'Error response from daemon: unauthorized: authentication required',
              }
            : ok('Login Succeeded');
        case 'build': {
          writeFileSync(args[args.indexOf('--iidfile') + 1]!, 'sha256:1234');
          return ok('Step 1/2 : FROM x\n ---> 1\nStep 2/2 : RUN make\n ---> Running in 2\n');
        }
        case 'image':
          return ok('160000000\n');
        case 'history':
          return ok(
            [
              JSON.stringify({ ID: 'a', CreatedBy: '/bin/sh -c make', Size: '30000000' }),
              JSON.stringify({ ID: 'b', CreatedBy: '', Size: '130000000', Comment: 'Imported from -' }),
            ].join('\n'),
          );
        case 'push': {
          const tag = args[1]!.split(':').at(-1)!;
          if (fake.pushFailsAt === tag) return { exitCode: 1, stdout: '', stderr: 'blob upload unknown' };
          fake.registry.set(tag, { digest: DIGEST, sizeBytes: 50_000_000 });
          return ok(`abcdefabcdef: Pushed\n${tag}: digest: ${DIGEST} size: 944\n`);
        }
      }
      throw new Error(`unexpected docker ${args.join(' ')}`);
    },
    async *exportFilesystem() {
      yield* [];
    },
  };
  const ecr: EcrApi = {
    authorize: async () => ({
      token: Buffer.from(`AWS:${PASSWORD}`).toString('base64'),
      proxyEndpoint: 'https://123456789012.dkr.ecr.us-east-1.amazonaws.com',
    }),
    repositoryExists: async () => fake.repoExists,
    createRepository: async (name) => {
      fake.created.push(name);
    },
    describeTags: async (_name, tags) =>
      new Map(tags.filter((t) => fake.registry.has(t)).map((t) => [t, fake.registry.get(t)!])),
  };
  const logger = recordingLogger();
  const state = new Map<string, string>();
  const report: Report = { repository: inputs.repository, refs: [], baseImage: inputs.baseImage, pushed: [] };
  const original = join(temp, 'home-docker');
  const deps = {
    docker,
    originalDockerConfig: original,
    buildxEnv: { BUILDX_CONFIG: join(original, 'buildx') },
    ecr,
    logger,
    state: { save: (n: string, v: string) => void state.set(n, v), get: (n: string) => state.get(n) ?? '' },
    secretDir: async () => join(temp, 'docker-config'),
    tempDir: temp,
    region: 'us-east-1',
  };
  return { fake, deps, logger, state, report };
}

const pushes = (fake: Fake) => fake.calls.filter((c) => c[0] === 'push');

describe('buildPushImage', () => {
  test('logs in with the password on stdin, builds classic, pushes each tag, verifies the digest', async () => {
    const { fake, deps, logger, state, report } = setup();
    await buildPushImage(inputs, deps, report);
    const host = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
    expect(fake.calls.find((c) => c[0] === 'login')).toEqual([
      'login',
      '--username',
      'AWS',
      '--password-stdin',
      host,
    ]);
    expect(fake.stdin).toEqual([PASSWORD]);
    expect(fake.calls.flat().join(' ')).not.toContain(PASSWORD);
    expect(logger.masked).toContain(PASSWORD);
    expect(state.get('registry')).toBe(host);
    expect(report.builder).toBe('docker');
    expect(pushes(fake).map((c) => c[1])).toEqual([`${host}/shop/ai:abc`, `${host}/shop/ai:main`]);
    expect(report).toMatchObject({
      digest: DIGEST,
      compressedSizeBytes: 50_000_000,
      sizeBytes: 160_000_000,
      layersPushed: 2,
    });
    expect(report.build).toEqual({ steps: 1, cached: 0, rebuilt: ['RUN make'] });
  });

  test('every docker command sees the original buildx state; the login goes to a new config', async () => {
    const { fake, deps, report } = setup();
    await buildPushImage(inputs, deps, report);
    const original = deps.originalDockerConfig;
    const configDir = join(deps.tempDir, 'docker-config');
    expect(fake.calls.map((c) => c[0])).toEqual([
      'version',
      'buildx',
      'login',
      'build',
      'image',
      'history',
      'push',
      'push',
    ]);
    for (const env of fake.envs) expect(env.BUILDX_CONFIG).toBe(join(original, 'buildx'));
    expect(fake.envs.map((e) => e.DOCKER_CONFIG)).toEqual([
      undefined,
      undefined,
      ...Array<string>(6).fill(configDir),
    ]);
    expect(JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8'))).toEqual({
      cliPluginsExtraDirs: [join(original, 'cli-plugins')],
    });
    expect(existsSync(original)).toBe(false);
  });

  test('over budget: fails before any push, naming the overrun', async () => {
    const { fake, deps, report } = setup();
    const error = await buildPushImage({ ...inputs, maxImageSizeMb: 100 }, deps, report).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(
      /^The image is 160\.0 MB, 60\.0 MB \(60\.0%\) over .* budget of 100 MB/,
    );
    expect(pushes(fake)).toEqual([]);
    expect(report.budget).toEqual({ maxMb: 100, over: true });
  });

  test('a missing repository without create-repository fails before the build', async () => {
    const { fake, deps, report } = setup({ repoExists: false });
    await expect(buildPushImage(inputs, deps, report)).rejects.toThrow(
      "The ECR repository 'shop/ai' does not exist in 123456789012.dkr.ecr.us-east-1.amazonaws.com (us-east-1).",
    );
    expect(fake.calls.some((c) => c[0] === 'build')).toBe(false);
  });

  test('with create-repository, it is created only after the checks pass', async () => {
    const over = setup({ repoExists: false });
    await expect(
      buildPushImage({ ...inputs, createRepository: true, maxImageSizeMb: 1 }, over.deps, over.report),
    ).rejects.toThrow(/over the max-image-size-mb budget/);
    expect(over.fake.created).toEqual([]);
    const ok = setup({ repoExists: false });
    await buildPushImage({ ...inputs, createRepository: true }, ok.deps, ok.report);
    expect(ok.fake.created).toEqual(['shop/ai']);
    expect(ok.report.createdRepository).toBe(true);
  });

  test('a refused login is a clear error without the password', async () => {
    const { fake, deps, report } = setup({ loginFails: true });
    const error = (await buildPushImage(inputs, deps, report).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(
      /refused the ECR login \(docker login exit code 1\): Error response from daemon: unauthorized/,
    );
    expect(error.message).not.toContain(PASSWORD);
    expect(fake.calls.some((c) => c[0] === 'build')).toBe(false);
  });

  test('a push failing part-way names the tags that are there and those that are not', async () => {
    const { deps, report } = setup({ pushFailsAt: 'main' });
    await expect(
      buildPushImage({ ...inputs, tags: ['abc', 'main', 'latest'] }, deps, report),
    ).rejects.toThrow(
      /failed \(exit code 1\): blob upload unknown\nPushed in this run and in the registry at sha256:d+: abc; not pushed: main, latest\.$/,
    );
    expect(report.pushed.map((p) => p.tag)).toEqual(['abc']);
    expect(report.digest).toBeUndefined();
  });

  test('the first push failing: an older latest in the registry is reported apart, never as pushed', async () => {
    const OLD = `sha256:${'0'.repeat(64)}`;
    const { deps, report } = setup({
      pushFailsAt: 'abc',
      registry: new Map([['latest', { digest: OLD, sizeBytes: 1 }]]),
    });
    const error = (await buildPushImage({ ...inputs, tags: ['abc', 'latest'] }, deps, report).catch(
      (e: unknown) => e,
    )) as Error;
    expect(error.message).toContain(
      'Pushed in this run and in the registry at this image: none; not pushed: abc, latest.\n' +
        `Still in the registry from an earlier push (NOT this image): latest (${OLD}).`,
    );
    expect(report.pushed).toEqual([]);
  });

  test.each([
    ['first push failed: nothing counts', [], undefined, { latest: 'old' }, [], ['latest']],
    ['pushed and there at the digest', ['a'], 'new', { a: 'new', latest: 'old' }, ['a'], ['latest']],
    ['pushed but overwritten since by another job', ['a'], 'new', { a: 'other' }, [], ['a']],
    ['at the digest but not pushed in this run', ['a'], 'new', { a: 'new', b: 'new' }, ['a'], []],
    ['pushed but gone from the registry', ['a'], 'new', {}, [], []],
  ])('pushedTags: %s', (_name, succeeded: string[], digest, there: Record<string, string>, pushed, older) => {
    const map = new Map(Object.entries(there).map(([t, d]) => [t, { digest: d, sizeBytes: 1 }]));
    const got = pushedTags(['a', 'b', 'latest'], succeeded, digest, map);
    expect(got.pushed).toEqual(pushed);
    expect(got.older.map((o) => o.tag)).toEqual(older);
  });

  test('push false: no ECR call, local references', async () => {
    const { fake, deps, report } = setup();
    deps.ecr.authorize = () => Promise.reject(new Error('no AWS call expected'));
    await buildPushImage({ ...inputs, push: false }, deps, report);
    expect(report.refs).toEqual(['shop/ai:abc', 'shop/ai:main']);
    expect(fake.calls.some((c) => c[0] === 'login' || c[0] === 'push')).toBe(false);
  });

  test('a failing build: the exit code and the last lines of the build log; no push', async () => {
    const { fake, deps, report } = setup();
    const run = deps.docker.run.bind(deps.docker);
    const lines = Array.from({ length: 40 }, (_, i) => `build line ${i + 1}`).join('\n');
    deps.docker.run = async (args, options) =>
      args[0] === 'build'
        ? { exitCode: 1, stdout: lines, stderr: "The command '/bin/sh -c make' returned a non-zero code: 2" }
        : run(args, options);
    const error = (await buildPushImage(inputs, deps, report).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toMatch(
      /^The image build failed \(docker build exit code 1\)\. Last lines of the build log:\nbuild line 17\n/,
    );
    expect(error.message).toMatch(
      /build line 40\nThe command '\/bin\/sh -c make' returned a non-zero code: 2$/,
    );
    expect(pushes(fake)).toEqual([]);
  });

  test('no daemon: a user error naming DOCKER_HOST', async () => {
    const { deps, report } = setup();
    deps.docker.run = async () => ({
      exitCode: 1,
      stdout: '',
      stderr: 'Cannot connect to the Docker daemon at unix:///x.sock.',
    });
    await expect(buildPushImage(inputs, deps, report)).rejects.toThrow(/^No Docker daemon is reachable/);
  });
});

test('plainText drops colour codes and keeps the last state of progress lines', () => {
  expect(plainText('Sending 1kB\rSending 2kB\r\n\u001b[91mfailed\n\u001b[0mdone')).toBe(
    'Sending 2kB\nfailed\ndone',
  );
});
