import { describe, expect, test } from '@jest/globals';
import { baseImageOf, expandArgs, findStage, parseDockerfile } from './dockerfile.ts';

const MULTI = `# syntax=docker/dockerfile:1
ARG BASE_IMAGE=python:3.11-slim
ARG REGISTRY
FROM \${BASE_IMAGE} AS builder
RUN make \\
  all
FROM builder AS Test
FROM --platform=$BUILDPLATFORM \${REGISTRY:-docker.io}/library/debian:12 as runtime
COPY --from=builder /a /a
`;

describe('parseDockerfile', () => {
  test('stages, AS names (case-insensitive) and global ARGs', () => {
    const parsed = parseDockerfile(MULTI);
    expect(parsed.args).toEqual({ BASE_IMAGE: 'python:3.11-slim', REGISTRY: '' });
    expect(parsed.stages.map((s) => [s.name, s.from])).toEqual([
      ['builder', '${BASE_IMAGE}'],
      ['test', 'builder'],
      ['runtime', '${REGISTRY:-docker.io}/library/debian:12'],
    ]);
  });
  test.each([
    ['', 'runtime'],
    ['RUNTIME', 'runtime'],
    ['builder', 'builder'],
  ])('target %p -> stage %p', (target, name) => {
    expect(findStage(parseDockerfile(MULTI), target)?.name).toBe(name);
  });
  test('an unknown target is undefined', () =>
    expect(findStage(parseDockerfile(MULTI), 'gpu')).toBeUndefined());
});

describe('baseImageOf', () => {
  const parsed = parseDockerfile(MULTI);
  test('follows stage references and expands ARG defaults', () => {
    expect(baseImageOf(parsed, findStage(parsed, 'test')!, {})).toBe('python:3.11-slim');
    expect(baseImageOf(parsed, findStage(parsed, 'runtime')!, {})).toBe('docker.io/library/debian:12');
  });
  test('build args override defaults', () => {
    expect(baseImageOf(parsed, findStage(parsed, 'builder')!, { BASE_IMAGE: 'local/python:3.11-slim' })).toBe(
      'local/python:3.11-slim',
    );
    expect(baseImageOf(parsed, findStage(parsed, 'runtime')!, { REGISTRY: 'r.example' })).toBe(
      'r.example/library/debian:12',
    );
  });
});

test('expandArgs', () => {
  expect(expandArgs('$A-${B}-${C:-c}', { A: 'a', B: 'b' })).toBe('a-b-c');
});
