import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';

/**
 * Each committed bundle, started the way the runner starts it (Node 24, INPUT_* env, file
 * commands), with its required inputs left empty: it must fail with a clean message naming an
 * input. Catches ESM/chunk mistakes in dist/ before any end-to-end test.
 */
const ROOT = resolve(import.meta.dirname, '..');
const NODE = join(ROOT, 'node_modules/.bin/node');
const actions = readdirSync(join(ROOT, 'actions'));

interface ActionYml {
  inputs?: Record<string, { required?: boolean; default?: string }>;
  runs: { using: string; main: string; post?: string };
}

describe.each(actions)('bundle of %s', (name) => {
  const meta = parse(readFileSync(join(ROOT, 'actions', name, 'action.yml'), 'utf8')) as ActionYml;

  test('declares node24 and points at its committed bundle', () => {
    expect(meta.runs.using).toBe('node24');
    expect(meta.runs.main).toBe(`../../dist/${name}/index.js`);
  });

  test('fails cleanly on a missing required input', () => {
    const required = Object.entries(meta.inputs ?? {}).filter(([, spec]) => spec.required);
    const run = runBundle(name, Object.fromEntries(required.map(([input]) => [input, ''])));
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^::error::Input '[a-z-]+': /m);
    expect(run.all).not.toMatch(/\n\s+at /);
    expect(run.outputs).toBe('');
  });
});

/**
 * Runs a bundle as the runner would, with the given inputs (others at their action.yml defaults):
 * its stdout, stdout and stderr together, and what it wrote to GITHUB_OUTPUT.
 */
function runBundle(
  name: string,
  given: Record<string, string>,
): { status: number | null; stdout: string; all: string; outputs: string } {
  const meta = parse(readFileSync(join(ROOT, 'actions', name, 'action.yml'), 'utf8')) as ActionYml;
  const temp = mkdtempSync(join(tmpdir(), `smoke-${name}-`));
  const files = Object.fromEntries(
    ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_ENV', 'GITHUB_PATH', 'GITHUB_STEP_SUMMARY'].map((k) => {
      const path = join(temp, k.toLowerCase());
      writeFileSync(path, '');
      return [k, path];
    }),
  );
  const inputs: Record<string, string> = {};
  for (const [input, spec] of Object.entries(meta.inputs ?? {})) {
    inputs[`INPUT_${input.toUpperCase().replace(/ /g, '_')}`] = given[input] ?? spec.default ?? '';
  }
  const run = spawnSync(NODE, [resolve(ROOT, 'actions', name, meta.runs.main)], {
    env: { PATH: process.env.PATH, RUNNER_TEMP: temp, GITHUB_WORKSPACE: temp, ...files, ...inputs },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return {
    status: run.status,
    stdout: run.stdout,
    all: run.stdout + run.stderr,
    outputs: readFileSync(files.GITHUB_OUTPUT!, 'utf8'),
  };
}

describe('bundle of deploy-jar-ec2', () => {
  const ok = { jar: 'app.jar', host: '127.0.0.1', service: 'my-api', 'known-hosts-path': '/tmp/kh' };
  test.each([
    [{ ...ok, service: 'my-api;reboot' }, "::error::Input 'service': invalid value 'my-api;reboot'"],
    [{ ...ok, 'app-dir': '/opt/$(id)' }, "::error::Input 'app-dir': invalid value"],
    [{ ...ok, 'known-hosts-path': '' }, "::error::Input 'known-hosts-path': no host key is pinned"],
    [{ ...ok }, "::error::Input 'jar': 'app.jar' matches no file"],
  ])('%p fails cleanly', (given, message) => {
    const run = runBundle('deploy-jar-ec2', given);
    expect(run.status).toBe(1);
    expect(run.all).toContain(message);
    expect(run.all).not.toMatch(/\n\s+at /);
  });
});
