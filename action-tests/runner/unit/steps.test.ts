import { readFileSync } from 'node:fs';
import { afterAll, expect, test } from '@jest/globals';
import { cleanUp, outputLines, run, step } from './helpers.ts';

afterAll(cleanUp);

/** True once the process no longer exists (or is a zombie waiting to be reaped). */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 40; i++) {
    try {
      process.kill(pid, 0);
      if (/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return true;
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

test('outputs flow between steps, heredoc outputs, job outputs and step summaries', async () => {
  const r = await run('outputs.yml');
  expect(r.conclusion).toBe('success');
  expect(step(r, 'act').outputs).toEqual({ greeting: 'hi there', multi: 'line one\nline two' });
  expect(step(r, 'script').name).toBe('Use outputs (hi there)');
  expect(step(r, 'script').outputs).toEqual({ value: 'computed-main' });
  expect(r.outputs).toEqual({ greeting: 'hi there', 'from-script': 'computed-main' });
  const out = outputLines(r);
  expect(out).toContain('greeting=hi there');
  expect(out).toContain('multi=[line one');
  expect(out).toContain('line two]');
  expect(r.summary).toBe('### hi there from the outputs fixture\n');
  expect(step(r, 'act').summary).toBe(r.summary);
  expect(readFileSync(r.logPath, 'utf8')).toBe(r.log);
  // `run: |` with expressions: the script has the block scalar's value (no YAML indentation).
  expect(r.log).toContain(
    '##[group]Run echo "greeting=hi there"\necho "greeting=hi there"\necho "level=$LEVEL',
  );
});

test('env precedence: workflow < job < GITHUB_ENV < step; GITHUB_ENV and GITHUB_PATH reach later steps', async () => {
  const r = await run('outputs.yml');
  const out = outputLines(r);
  expect(out).toContain('level=step wf=wf job=job from-action=set-by-action');
  expect(out).toContain('next=from-step-2 value=computed-main env-ctx=from-step-2');
  expect(out).toContain('tool-ran');
  // The step's env is listed in its Run group, as GitHub shows it.
  expect(r.log).toContain(
    'env:\n  LEVEL: job\n  WF_ONLY: wf\n  JOB_ONLY: job\n  FROM_ACTION: set-by-action\n  NEXT_VAR: from-step-2\n',
  );
});

test('if: success(), failure(), always(), expressions and continue-on-error', async () => {
  const r = await run('conditions.yml');
  expect(r.conclusion).toBe('failure');
  const outcome = (id: string) => [step(r, id).outcome, step(r, id).conclusion];
  expect(outcome('first')).toEqual(['success', 'success']);
  expect(outcome('expr')).toEqual(['success', 'success']);
  expect(outcome('never')).toEqual(['skipped', 'skipped']);
  expect(outcome('soft')).toEqual(['failure', 'success']);
  expect(outcome('after-soft')).toEqual(['success', 'success']);
  expect(outcome('boom')).toEqual(['failure', 'failure']);
  expect(outcome('skipped-by-failure')).toEqual(['skipped', 'skipped']);
  expect(outcome('on-failure')).toEqual(['success', 'success']);
  expect(outcome('on-success')).toEqual(['skipped', 'skipped']);
  expect(outcome('on-always')).toEqual(['success', 'success']);
  const out = outputLines(r);
  expect(out).toContain('soft outcome=failure conclusion=success');
  expect(out).toContain('failure() ran; boom=failure; skipped=skipped');
  expect(out).toContain('always() ran; job.status=failure');
  expect(out).toContain('##[error]Process completed with exit code 3.');
  expect(out).toContain('##[error]Process completed with exit code 1.');
  expect(r.log).not.toContain('must not run');
});

test('add-mask and secrets: the values appear nowhere in the log, the log file or the summary', async () => {
  const apiKey = 'sk-live-5f1a9c22d7';
  const r = await run('mask.yml', { secrets: { API_KEY: apiKey } });
  expect(r.conclusion).toBe('success');
  const file = readFileSync(r.logPath, 'utf8');
  for (const text of [r.log, file, r.summary]) {
    expect(text).not.toContain(apiKey);
    expect(text).not.toContain('computed-c0ffee-value');
    expect(text).not.toMatch(/^lines: .*hidden-line/m);
  }
  const out = outputLines(r);
  expect(out).toContain('the value is ***');
  expect(out).toContain('lines: *** / ***');
  expect(out).toContain('key=*** from-env=*** inline=***');
  expect(out).toContain('later=***');
  expect(r.log).toContain('##[group]Run echo "key=$KEY from-env=$FROM_SECRET inline=***"');
  expect(r.log).toContain('  KEY: ***');
  expect(outputLines(r).filter((l) => l.includes('::add-mask::'))).toEqual([]);
  expect(step(r, '__run_2').name).toBe('Use secrets ***');
  expect(r.summary).toBe('summary has ***\n');
});

test('timeout-minutes kills the step and its process tree', async () => {
  const started = Date.now();
  const r = await run('timeout.yml');
  expect(Date.now() - started).toBeLessThan(15_000);
  expect(r.conclusion).toBe('failure');
  expect(step(r, 'slow').outcome).toBe('failure');
  expect(r.log).toContain(
    '##[error]The action \'Run echo "child pid file: $RUNNER_TEMP/child.pid"\' has timed out after 0.02 minutes.',
  );
  expect(outputLines(r)).toContain('slow outcome=failure');
  const pid = Number(readFileSync(`${r.runnerTemp}/child.pid`, 'utf8'));
  expect(await gone(pid)).toBe(true);
});

test('defaults, working-directory, hashFiles, fromJSON, set-output, stop-commands, pipefail, disabled set-env, secret job outputs', async () => {
  const r = await run('misc.yml', { secrets: { TOKEN_X: 'tok-abcdef123' } });
  expect(r.conclusion).toBe('success');
  const out = outputLines(r);
  expect(out).toContain('sub');
  expect(out.some((l) => /^hash=[0-9a-f]{64}$/.test(l))).toBe(true);
  expect(out).toContain('json=2 contains=true fmt=x-y');
  expect(out).toContain("quotes: 'one' 'two' misc");
  expect(r.log).toContain('shell: /usr/bin/sh -e {0}');
  expect(r.log).toContain('##[warning]The `set-output` command is deprecated and will be disabled soon.');
  expect(step(r, 's').outputs).toEqual({ secret: 'tok-abcdef123', plain: 'visible', legacy: 'old-style' });
  expect(out).toContain('::warning::not a command while stopped');
  expect(out).toContain('##[warning]a real warning');
  expect(out).toContain('folded old-style line');
  expect(r.steps.filter((s) => s.name === 'Bash pipefail')[0]?.outcome).toBe('failure');
  expect(r.steps.filter((s) => s.name === 'Default shell has no pipefail')[0]?.outcome).toBe('success');
  expect(r.steps.filter((s) => s.name === 'Disabled set-env')[0]?.outcome).toBe('failure');
  expect(out.some((l) => l.startsWith('##[error]The `set-env` command is disabled.'))).toBe(true);
  expect(r.outputs).toEqual({ ok: 'visible' });
  expect(out).toContain("##[warning]Skip output 'leak' since it may contain secret.");
});

test('pull_request event: refs, head/base refs and a realistic payload', async () => {
  const r = await run('pull-request.yml', {
    eventName: 'pull_request',
    eventPayload: { number: 42, pull_request: { number: 42, head: { ref: 'feature/x' } } },
  });
  expect(r.conclusion).toBe('success');
  const out = outputLines(r);
  expect(out).toContain('ref=refs/pull/42/merge ref_name=42/merge head=feature/x base=main');
  expect(out).toContain('number=42 action=synchronize url=https://github.com/acme/shop/pull/7');
  expect(out).toContain('env: refs/pull/42/merge feature/x main');
  expect(out).toContain('oidc=');
  expect(out).toContain('acme/shop');
});

test('workflow_dispatch inputs with defaults and types', async () => {
  const r = await run('dispatch.yml', {
    eventName: 'workflow_dispatch',
    eventPayload: { inputs: { note: 'hello' } },
  });
  expect(r.conclusion).toBe('success');
  expect(outputLines(r)).toContain('env=staging dry=true dry-is-bool=true note=hello');
  expect(outputLines(r)).toContain('event=workflow_dispatch ref=refs/heads/main');
  await expect(run('dispatch.yml', { eventName: 'workflow_dispatch' })).rejects.toThrow(
    "workflow_dispatch input 'note' is required",
  );
});

test('a job whose if: is false is skipped', async () => {
  const r = await run('skipped-job.yml');
  expect(r.conclusion).toBe('skipped');
  expect(r.steps).toEqual([]);
});

test('::debug:: lines only with stepDebug', async () => {
  const quiet = await run('outputs.yml');
  expect(quiet.log).not.toContain('a debug line');
  const verbose = await run('outputs.yml', { stepDebug: true });
  expect(verbose.log).toContain('\n##[debug]a debug line\n');
});
