// Shared helpers of the runner's unit tests (not a test file itself).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runJob, type JobResult, type RunJobOptions } from '../run-job.ts';

export const UNIT_DIR = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURES = path.join(UNIT_DIR, 'fixtures');
export const WORKFLOWS = path.join(FIXTURES, 'workflows');
export const RUNNER_DIR = path.dirname(UNIT_DIR);
export const MAIN_ROOT = path.resolve(RUNNER_DIR, '..', '..');

const made: string[] = [];

export function tempDir(prefix = 'runner-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function cleanUp(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], {
    cwd,
    encoding: 'utf8',
  });
}

/** A fresh git repository holding fixtures/repo, committed. */
export function makeRepo(): string {
  const repo = path.join(tempDir('runner-repo-'), 'repo');
  cpSync(path.join(FIXTURES, 'repo'), repo, { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'Fixture repository');
  return repo;
}

let sharedRepo: string | undefined;
export function fixtureRepo(): string {
  sharedRepo ??= makeRepo();
  return sharedRepo;
}

/** Runs a fixture workflow (file name under fixtures/workflows) in-process. */
export function run(workflow: string, opts: Partial<RunJobOptions> = {}): Promise<JobResult> {
  return runJob({
    workflowPath: path.join(WORKFLOWS, workflow),
    repoRoot: fixtureRepo(),
    eventName: 'push',
    workDir: tempDir('runner-work-'),
    ...opts,
  });
}

/** The log lines that are not part of a `##[group]Run` header. */
export function outputLines(result: JobResult): string[] {
  const lines: string[] = [];
  let inHeader = false;
  for (const line of result.log.split('\n')) {
    if (line.startsWith('##[group]Run ') || line === '##[group]Set up job') inHeader = true;
    else if (line === '##[endgroup]' && inHeader) inHeader = false;
    else if (!inHeader) lines.push(line);
  }
  return lines;
}

export function step(result: JobResult, id: string, phase: 'main' | 'post' = 'main') {
  const s = result.steps.find((x) => x.id === id && x.phase === phase);
  if (!s) throw new Error(`no ${phase} step '${id}' in ${result.steps.map((x) => x.id).join(', ')}`);
  return s;
}
