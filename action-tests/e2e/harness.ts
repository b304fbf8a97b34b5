import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobResult } from '../runner/run-job.ts';
import { awsAdmin } from '../stack/aws/admin-client.ts';
import { readStack, type StackInfo } from '../stack/stack.ts';
import { NODE, REPO_ROOT, STACK_FILE } from './paths.ts';

export { REPO_ROOT };

export function stack(): StackInfo {
  return readStack(STACK_FILE);
}

export function admin() {
  return awsAdmin(stack().adminUrl);
}

export interface WorkflowRun {
  /** Path relative to the repository root. */
  workflow: string;
  job?: string;
  event?: 'push' | 'pull_request' | 'workflow_dispatch';
  vars?: Record<string, string>;
  secrets?: Record<string, string>;
  env?: Record<string, string>;
  payload?: Record<string, unknown>;
}

export type RunResult = JobResult & { exitCode: number; stderr: string };

const LOG_ROOT = join(REPO_ROOT, 'action-tests/.logs');

/** Runs one job of a workflow through the local runner (a separate Node 24 process). */
export async function runWorkflow(run: WorkflowRun): Promise<RunResult> {
  mkdirSync(LOG_ROOT, { recursive: true });
  const workDir = mkdtempSync(join(LOG_ROOT, `${run.workflow.replace(/[^a-z0-9]+/gi, '-')}-`));
  const file = (name: string, value: unknown) => {
    const path = join(workDir, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };
  const args = [
    '--import',
    join(REPO_ROOT, 'action-tests/runner/register.mjs'),
    join(REPO_ROOT, 'action-tests/runner/cli.ts'),
    '--workflow',
    join(REPO_ROOT, run.workflow),
    '--event',
    run.event ?? 'push',
    '--work-dir',
    join(workDir, 'job'),
    '--result',
    join(workDir, 'result.json'),
    '--vars-file',
    file('vars.json', { AWS_DEPLOY_ROLE_ARN: 'arn:aws:iam::123456789012:role/github-deploy', ...run.vars }),
    '--secrets-file',
    file('secrets.json', run.secrets ?? {}),
    '--env-file',
    // The runner machine's Docker engine is the stack's dockerd (its own socket).
    file('env.json', { SAMPLE_STACK_FILE: STACK_FILE, DOCKER_HOST: stack().docker.host, ...run.env }),
  ];
  if (run.job) args.push('--job', run.job);
  if (run.payload) args.push('--event-payload', file('payload.json', run.payload));
  const child = spawn(NODE, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdout.resume();
  const exitCode = await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  if (exitCode === 2) throw new Error(`The runner refused the workflow ${run.workflow}:\n${stderr}`);
  let result: JobResult;
  try {
    result = JSON.parse(readFileSync(join(workDir, 'result.json'), 'utf8')) as JobResult;
  } catch {
    throw new Error(
      `The runner exited with code ${exitCode} and wrote no result for ${run.workflow}:\n${stderr}`,
    );
  }
  return { ...result, exitCode, stderr };
}

export function step(result: JobResult, id: string, phase: 'main' | 'post' = 'main') {
  const found = result.steps.find((s) => s.id === id && s.phase === phase);
  if (!found)
    throw new Error(
      `no ${phase} step '${id}' in ${result.steps.map((s) => `${s.id}/${s.phase}`).join(', ')}`,
    );
  return found;
}
