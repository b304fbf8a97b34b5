// CLI of the local job runner:
//   node_modules/.bin/node --import ./action-tests/runner/register.mjs action-tests/runner/cli.ts \
//     --workflow .github/workflows/x.yml [--job ID] [--event push] [--work-dir DIR] [--echo] ...
// Exit code: 0 the job succeeded (or was skipped by its if:), 1 it failed, 2 runner error.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { RunnerError, runJob, type RunJobOptions } from './run-job.ts';

const USAGE = `Usage: node --import ./action-tests/runner/register.mjs action-tests/runner/cli.ts --workflow FILE [options]
  --workflow FILE        the workflow YAML (required)
  --job ID               the job to run (default: the only job)
  --event NAME           push (default), pull_request or workflow_dispatch
  --repo-root DIR        the repository actions/checkout copies (default: current directory)
  --event-payload FILE   JSON deep-merged over the generated event payload
  --ref REF, --sha SHA   github.ref / github.sha (defaults: refs/heads/main or refs/pull/N/merge; HEAD of repo-root)
  --secrets-file FILE    JSON object of secrets (masked in the log)
  --vars-file FILE       JSON object of configuration variables (vars.*)
  --env-file FILE        JSON object: the runner machine's environment (e.g. SAMPLE_STACK_FILE)
  --work-dir DIR         where the run happens (default: a new temporary folder)
  --result FILE          write the JobResult as JSON
  --echo                 print the job log live
  --debug                show ::debug:: lines (step debug logging)
Exit code: 0 success (or skipped), 1 failure, 2 runner error (unsupported or invalid workflow, bad arguments).`;

function readJson(file: string | undefined, what: string): Record<string, unknown> | undefined {
  if (file === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new RunnerError(`${what} ${file}: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RunnerError(`${what} ${file} must contain a JSON object`);
  }
  return value as Record<string, unknown>;
}

function stringMap(
  value: Record<string, unknown> | undefined,
  what: string,
): Record<string, string> | undefined {
  if (!value) return undefined;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new RunnerError(`${what}: the value of '${k}' must be a string`);
  }
  return value as Record<string, string>;
}

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        workflow: { type: 'string' },
        job: { type: 'string' },
        event: { type: 'string', default: 'push' },
        'repo-root': { type: 'string' },
        'event-payload': { type: 'string' },
        ref: { type: 'string' },
        sha: { type: 'string' },
        'secrets-file': { type: 'string' },
        'vars-file': { type: 'string' },
        'env-file': { type: 'string' },
        'work-dir': { type: 'string' },
        result: { type: 'string' },
        echo: { type: 'boolean', default: false },
        debug: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const resultFile = args.result;
  try {
    if (!args.workflow) throw new RunnerError('--workflow is required');
    const event = args.event ?? 'push';
    if (event !== 'push' && event !== 'pull_request' && event !== 'workflow_dispatch') {
      throw new RunnerError(`--event ${event}: use push, pull_request or workflow_dispatch`);
    }
    const workDir = args['work-dir'] ?? mkdtempSync(path.join(os.tmpdir(), 'local-runner-'));
    const opts: RunJobOptions = {
      workflowPath: args.workflow,
      repoRoot: args['repo-root'] ?? process.cwd(),
      eventName: event,
      workDir,
      echo: args.echo,
      stepDebug: args.debug,
    };
    if (args.job !== undefined) opts.jobId = args.job;
    if (args.ref !== undefined) opts.ref = args.ref;
    if (args.sha !== undefined) opts.sha = args.sha;
    const payload = readJson(args['event-payload'], '--event-payload');
    if (payload) opts.eventPayload = payload;
    const secrets = stringMap(readJson(args['secrets-file'], '--secrets-file'), '--secrets-file');
    if (secrets) opts.secrets = secrets;
    const vars = stringMap(readJson(args['vars-file'], '--vars-file'), '--vars-file');
    if (vars) opts.vars = vars;
    const env = stringMap(readJson(args['env-file'], '--env-file'), '--env-file');
    if (env) opts.env = env;

    const result = await runJob(opts);
    if (resultFile) writeFileSync(resultFile, JSON.stringify(result, null, 2));
    process.stderr.write(`local runner: job ${result.conclusion}; log: ${result.logPath}\n`);
    if (result.runnerErrors.length) {
      process.stderr.write(`local runner: unsupported: ${result.runnerErrors.join('\n')}\n`);
      return 2;
    }
    return result.conclusion === 'failure' ? 1 : 0;
  } catch (err) {
    const message = err instanceof RunnerError ? err.message : ((err as Error).stack ?? String(err));
    if (resultFile) writeFileSync(resultFile, JSON.stringify({ runnerError: message }, null, 2));
    process.stderr.write(`local runner error: ${message}\n`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
