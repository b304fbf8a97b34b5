import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { defaultTags, type GitContext, parseInputs } from './inputs.ts';

const workspace = mkdtempSync(join(tmpdir(), 'bpai-inputs-'));
mkdirSync(join(workspace, 'ai'));
writeFileSync(
  join(workspace, 'ai/Dockerfile'),
  'ARG BASE_IMAGE=python:3.11-slim\nFROM ${BASE_IMAGE} AS builder\nRUN true\nFROM ${BASE_IMAGE} AS runtime\n',
);
const git: GitContext = {
  workspace,
  sha: 'a'.repeat(40),
  ref: 'refs/heads/main',
  headRef: '',
  defaultBranch: 'main',
  serverUrl: 'https://github.com',
  repository: 'acme/shop',
  commitTime: '2026-01-01T12:00:00.000Z',
};
const base = { context: 'ai', repository: 'shop/ai-server' };
const parse = (values: Record<string, string>, ctx: GitContext = git) =>
  parseInputs((name) => ({ ...base, ...values })[name] ?? '', ctx);

describe('parseInputs', () => {
  test('defaults: last stage, SHA + branch + latest tags, OCI labels, warn, push', () => {
    const inputs = parse({});
    expect(inputs.dockerfile).toBe(join(workspace, 'ai/Dockerfile'));
    expect(inputs.stageLabel).toBe('runtime');
    expect(inputs.baseImage).toBe('python:3.11-slim');
    expect(inputs.tags).toEqual(['a'.repeat(40), 'main', 'latest']);
    expect(inputs.labels).toEqual([
      { key: 'org.opencontainers.image.source', value: 'https://github.com/acme/shop' },
      { key: 'org.opencontainers.image.revision', value: 'a'.repeat(40) },
      { key: 'org.opencontainers.image.created', value: '2026-01-01T12:00:00.000Z' },
    ]);
    expect([inputs.push, inputs.cpuOnly, inputs.builder, inputs.maxImageSizeMb]).toEqual([
      true,
      'warn',
      'auto',
      undefined,
    ]);
  });
  test('registry as account ID or host; budget as a decimal', () => {
    expect(parse({ registry: '123456789012' }).registry).toEqual({ kind: 'account', id: '123456789012' });
    expect(parse({ registry: 'https://1.dkr.ecr.us-east-1.amazonaws.com/' }).registry).toEqual({
      kind: 'host',
      host: '1.dkr.ecr.us-east-1.amazonaws.com',
    });
    expect(parse({ 'max-image-size-mb': '512.5' }).maxImageSizeMb).toBe(512.5);
  });
  test('a build arg changes the reported base image; user labels override the OCI ones', () => {
    const inputs = parse({
      'build-args': 'BASE_IMAGE=local/python:3.11',
      labels: 'org.opencontainers.image.source=x\nteam=ml',
    });
    expect(inputs.baseImage).toBe('local/python:3.11');
    expect(inputs.labels.map((l) => `${l.key}=${l.value}`)).toContain('org.opencontainers.image.source=x');
    expect(inputs.labels.at(-1)).toEqual({ key: 'team', value: 'ml' });
  });
  test.each([
    [{ context: 'nope' }, "Input 'context': 'nope' is not a directory."],
    [{ dockerfile: 'ai/Dockerfile.gpu' }, "Input 'dockerfile': 'ai/Dockerfile.gpu' does not exist."],
    [
      { target: 'gpu' },
      "Input 'target': no stage named 'gpu' in ai/Dockerfile. Expected one of: builder, runtime.",
    ],
    [
      { repository: 'Shop/AI' },
      "Input 'repository': invalid value 'Shop/AI'. Expected an ECR repository name",
    ],
    [{ repository: '' }, "Input 'repository': is required: an ECR repository name"],
    [{ registry: 'not a host' }, "Input 'registry': invalid value 'not a host'."],
    [{ tags: 'v1\n-bad' }, "Input 'tags': invalid tag '-bad'."],
    [{ tags: 'x'.repeat(129) }, "Input 'tags': invalid tag"],
    [
      { 'max-image-size-mb': '0' },
      "Input 'max-image-size-mb': invalid value '0'. Expected a positive number",
    ],
    [{ 'max-image-size-mb': '1e3' }, "Input 'max-image-size-mb': invalid value '1e3'."],
    [{ 'cpu-only': 'strict' }, "Input 'cpu-only': invalid value 'strict'. Expected one of: off, warn, fail."],
    [
      { builder: 'docker', 'cache-from': 'type=gha' },
      "Input 'cache-from': needs buildx, but builder is 'docker'.",
    ],
    [{ platforms: 'linux/amd64,linux/arm64' }, "Input 'platforms': 2 platforms given. Expected one"],
    [{ platforms: 'amd64' }, "Input 'platforms': invalid platform 'amd64'."],
    [{ 'build-args': 'NOVALUE' }, "Input 'build-args': invalid line 'NOVALUE'."],
    [{ push: 'maybe' }, "Input 'push': invalid value 'maybe'. Expected true or false."],
  ])('%p fails: %s', (values, message) => {
    expect(() => parse(values)).toThrow(message);
  });
});

describe('defaultTags', () => {
  test.each([
    [{ ref: 'refs/heads/main' }, ['sha1', 'main', 'latest']],
    [{ ref: 'refs/heads/feature/Add GPU' }, ['sha1', 'feature-Add-GPU']],
    [{ ref: 'refs/pull/7/merge', headRef: 'fix/x' }, ['sha1', 'fix-x']],
    [{ ref: 'refs/tags/v1.2.0' }, ['sha1']],
  ])('%p -> %p', (ctx, tags) => {
    expect(defaultTags({ ...git, sha: 'sha1', ...ctx })).toEqual(tags);
  });
});
