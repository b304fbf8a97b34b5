import { describe, expect, test } from '@jest/globals';
import { buildArgs, buildStats, parsePushOutput, withEcrCacheOptions } from './docker-args.ts';
import type { Inputs } from './inputs.ts';

const inputs: Inputs = {
  context: '/w/app',
  dockerfile: '/w/app/Dockerfile',
  target: 'runtime',
  stageLabel: 'runtime',
  baseImage: 'python:3.11-slim',
  repository: 'app/ai',
  registry: { kind: 'default' },
  createRepository: false,
  tags: ['abc', 'main'],
  buildArgs: [{ key: 'BASE_IMAGE', value: 'python:3.11-slim' }],
  labels: [{ key: 'org.opencontainers.image.revision', value: 'abc' }],
  push: true,
  builder: 'auto',
  cacheFrom: ['type=registry,ref=r/app/ai:cache'],
  cacheTo: ['type=registry,ref=r/app/ai:cache,mode=max'],
  platform: 'linux/amd64',
  provenance: false,
  maxImageSizeMb: 800,
  cpuOnly: 'warn',
  awsRegion: '',
};
const refs = ['r/app/ai:abc', 'r/app/ai:main'];

describe('buildArgs', () => {
  test('classic docker build: no buildx-only flags', () => {
    expect(buildArgs(inputs, 'docker', refs, '/t/iid')).toEqual([
      'build',
      '--file',
      '/w/app/Dockerfile',
      '--target',
      'runtime',
      '--tag',
      'r/app/ai:abc',
      '--tag',
      'r/app/ai:main',
      '--build-arg',
      'BASE_IMAGE=python:3.11-slim',
      '--label',
      'org.opencontainers.image.revision=abc',
      '--iidfile',
      '/t/iid',
      '/w/app',
    ]);
  });
  test('buildx: --load, provenance off, platform, ECR-ready cache export', () => {
    const args = buildArgs(inputs, 'buildx', refs, '/t/iid');
    expect(args.slice(0, 3)).toEqual(['buildx', 'build', '--load']);
    expect(args).toContain('--provenance=false');
    expect(args.join(' ')).toContain('--platform linux/amd64');
    expect(args.join(' ')).toContain('--cache-from type=registry,ref=r/app/ai:cache ');
    expect(args.join(' ')).toContain(
      '--cache-to type=registry,ref=r/app/ai:cache,mode=max,image-manifest=true,oci-mediatypes=true',
    );
    expect(args.at(-1)).toBe('/w/app');
  });
  test('no target: the flag is left out', () => {
    expect(buildArgs({ ...inputs, target: '' }, 'docker', refs, 'x')).not.toContain('--target');
  });
});

test.each([
  ['type=registry,ref=x', 'type=registry,ref=x,image-manifest=true,oci-mediatypes=true', []],
  [
    'type=registry,ref=x,image-manifest=false',
    'type=registry,ref=x,image-manifest=true,oci-mediatypes=true',
    [
      "cache-to 'type=registry,ref=x,image-manifest=false': image-manifest=false replaced by image-manifest=true",
    ],
  ],
  [
    'type=registry,oci-mediatypes=false,ref=x,mode=max',
    'type=registry,oci-mediatypes=true,ref=x,mode=max,image-manifest=true',
    ['oci-mediatypes=false replaced by oci-mediatypes=true'],
  ],
  [
    'type=registry,ref=x,image-manifest=true,oci-mediatypes=true',
    'type=registry,ref=x,image-manifest=true,oci-mediatypes=true',
    [],
  ],
  ['type=gha', 'type=gha', []],
])('withEcrCacheOptions(%p)', (spec, want, warnings: string[]) => {
  const warned: string[] = [];
  expect(withEcrCacheOptions(spec, (m) => warned.push(m))).toBe(want);
  expect(warned).toHaveLength(warnings.length);
  warnings.forEach((w, i) => expect(warned[i]).toContain(w));
});

describe('buildStats', () => {
  test('classic: global ARG and FROM steps are not counted; Using cache marks a cached step', () => {
    const log = [
      'Step 1/5 : ARG BASE=x',
      'Step 2/5 : FROM x AS b',
      ' ---> 111',
      'Step 3/5 : COPY a a',
      ' ---> Using cache',
      ' ---> 222',
      'Step 4/5 : RUN make',
      ' ---> Running in 333',
      'Step 5/5 : CMD ["x"]',
      ' ---> Using cache',
    ].join('\n');
    expect(buildStats(log, 'docker')).toEqual({ steps: 3, cached: 2, rebuilt: ['RUN make'] });
  });
  test('buildx: #N CACHED', () => {
    const log = [
      '#1 [internal] load build definition from Dockerfile',
      '#4 [builder 1/3] FROM docker.io/library/python:3.11-slim',
      '#5 [builder 2/3] COPY a a',
      '#5 CACHED',
      '#6 [builder 3/3] RUN make',
      '#6 DONE 1.2s',
    ].join('\n');
    expect(buildStats(log, 'buildx')).toEqual({ steps: 2, cached: 1, rebuilt: ['RUN make'] });
  });
});

test('parsePushOutput counts uploaded and existing layers', () => {
  const out = [
    'The push refers to repository [r/app/ai]',
    '0badbfea64d5: Preparing',
    '0badbfea64d5: Pushed',
    '2c3a7501ba90: Layer already exists',
    `main: digest: sha256:${'a'.repeat(64)} size: 944`,
  ].join('\n');
  expect(parsePushOutput(out)).toEqual({
    digest: `sha256:${'a'.repeat(64)}`,
    layersPushed: 1,
    layersExisting: 1,
  });
  expect(parsePushOutput('error')).toBeUndefined();
});
