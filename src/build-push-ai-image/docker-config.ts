import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The action logs in to ECR inside a fresh DOCKER_CONFIG under RUNNER_TEMP. docker/setup-buildx-action
 * (and a user's own `docker buildx create --use`) records the builder under the ORIGINAL config
 * (`$DOCKER_CONFIG` or `~/.docker`: `buildx/`), and may install the buildx plugin in its
 * `cli-plugins/`. Every docker/buildx command the action runs therefore gets BUILDX_CONFIG pointing at
 * the original `buildx/` folder, and the temporary config.json lists the original plugin folders in
 * `cliPluginsExtraDirs`, so buildx is found and uses the builder that was set up, not the docker driver.
 */
export function originalDockerConfig(
  env: Readonly<Record<string, string | undefined>>,
  home: string,
): string {
  return env.DOCKER_CONFIG || join(home, '.docker');
}

/** The environment every docker command gets, before and after the login (BUILDX_CONFIG kept if set). */
export function buildxEnv(
  env: Readonly<Record<string, string | undefined>>,
  home: string,
): Record<string, string> {
  return { BUILDX_CONFIG: env.BUILDX_CONFIG || join(originalDockerConfig(env, home), 'buildx') };
}

type ConfigJson = Record<string, unknown>;

/**
 * The temporary config.json: the original plugin folders (its own `cli-plugins` and any
 * `cliPluginsExtraDirs` it lists). No credentials are copied.
 */
export function tempConfigJson(
  originalDir: string,
  original: ConfigJson | undefined,
): Record<string, unknown> {
  const listed = original?.cliPluginsExtraDirs;
  const extra = Array.isArray(listed)
    ? listed.filter((d): d is string => typeof d === 'string' && d !== '')
    : [];
  const dirs = [...new Set([join(originalDir, 'cli-plugins'), ...extra])];
  return { cliPluginsExtraDirs: dirs };
}

/** Writes config.json (0600) into the new credentials folder; the original folder is only read. */
export async function writeTempDockerConfig(tempDir: string, originalDir: string): Promise<void> {
  let original: ConfigJson | undefined;
  try {
    original = JSON.parse(await readFile(join(originalDir, 'config.json'), 'utf8')) as ConfigJson;
  } catch {
    original = undefined; // no (readable) original config: only the default plugin folder is added
  }
  await mkdir(tempDir, { recursive: true, mode: 0o700 });
  await writeFile(
    join(tempDir, 'config.json'),
    `${JSON.stringify(tempConfigJson(originalDir, original), null, 2)}\n`,
    { mode: 0o600 },
  );
}
