import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@jest/globals';
import { buildxEnv, originalDockerConfig, tempConfigJson, writeTempDockerConfig } from './docker-config.ts';

test.each([
  ['neither set: ~/.docker', {}, '/home/r/.docker', { BUILDX_CONFIG: '/home/r/.docker/buildx' }],
  [
    'DOCKER_CONFIG set by the runner',
    { DOCKER_CONFIG: '/etc/dc' },
    '/etc/dc',
    { BUILDX_CONFIG: '/etc/dc/buildx' },
  ],
  [
    'BUILDX_CONFIG already set: kept',
    { DOCKER_CONFIG: '/etc/dc', BUILDX_CONFIG: '/b' },
    '/etc/dc',
    { BUILDX_CONFIG: '/b' },
  ],
  [
    'empty DOCKER_CONFIG is unset',
    { DOCKER_CONFIG: '' },
    '/home/r/.docker',
    { BUILDX_CONFIG: '/home/r/.docker/buildx' },
  ],
])('%s', (_name, env: Record<string, string>, original, want) => {
  expect(originalDockerConfig(env, '/home/r')).toBe(original);
  expect(buildxEnv(env, '/home/r')).toEqual(want);
});

test.each([
  ['no original config.json', undefined, ['/o/cli-plugins']],
  ['original without plugin dirs', { auths: { x: { auth: 'c2VjcmV0' } } }, ['/o/cli-plugins']],
  [
    'original plugin dirs are kept, after its own cli-plugins, without duplicates',
    { cliPluginsExtraDirs: ['/opt/plugins', '/o/cli-plugins', 3, ''] },
    ['/o/cli-plugins', '/opt/plugins'],
  ],
  ['a malformed cliPluginsExtraDirs is ignored', { cliPluginsExtraDirs: '/x' }, ['/o/cli-plugins']],
])('tempConfigJson: %s', (_name, original, dirs) => {
  // Never the original's credentials: only the plugin folders.
  expect(tempConfigJson('/o', original)).toEqual({ cliPluginsExtraDirs: dirs });
});

test('writeTempDockerConfig writes a 0600 config.json and leaves the original folder as it was', async () => {
  const root = mkdtempSync(join(tmpdir(), 'bpai-config-'));
  const original = join(root, 'orig');
  mkdirSync(join(original, 'buildx'), { recursive: true });
  const originalJson = JSON.stringify({
    auths: { 'r.example': { auth: 'dTpw' } },
    cliPluginsExtraDirs: ['/p'],
  });
  writeFileSync(join(original, 'config.json'), originalJson);
  const temp = join(root, 'temp');
  await writeTempDockerConfig(temp, original);
  expect(JSON.parse(readFileSync(join(temp, 'config.json'), 'utf8'))).toEqual({
    cliPluginsExtraDirs: [join(original, 'cli-plugins'), '/p'],
  });
  expect(statSync(join(temp, 'config.json')).mode & 0o777).toBe(0o600);
  expect(readFileSync(join(original, 'config.json'), 'utf8')).toBe(originalJson);
  expect(readdirSync(original).sort()).toEqual(['buildx', 'config.json']);
});
