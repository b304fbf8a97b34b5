// A local GitHub Actions job runner: runs one job of a workflow file the way GitHub's runner does,
// with @actions/workflow-parser for the workflow/action files and @actions/expressions for `${{ }}`.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isMapping, isNumber, isString } from '@actions/workflow-parser';
import type { ActionTemplate, ActionRunsNode } from '@actions/workflow-parser/actions/index';
import { isActionStep, isJob, isRunStep } from '@actions/workflow-parser/model/type-guards';
import type { Job, Step } from '@actions/workflow-parser/model/workflow-template';
import { BasicExpressionToken } from '@actions/workflow-parser/templates/tokens/index';
import type { MappingToken, TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import {
  DEFAULT_BRANCH,
  REPOSITORY,
  deepMerge,
  defaultPayload,
  getString,
  headCommit,
  type EventName,
} from './events.ts';
import {
  ExpressionFailure,
  evaluateBoolean,
  evaluateString,
  evaluateStringMap,
  evaluateTokenData,
  toPlain,
  type ExpressionScope,
  type JobStatus,
} from './expressions.ts';
import {
  FileCommandError,
  createStepFiles,
  parseKeyValueFile,
  parsePathFile,
  readIfExists,
  type StepFiles,
} from './file-commands.ts';
import { JobLog, SecretMasker, StepOutputProcessor, type Annotation } from './log.ts';
import {
  RunnerError,
  mappingGet,
  parseActionFile,
  parseWorkflowFile,
  sequenceItems,
  tokenLocation,
  type ParsedWorkflow,
} from './parse.ts';
import { findOnPath, killGroups, runProcess, type ProcessResult } from './process.ts';
import { stackGitHub } from './stack-github.ts';
import { WORKDIR_MARKER } from './stand-ins/checkout.ts';
import {
  STAND_INS_DIR,
  findStandIn,
  standIns,
  type StandIn,
  type StandInContext,
} from './stand-ins/index.ts';

export { RunnerError } from './parse.ts';
export type { Annotation } from './log.ts';

export interface RunJobOptions {
  /** The workflow YAML. */
  workflowPath: string;
  /** Default: the only job (an error naming the jobs if there are several). */
  jobId?: string;
  /** The repository checked out by actions/checkout's stand-in. */
  repoRoot: string;
  eventName: EventName;
  /** Deep-merged over a realistic generated payload. */
  eventPayload?: Record<string, unknown>;
  /** Default: refs/heads/main (push, workflow_dispatch) or refs/pull/<number>/merge (pull_request). */
  ref?: string;
  /** Default: the sha of repoRoot's HEAD, or a fixed 40-hex sha. */
  sha?: string;
  /** secrets.* (always masked in the log); GITHUB_TOKEN also gives github.token. */
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /** The runner machine's environment for this job (over a minimal base: PATH, HOME, LANG). */
  env?: Record<string, string>;
  /** Everything of the run goes under it: workspace, runner temp, file commands, job log. */
  workDir: string;
  /** Also print the log lines live to stdout. */
  echo?: boolean;
  /** Show ::debug:: lines (RUNNER_DEBUG=1). */
  stepDebug?: boolean;
  /** github.run_id (default: unique per run), run_number (default 1), run_attempt (default 1). */
  runId?: string;
  runNumber?: string;
  runAttempt?: string;
}

export type Outcome = 'success' | 'failure' | 'skipped';

export interface StepResult {
  id: string;
  name: string;
  phase: 'main' | 'post';
  outcome: Outcome;
  conclusion: Outcome;
  outputs: Record<string, string>;
  summary: string;
}

export interface JobResult {
  /** 'skipped' when the job's `if:` is false. */
  conclusion: 'success' | 'failure' | 'skipped';
  steps: StepResult[];
  outputs: Record<string, string>;
  logPath: string;
  log: string;
  summary: string;
  workspace: string;
  runnerTemp: string;
  /** ::error::/::warning::/::notice:: annotations (and the runner's own), masked. */
  annotations: Annotation[];
  /** Constructs the local runner does not support that were met while the job ran (the step failed). */
  runnerErrors: string[];
}

interface StepContextEntry {
  outputs: Record<string, string>;
  outcome: Outcome;
  conclusion: Outcome;
}

interface PostStep {
  id: string;
  name: string;
  actionDir: string;
  script: string;
  condition: string;
  inputs: Record<string, string>;
  stepEnv: Record<string, string>;
  state: Record<string, string>;
  continueOnError: boolean;
}

/** Outcome of executing a step body. */
interface Execution {
  ok: boolean;
  outputs: Record<string, string>;
  state: Record<string, string>;
}

const MARKER = WORKDIR_MARKER;
const DEFAULT_JOB_TIMEOUT_MINUTES = 360;
const SUPPORTED_NODE = new Set(['node20', 'node24']);
const ID_TOKEN_URL =
  'https://local-runner.invalid/_apis/distributedtask/hubs/Actions/idtoken?api-version=2.0';

export async function runJob(opts: RunJobOptions): Promise<JobResult> {
  const run = new JobRun(opts);
  return run.run();
}

function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? ''
  );
}

/** A string as is, anything else as JSON. */
function display(value: Parameters<typeof toPlain>[0]): string {
  const plain = toPlain(value);
  return typeof plain === 'string' ? plain : JSON.stringify(plain);
}

function refName(ref: string): string {
  for (const prefix of ['refs/heads/', 'refs/tags/', 'refs/pull/']) {
    if (ref.startsWith(prefix)) return ref.slice(prefix.length);
  }
  return ref;
}

/** Converts a branch/tag filter glob of `on:` to a RegExp (`*`, `**`, `?`, `+`, `[]`). */
function filterRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        re += '.*';
        i++;
      } else {
        re += '[^/]*';
      }
    } else if (c === '?' || c === '+') {
      re += c;
    } else if (c === '[') {
      const end = pattern.indexOf(']', i);
      if (end > i) {
        re += pattern.slice(i, end + 1);
        i = end;
      } else re += '\\[';
    } else if (c === '\\' && i + 1 < pattern.length) {
      re += '\\' + pattern[i + 1];
      i++;
    } else {
      re += c.replace(/[.^$|(){}\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

/** GitHub's include/exclude semantics: later patterns win, `!` negates. */
function matchesFilters(value: string, include: string[] | undefined, ignore: string[] | undefined): boolean {
  if (include) {
    let matched = false;
    for (const p of include) {
      if (p.startsWith('!')) {
        if (filterRegExp(p.slice(1)).test(value)) matched = false;
      } else if (filterRegExp(p).test(value)) matched = true;
    }
    return matched;
  }
  if (ignore) return !ignore.some((p) => filterRegExp(p).test(value));
  return true;
}

class JobRun {
  readonly opts: RunJobOptions;
  readonly masker = new SecretMasker();
  log!: JobLog;
  wf!: ParsedWorkflow;
  job!: Job;
  rawJob!: MappingToken;

  workDir: string;
  workspace = '';
  runnerTemp = '';
  fileCommandsDir = '';
  repoRoot: string;

  github: Record<string, unknown> = {};
  secrets: Record<string, string>;
  vars: Record<string, string>;
  inputs: Record<string, unknown> = {};
  baseEnv: Record<string, string> = {};
  runnerVars: Record<string, string> = {};
  actionRuntimeEnv: Record<string, string> = {};
  jobEnv: Record<string, string> = {};
  prependPath: string[] = [];
  stepsContext: Record<string, StepContextEntry> = {};
  status: JobStatus = 'success';
  results: StepResult[] = [];
  posts: PostStep[] = [];
  runnerErrors: string[] = [];
  groups = new Set<number>();
  jobDeadline = 0;
  jobTimeoutMinutes = DEFAULT_JOB_TIMEOUT_MINUTES;
  defaultShell: TemplateToken | undefined;
  defaultWorkingDirectory: TemplateToken | undefined;

  constructor(opts: RunJobOptions) {
    this.opts = opts;
    this.workDir = path.resolve(opts.workDir);
    this.repoRoot = path.resolve(opts.repoRoot);
    this.secrets = { ...(opts.secrets ?? {}) };
    this.vars = { ...(opts.vars ?? {}) };
  }

  // ---------------------------------------------------------------- setup

  async run(): Promise<JobResult> {
    const opts = this.opts;
    if (!['push', 'pull_request', 'workflow_dispatch'].includes(opts.eventName)) {
      throw new RunnerError(
        `Unsupported event '${String(opts.eventName)}': use push, pull_request or workflow_dispatch`,
      );
    }
    const workflowPath = path.resolve(opts.workflowPath);
    if (!existsSync(workflowPath)) throw new RunnerError(`Workflow file not found: ${workflowPath}`);
    if (!existsSync(this.repoRoot)) throw new RunnerError(`repoRoot not found: ${this.repoRoot}`);
    const rel = path.relative(this.repoRoot, workflowPath);
    const fromCwd = path.relative(process.cwd(), workflowPath);
    const outside = (r: string) => r.startsWith('..') || path.isAbsolute(r);
    const fileName = !outside(rel) ? rel : !outside(fromCwd) ? fromCwd : workflowPath;
    this.wf = await parseWorkflowFile(fileName, readFileSync(workflowPath, 'utf8'));
    this.selectJob();
    this.checkSupported();
    this.prepareWorkDir();
    this.prepareContexts(fileName);

    this.log = new JobLog(path.join(this.workDir, 'job.log'), opts.echo ?? false, this.masker);
    try {
      const proceed = this.setUpJob();
      if (proceed === 'skipped') return this.finish('skipped');
      if (proceed === 'failed') {
        this.status = 'failure';
      } else {
        await this.runMainSteps();
        await this.runPostSteps();
      }
      const outputs = this.jobOutputs();
      return this.finish(this.status === 'success' ? 'success' : 'failure', outputs);
    } finally {
      killGroups(this.groups);
    }
  }

  private selectJob(): void {
    const jobs = this.wf.template.jobs;
    const ids = jobs.map((j) => j.id.value);
    let chosen;
    if (this.opts.jobId !== undefined) {
      chosen = jobs.find((j) => j.id.value === this.opts.jobId);
      if (!chosen) {
        throw new RunnerError(
          `Job '${this.opts.jobId}' not found in ${this.wf.fileName}; jobs: ${ids.join(', ')}`,
        );
      }
    } else {
      if (jobs.length !== 1) {
        throw new RunnerError(
          `${this.wf.fileName} has ${jobs.length} jobs (${ids.join(', ')}): choose one with jobId/--job`,
        );
      }
      chosen = jobs[0]!;
    }
    if (!isJob(chosen)) {
      throw new RunnerError(
        `Job '${chosen.id.value}' calls a reusable workflow (jobs.<id>.uses: ${chosen.ref.value}): reusable workflows are not supported by the local runner`,
      );
    }
    this.job = chosen;
    const raw = mappingGet(mappingGet(this.wf.root, 'jobs'), chosen.id.value);
    if (!raw || !isMapping(raw)) throw new RunnerError(`Job '${chosen.id.value}' is not a mapping`);
    this.rawJob = raw;
  }

  /** Constructs the local runner does not implement: a clear error naming them, before anything runs. */
  private checkSupported(): void {
    const job = this.job;
    const where = (t: TemplateToken | undefined) => tokenLocation(this.wf.fileName, t);
    const unsupported = (construct: string, token: TemplateToken | undefined, hint = '') => {
      throw new RunnerError(`${where(token)}: ${construct} is not supported by the local runner${hint}`);
    };
    if (job.needs && job.needs.length > 0) {
      unsupported(
        `jobs.${job.id.value}.needs (${job.needs.map((n) => n.value).join(', ')})`,
        job.needs[0],
        ': it runs one job; run each job on its own',
      );
    }
    if (job.strategy) unsupported(`jobs.${job.id.value}.strategy (matrix)`, job.strategy);
    if (job.container) unsupported(`jobs.${job.id.value}.container`, job.container);
    if (job.services) unsupported(`jobs.${job.id.value}.services`, job.services);
    if (job.snapshot) unsupported(`jobs.${job.id.value}.snapshot`, job.snapshot);
    const rawSteps = sequenceItems(mappingGet(this.rawJob, 'steps'));
    if (rawSteps.length !== job.steps.length) {
      throw new RunnerError(
        `${where(this.rawJob)}: could not match the job's steps with the parsed workflow`,
      );
    }
    job.steps.forEach((step, i) => {
      const raw = rawSteps[i];
      if (!isRunStep(step) && !isActionStep(step)) {
        unsupported(`a step without run: or uses: (${Object.keys(step).join(', ')})`, raw);
      }
      if ('background' in step && step.background !== undefined) unsupported('steps[*].background', raw);
      if (isActionStep(step)) {
        const uses = step.uses.value;
        if (uses.startsWith('docker://')) unsupported(`uses: ${uses} (Docker container actions)`, step.uses);
        if (uses.startsWith('$/')) unsupported(`uses: ${uses} (self-repository references)`, step.uses);
        if (
          !uses.startsWith('./') &&
          !uses.startsWith('.\\') &&
          !/^[^/@]+\/[^/@]+(\/[^@]*)?@.+$/.test(uses)
        ) {
          unsupported(`uses: ${uses} (not ./path nor owner/repo[/path]@ref)`, step.uses);
        }
      }
      const shell = mappingGet(raw, 'shell');
      if (shell && isString(shell)) this.resolveShell(shell.value, shell);
    });
    for (const source of [mappingGet(this.wf.root, 'defaults'), mappingGet(this.rawJob, 'defaults')]) {
      const shell = mappingGet(mappingGet(source, 'run'), 'shell');
      if (shell && isString(shell)) this.resolveShell(shell.value, shell);
    }
  }

  private prepareWorkDir(): void {
    const dir = this.workDir;
    if (existsSync(dir)) {
      if (!statSync(dir).isDirectory()) throw new RunnerError(`workDir ${dir} is not a directory`);
      const entries = readdirSync(dir);
      if (entries.length > 0) {
        if (!entries.includes(MARKER)) {
          throw new RunnerError(
            `workDir ${dir} is not empty and was not made by the local runner: use an empty or new folder`,
          );
        }
        for (const e of entries) rmSync(path.join(dir, e), { recursive: true, force: true });
      }
    }
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, MARKER), 'Made by action-tests/runner; emptied at the start of each run.\n');
  }

  private prepareContexts(fileName: string): void {
    const opts = this.opts;
    const repoName = REPOSITORY.split('/')[1]!;
    this.workspace = path.join(this.workDir, 'work', repoName, repoName);
    this.runnerTemp = path.join(this.workDir, 'work', '_temp');
    const toolCache = path.join(this.workDir, 'work', '_tool');
    const home = path.join(this.workDir, 'home');
    this.fileCommandsDir = path.join(this.runnerTemp, '_runner_file_commands');
    for (const d of [this.workspace, this.runnerTemp, toolCache, home, this.fileCommandsDir]) {
      mkdirSync(d, { recursive: true });
    }

    const machineEnv = opts.env ?? {};
    const stackGh = stackGitHub(machineEnv.SAMPLE_STACK_FILE);
    const serverUrl = machineEnv.GITHUB_SERVER_URL || stackGh?.serverUrl || 'https://github.com';
    const apiUrl = machineEnv.GITHUB_API_URL || stackGh?.apiUrl || 'https://api.github.com';
    const graphqlUrl =
      machineEnv.GITHUB_GRAPHQL_URL || stackGh?.graphqlUrl || `${apiUrl.replace(/\/v3\/?$/, '')}/graphql`;
    if (stackGh && this.secrets.GITHUB_TOKEN === undefined) this.secrets.GITHUB_TOKEN = stackGh.token;
    const commit = headCommit(this.repoRoot);
    const sha = opts.sha ?? commit.sha;
    let payload = defaultPayload({
      eventName: opts.eventName,
      ref: opts.ref,
      sha,
      commit,
      serverUrl,
      apiUrl,
      workflowPath: fileName,
    });
    if (opts.eventPayload) payload = deepMerge(payload, opts.eventPayload);

    let ref: string;
    let headRef = '';
    let baseRef = '';
    if (opts.eventName === 'pull_request') {
      const number = getString(payload, 'number') ?? getString(payload, 'pull_request', 'number') ?? '7';
      ref = opts.ref ?? `refs/pull/${number}/merge`;
      headRef = getString(payload, 'pull_request', 'head', 'ref') ?? '';
      baseRef = getString(payload, 'pull_request', 'base', 'ref') ?? DEFAULT_BRANCH;
    } else {
      ref = opts.ref ?? getString(payload, 'ref') ?? `refs/heads/${DEFAULT_BRANCH}`;
    }
    this.checkTrigger(ref, baseRef, payload);
    if (opts.eventName === 'workflow_dispatch') {
      this.inputs = this.dispatchInputs(payload);
      payload = {
        ...payload,
        inputs: Object.fromEntries(Object.entries(this.inputs).map(([k, v]) => [k, String(v)])),
      };
    }

    const repository = getString(payload, 'repository', 'full_name') ?? REPOSITORY;
    const owner = repository.split('/')[0]!;
    const actor = getString(payload, 'sender', 'login') ?? 'octo-dev';
    const eventPath = path.join(this.runnerTemp, '_github_workflow', 'event.json');
    mkdirSync(path.dirname(eventPath), { recursive: true });
    writeFileSync(eventPath, JSON.stringify(payload, null, 2));

    const workflowName = this.workflowName(fileName);
    const runId = opts.runId ?? String(Date.now());
    const token = this.secrets.GITHUB_TOKEN ?? '';
    for (const v of Object.values(this.secrets)) this.masker.add(v);

    this.github = {
      action: '',
      action_path: '',
      action_ref: '',
      action_repository: '',
      action_status: '',
      actor,
      actor_id: '1234567',
      api_url: apiUrl,
      base_ref: baseRef,
      event: payload,
      event_name: opts.eventName,
      event_path: eventPath,
      graphql_url: graphqlUrl,
      head_ref: headRef,
      job: this.job.id.value,
      ref,
      ref_name: refName(ref),
      ref_protected: false,
      ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
      repository,
      repository_id: '812345678',
      repository_owner: owner,
      repository_owner_id: '98765432',
      repositoryUrl: `git://github.com/${repository}.git`,
      retention_days: '90',
      run_id: runId,
      run_number: opts.runNumber ?? '1',
      run_attempt: opts.runAttempt ?? '1',
      secret_source: 'Actions',
      server_url: serverUrl,
      sha,
      token,
      triggering_actor: actor,
      workflow: workflowName,
      workflow_ref: `${repository}/${fileName}@${ref}`,
      workflow_sha: sha,
      workspace: this.workspace,
    };

    this.baseEnv = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: home,
      LANG: 'C.UTF-8',
      ImageOS: 'ubuntu24',
      ...machineEnv,
    };
    this.runnerVars = {
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_ACTOR: actor,
      GITHUB_ACTOR_ID: '1234567',
      GITHUB_API_URL: apiUrl,
      GITHUB_BASE_REF: baseRef,
      GITHUB_EVENT_NAME: opts.eventName,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_GRAPHQL_URL: graphqlUrl,
      GITHUB_HEAD_REF: headRef,
      GITHUB_JOB: this.job.id.value,
      GITHUB_REF: ref,
      GITHUB_REF_NAME: refName(ref),
      GITHUB_REF_PROTECTED: 'false',
      GITHUB_REF_TYPE: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
      GITHUB_REPOSITORY: repository,
      GITHUB_REPOSITORY_ID: '812345678',
      GITHUB_REPOSITORY_OWNER: owner,
      GITHUB_REPOSITORY_OWNER_ID: '98765432',
      GITHUB_RETENTION_DAYS: '90',
      GITHUB_RUN_ATTEMPT: opts.runAttempt ?? '1',
      GITHUB_RUN_ID: runId,
      GITHUB_RUN_NUMBER: opts.runNumber ?? '1',
      GITHUB_SERVER_URL: serverUrl,
      GITHUB_SHA: sha,
      GITHUB_TRIGGERING_ACTOR: actor,
      GITHUB_WORKFLOW: workflowName,
      GITHUB_WORKFLOW_REF: `${repository}/${fileName}@${ref}`,
      GITHUB_WORKFLOW_SHA: sha,
      GITHUB_WORKSPACE: this.workspace,
      RUNNER_ARCH: 'X64',
      RUNNER_ENVIRONMENT: 'github-hosted',
      RUNNER_NAME: 'local-runner',
      RUNNER_OS: 'Linux',
      RUNNER_TEMP: this.runnerTemp,
      RUNNER_TOOL_CACHE: toolCache,
      RUNNER_WORKSPACE: path.dirname(this.workspace),
      ...(opts.stepDebug ? { RUNNER_DEBUG: '1' } : {}),
    };
    const runtimeToken = randomBytes(24).toString('hex');
    this.masker.add(runtimeToken);
    this.actionRuntimeEnv = {
      ACTIONS_RUNTIME_URL: 'https://local-runner.invalid/runtime/',
      ACTIONS_RUNTIME_TOKEN: runtimeToken,
      ACTIONS_CACHE_URL: 'https://local-runner.invalid/cache/',
      ACTIONS_RESULTS_URL: 'https://local-runner.invalid/results/',
    };
  }

  private workflowName(fileName: string): string {
    const name = mappingGet(this.wf.root, 'name');
    return name && isString(name) ? name.value : fileName;
  }

  private checkTrigger(ref: string, baseRef: string, payload: Record<string, unknown>): void {
    const events = this.wf.template.events;
    const name = this.opts.eventName;
    const config = events[name] as
      | {
          branches?: string[];
          'branches-ignore'?: string[];
          tags?: string[];
          'tags-ignore'?: string[];
          types?: string[];
        }
      | undefined;
    const on = Object.keys(events).join(', ') || '(none)';
    if (!config) {
      throw new RunnerError(`The workflow ${this.wf.fileName} is not triggered by '${name}' (on: ${on})`);
    }
    if (name === 'push') {
      const isTag = ref.startsWith('refs/tags/');
      const value = refName(ref);
      const hasBranchFilter = config.branches !== undefined || config['branches-ignore'] !== undefined;
      const hasTagFilter = config.tags !== undefined || config['tags-ignore'] !== undefined;
      let runs: boolean;
      if (!hasBranchFilter && !hasTagFilter) runs = true;
      else if (isTag) runs = hasTagFilter && matchesFilters(value, config.tags, config['tags-ignore']);
      else runs = hasBranchFilter && matchesFilters(value, config.branches, config['branches-ignore']);
      if (!runs) {
        throw new RunnerError(
          `The workflow ${this.wf.fileName} does not run on a push to ${ref} (its push filters exclude it)`,
        );
      }
    }
    if (name === 'pull_request') {
      if (!matchesFilters(baseRef, config.branches, config['branches-ignore'])) {
        throw new RunnerError(
          `The workflow ${this.wf.fileName} does not run on pull requests to '${baseRef}' (its pull_request branch filters exclude it)`,
        );
      }
      const types = config.types ?? ['opened', 'synchronize', 'reopened'];
      const action = getString(payload, 'action') ?? '';
      if (!types.includes(action)) {
        throw new RunnerError(
          `The workflow ${this.wf.fileName} does not run on pull_request '${action}' (types: ${types.join(', ')})`,
        );
      }
    }
  }

  private dispatchInputs(payload: Record<string, unknown>): Record<string, unknown> {
    const defs = this.wf.template.events.workflow_dispatch?.inputs ?? {};
    const given = (payload.inputs ?? {}) as Record<string, unknown>;
    const result: Record<string, unknown> = {};
    for (const [name, def] of Object.entries(defs)) {
      const type = String(def.type); // InputType is an enum of the parser: string, choice, boolean, environment
      const raw = name in given ? given[name] : def.default;
      if (raw === undefined || raw === '') {
        if (def.required)
          throw new RunnerError(
            `workflow_dispatch input '${name}' is required: pass it in eventPayload.inputs`,
          );
        result[name] = type === 'boolean' ? false : '';
        continue;
      }
      if (type === 'boolean') {
        result[name] = raw === true || raw === 'true';
      } else {
        const value = typeof raw === 'string' ? raw : JSON.stringify(raw);
        if (type === 'choice' && def.options && !def.options.includes(value)) {
          throw new RunnerError(
            `workflow_dispatch input '${name}': '${value}' is not one of ${def.options.join(', ')}`,
          );
        }
        result[name] = value;
      }
    }
    for (const name of Object.keys(given)) {
      if (!(name in defs))
        throw new RunnerError(
          `Unexpected workflow_dispatch input '${name}' (not declared in on.workflow_dispatch.inputs)`,
        );
    }
    return result;
  }

  // ---------------------------------------------------------------- contexts

  private scope(env: Record<string, string>, extra: Partial<Record<string, unknown>> = {}): ExpressionScope {
    const steps: Record<string, unknown> = {};
    for (const [id, s] of Object.entries(this.stepsContext)) steps[id] = s;
    return {
      fileName: this.wf.fileName,
      workspace: this.workspace,
      jobStatus: () => this.status,
      contexts: {
        github: this.github,
        env,
        job: { status: this.status },
        steps,
        runner: {
          os: 'Linux',
          arch: 'X64',
          name: 'local-runner',
          environment: 'github-hosted',
          temp: this.runnerTemp,
          tool_cache: this.runnerVars.RUNNER_TOOL_CACHE,
          ...(this.opts.stepDebug ? { debug: '1' } : {}),
        },
        secrets: this.secrets,
        vars: this.vars,
        inputs: this.inputs,
        needs: {},
        strategy: { 'fail-fast': true, 'job-index': 0, 'job-total': 1, 'max-parallel': 1 },
        matrix: null,
        ...extra,
      },
    };
  }

  private idTokenAllowed(): { allowed: boolean; description: string } {
    const perms = mappingGet(this.rawJob, 'permissions') ?? mappingGet(this.wf.root, 'permissions');
    if (!perms) return { allowed: false, description: '(default permissions; no id-token)' };
    if (isString(perms)) return { allowed: perms.value === 'write-all', description: perms.value };
    if (isMapping(perms)) {
      const parts: string[] = [];
      let allowed = false;
      for (const pair of perms) {
        if (!isString(pair.key)) continue;
        const value = isString(pair.value) ? pair.value.value : '?';
        parts.push(`${pair.key.value}: ${value}`);
        if (pair.key.value === 'id-token' && value === 'write') allowed = true;
      }
      return { allowed, description: parts.join(', ') || '{} (none)' };
    }
    return { allowed: false, description: '?' };
  }

  /** Logs the job's set-up; evaluates job if/env/defaults. */
  private setUpJob(): 'run' | 'skipped' | 'failed' {
    const log = this.log;
    const job = this.job;
    const fileScope = this.scope({});
    log.group('Set up job');
    log.write(`Local runner (action-tests/runner): job '${job.id.value}' of ${this.wf.fileName}`);
    log.write(
      `Event: ${this.opts.eventName}, ref ${String(this.github.ref)}, sha ${String(this.github.sha)}`,
    );
    log.write(`Workspace: ${this.workspace}`);
    const perms = this.idTokenAllowed();
    log.write(`GITHUB_TOKEN permissions: ${perms.description}`);
    if (perms.allowed) {
      const idToken = randomBytes(24).toString('hex');
      this.masker.add(idToken);
      this.actionRuntimeEnv.ACTIONS_ID_TOKEN_REQUEST_URL = ID_TOKEN_URL;
      this.actionRuntimeEnv.ACTIONS_ID_TOKEN_REQUEST_TOKEN = idToken;
    }
    log.write('Secret source: Actions');
    let outcome: 'run' | 'skipped' | 'failed' = 'run';
    try {
      const runName = mappingGet(this.wf.root, 'run-name');
      if (runName) log.write(`run-name: ${evaluateString(runName, fileScope, 'run-name')}`);
      const workflowEnv = evaluateStringMap(this.wf.template.env, fileScope, 'env');
      const runsOn = job['runs-on'];
      if (runsOn) log.write(`runs-on: ${display(evaluateTokenData(runsOn, this.scope(workflowEnv)))}`);
      if (job.environment) {
        const env = display(evaluateTokenData(job.environment, this.scope(workflowEnv)));
        log.write(`environment: ${env} (accepted; no protection rules or environment secrets locally)`);
      }
      const concurrency = job.concurrency ?? this.wf.template.concurrency;
      if (concurrency) {
        log.write(
          `concurrency: ${display(evaluateTokenData(concurrency, this.scope(workflowEnv)))} (accepted; not enforced locally)`,
        );
      }
      const coe = mappingGet(this.rawJob, 'continue-on-error');
      if (coe)
        log.write(
          `continue-on-error (job): ${String(evaluateBoolean(coe, this.scope(workflowEnv)))} (does not change this job's conclusion)`,
        );
      const timeout = mappingGet(this.rawJob, 'timeout-minutes');
      if (timeout)
        this.jobTimeoutMinutes = this.evaluateMinutes(timeout, this.scope(workflowEnv), 'timeout-minutes');
      this.jobDeadline = Date.now() + this.jobTimeoutMinutes * 60_000;

      const jobIf = evaluateBoolean(job.if, this.scope(workflowEnv));
      if (!jobIf) {
        log.write(`Job '${job.id.value}' skipped: its condition '${job.if.expression}' is false`);
        outcome = 'skipped';
      } else {
        const jobEnv = evaluateStringMap(job.env, this.scope(workflowEnv), 'env');
        this.jobEnv = { ...workflowEnv, ...jobEnv };
        const run = (source: TemplateToken | undefined) => mappingGet(mappingGet(source, 'defaults'), 'run');
        this.defaultShell = mappingGet(run(this.rawJob), 'shell') ?? mappingGet(run(this.wf.root), 'shell');
        this.defaultWorkingDirectory =
          mappingGet(run(this.rawJob), 'working-directory') ??
          mappingGet(run(this.wf.root), 'working-directory');
      }
    } catch (err) {
      this.reportError(err);
      outcome = 'failed';
    }
    log.endGroup();
    return outcome;
  }

  private evaluateMinutes(token: TemplateToken, scope: ExpressionScope, what: string): number {
    const value = isNumber(token) ? token.value : Number(evaluateString(token, scope, what));
    if (!Number.isFinite(value) || value <= 0)
      throw new ExpressionFailure(`${what} must be a positive number`);
    return value;
  }

  private reportError(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof RunnerError) this.runnerErrors.push(message);
    else if (!(err instanceof ExpressionFailure) && !(err instanceof FileCommandError)) {
      // An unexpected error of the runner itself: keep the stack for whoever debugs it.
      this.log.write(`##[debug]${err instanceof Error ? (err.stack ?? message) : message}`);
    }
    this.log.error(message);
  }

  // ---------------------------------------------------------------- steps

  private async runMainSteps(): Promise<void> {
    const rawSteps = sequenceItems(mappingGet(this.rawJob, 'steps'));
    for (let i = 0; i < this.job.steps.length; i++) {
      const step = this.job.steps[i]!;
      const raw = rawSteps[i]!;
      await this.runStep(step, raw);
    }
  }

  private displayName(step: Step, scope: ExpressionScope): string {
    if (step.name) {
      try {
        return evaluateString(step.name, scope, 'name');
      } catch {
        // the name is for display only
      }
    }
    if (isRunStep(step)) {
      const text = isString(step.run) ? step.run.value : step.run.toDisplayString();
      return `Run ${firstLine(text)}`;
    }
    if (isActionStep(step)) return `Run ${step.uses.value}`;
    return step.id;
  }

  private async runStep(step: Step, raw: TemplateToken): Promise<void> {
    if (!isRunStep(step) && !isActionStep(step)) return; // rejected in checkSupported
    const log = this.log;
    if (this.status !== 'cancelled' && Date.now() > this.jobDeadline) this.cancelForTimeout();
    const jobScope = this.scope(this.jobEnv);
    const name = this.masker.mask(this.displayName(step, jobScope));
    log.currentStep = name;
    const record = (
      outcome: Outcome,
      conclusion: Outcome,
      outputs: Record<string, string>,
      summary: string,
    ) => {
      this.results.push({ id: step.id, name, phase: 'main', outcome, conclusion, outputs, summary });
      if (!step.id.startsWith('__')) this.stepsContext[step.id] = { outputs, outcome, conclusion };
      if (conclusion === 'failure' && this.status === 'success') this.status = 'failure';
    };

    let condition: boolean;
    try {
      condition = evaluateBoolean(step.if, jobScope);
    } catch (err) {
      this.reportError(err);
      record('failure', 'failure', {}, '');
      return;
    }
    if (!condition) {
      if (this.opts.stepDebug)
        log.debug(`Skipping step '${name}': condition '${step.if.expression}' is false`);
      record('skipped', 'skipped', {}, '');
      return;
    }

    let continueOnError = false;
    let execution: Execution = { ok: false, outputs: {}, state: {} };
    let summary = '';
    try {
      const stepEnv = evaluateStringMap(step.env, jobScope, 'env');
      const envContext = { ...this.jobEnv, ...stepEnv };
      const scope = this.scope(envContext, { github: { ...this.github, action: step.id } });
      const coe = step['continue-on-error'];
      continueOnError = typeof coe === 'boolean' ? coe : coe ? evaluateBoolean(coe, scope) : false;
      const timeoutToken = mappingGet(raw, 'timeout-minutes');
      const stepTimeout = timeoutToken
        ? this.evaluateMinutes(timeoutToken, scope, 'timeout-minutes')
        : undefined;
      const files = createStepFiles(this.fileCommandsDir);
      const ctx: StepRunContext = { id: step.id, name, raw, stepEnv, envContext, scope, files, stepTimeout };
      if (isRunStep(step)) {
        execution = await this.runScript(step.run, ctx);
      } else {
        execution = await this.runUses(step.uses.value, ctx, continueOnError);
      }
      summary = this.readSummary(files);
    } catch (err) {
      this.reportError(err);
      execution = { ok: false, outputs: execution.outputs, state: {} };
    }
    const outcome: Outcome = execution.ok ? 'success' : 'failure';
    record(outcome, !execution.ok && continueOnError ? 'success' : outcome, execution.outputs, summary);
    log.currentStep = undefined;
  }

  private cancelForTimeout(): void {
    this.log.error(
      `The job running on runner local-runner has exceeded the maximum execution time of ${this.jobTimeoutMinutes} minutes.`,
    );
    this.status = 'cancelled';
  }

  private remainingJobMs(): number {
    return Math.max(1000, this.jobDeadline - Date.now());
  }

  private writeHeader(
    title: string,
    ctx: StepRunContext,
    lines: string[],
    inputs?: Record<string, string>,
  ): void {
    const log = this.log;
    log.group(title);
    for (const l of lines) log.write(l);
    if (inputs && Object.keys(inputs).length) {
      log.write('with:');
      for (const [k, v] of Object.entries(inputs)) log.write(`  ${k}: ${v}`);
    }
    if (Object.keys(ctx.envContext).length) {
      log.write('env:');
      for (const [k, v] of Object.entries(ctx.envContext)) log.write(`  ${k}: ${v}`);
    }
    log.endGroup();
  }

  /** The process environment of a step. */
  private processEnv(ctx: StepRunContext, extra: Record<string, string>): Record<string, string> {
    const env: Record<string, string> = {
      ...this.baseEnv,
      ...ctx.envContext,
      ...this.runnerVars,
      GITHUB_ACTION: ctx.id,
      GITHUB_OUTPUT: ctx.files.output,
      GITHUB_ENV: ctx.files.env,
      GITHUB_PATH: ctx.files.path,
      GITHUB_STATE: ctx.files.state,
      GITHUB_STEP_SUMMARY: ctx.files.summary,
      ...extra,
    };
    const basePath = ctx.envContext.PATH ?? this.baseEnv.PATH ?? '';
    env.PATH = [...this.prependPath, basePath].filter((p) => p !== '').join(path.delimiter);
    return env;
  }

  private resolveShell(
    shell: string | undefined,
    token?: TemplateToken,
  ): { display: string; command: string; args: string[] } {
    const PATH = this.baseEnv.PATH ?? process.env.PATH;
    const locate = (program: string) => {
      const found = findOnPath(program, PATH);
      if (!found)
        throw new RunnerError(`${program} was not found on PATH for shell: ${shell ?? '(default)'}`);
      return found;
    };
    if (shell === undefined || shell === '') {
      const bash = findOnPath('bash', PATH);
      if (bash) return { display: `${bash} -e {0}`, command: bash, args: ['-e', '{0}'] };
      const sh = locate('sh');
      return { display: `${sh} -e {0}`, command: sh, args: ['-e', '{0}'] };
    }
    if (shell === 'bash') {
      const bash = locate('bash');
      const args = ['--noprofile', '--norc', '-eo', 'pipefail', '{0}'];
      return { display: `${bash} ${args.join(' ')}`, command: bash, args };
    }
    if (shell === 'sh') {
      const sh = locate('sh');
      return { display: `${sh} -e {0}`, command: sh, args: ['-e', '{0}'] };
    }
    const parts = shell.trim().split(/\s+/);
    const program = parts[0] ?? '';
    if (shell.includes('{0}') && ['bash', 'sh'].includes(path.basename(program))) {
      const command = locate(program);
      return { display: [command, ...parts.slice(1)].join(' '), command, args: parts.slice(1) };
    }
    throw new RunnerError(
      `${tokenLocation(this.wf.fileName, token)}: shell: ${shell} is not supported by the local runner (only bash, sh, or a custom bash/sh command with {0})`,
    );
  }

  private async runScript(runToken: TemplateToken, ctx: StepRunContext): Promise<Execution> {
    const script = evaluateString(runToken, ctx.scope, 'run');
    const shellToken = mappingGet(ctx.raw, 'shell') ?? this.defaultShell;
    const shellValue = shellToken ? evaluateString(shellToken, ctx.scope, 'shell') : undefined;
    const shell = this.resolveShell(shellValue, shellToken);
    const wdToken = mappingGet(ctx.raw, 'working-directory') ?? this.defaultWorkingDirectory;
    const wd = wdToken
      ? path.resolve(this.workspace, evaluateString(wdToken, ctx.scope, 'working-directory'))
      : this.workspace;

    const scriptLines = script.replace(/\n$/, '').split('\n');
    this.writeHeader(`Run ${firstLine(script)}`, ctx, [...scriptLines, `shell: ${shell.display}`]);
    if (!existsSync(wd) || !statSync(wd).isDirectory()) {
      this.log.error(
        `An error occurred trying to start process '${shell.command}' with working directory '${wd}'. No such file or directory`,
      );
      return { ok: false, outputs: {}, state: {} };
    }
    const file = path.join(this.runnerTemp, `${randomBytes(16).toString('hex')}.sh`);
    writeFileSync(file, script);
    const args = shell.args.map((a) => a.replace('{0}', file));
    // The OIDC request variables are there for scripts too (curl "$ACTIONS_ID_TOKEN_REQUEST_URL" works on GitHub).
    const env = this.processEnv(ctx, this.idTokenEnv());
    const result = await this.spawnStep(shell.command, args, wd, env, ctx);
    return this.completeProcessStep(result, ctx, 'script');
  }

  private async spawnStep(
    command: string,
    args: string[],
    cwd: string,
    env: Record<string, string>,
    ctx: StepRunContext,
  ): Promise<
    ProcessResult & {
      commandFailures: string[];
      commandOutputs: Record<string, string>;
      commandState: Record<string, string>;
    }
  > {
    const commandFailures: string[] = [];
    const commandOutputs: Record<string, string> = {};
    const commandState: Record<string, string> = {};
    const processor = new StepOutputProcessor({
      log: this.log,
      debugEnabled: this.opts.stepDebug ?? false,
      unsecureCommandsAllowed: env.ACTIONS_ALLOW_UNSECURE_COMMANDS === 'true',
      setOutput: (n, v) => (commandOutputs[n] = v),
      saveState: (n, v) => (commandState[n] = v),
      exportVariable: (n, v) => (this.jobEnv[n] = v),
      addPath: (p) => this.addPath(p),
      fail: (m) => commandFailures.push(m),
    });
    const timeouts = [
      this.remainingJobMs(),
      ctx.stepTimeout !== undefined ? ctx.stepTimeout * 60_000 : Infinity,
    ];
    const timeoutMs = Math.min(...timeouts);
    const result = await runProcess(command, args, {
      cwd,
      env,
      timeoutMs,
      groups: this.groups,
      onLine: (line) => processor.line(line),
    });
    if (result.timedOut) {
      const stepTimedOut = ctx.stepTimeout !== undefined && ctx.stepTimeout * 60_000 <= timeouts[0]!;
      if (stepTimedOut)
        this.log.error(`The action '${ctx.name}' has timed out after ${ctx.stepTimeout} minutes.`);
      else this.cancelForTimeout();
    }
    return { ...result, commandFailures, commandOutputs, commandState };
  }

  private idTokenEnv(): Record<string, string> {
    const { ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: token } =
      this.actionRuntimeEnv;
    return url && token ? { ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: token } : {};
  }

  private addPath(p: string): void {
    this.prependPath = [p, ...this.prependPath.filter((x) => x !== p)];
  }

  /** Exit code and file commands of a finished step process. */
  private completeProcessStep(
    result: Awaited<ReturnType<JobRun['spawnStep']>>,
    ctx: StepRunContext,
    kind: 'script' | 'node',
  ): Execution {
    let ok = true;
    if (result.spawnError) {
      this.log.error(`An error occurred trying to start process: ${result.spawnError.message}`);
      ok = false;
    } else if (result.timedOut) {
      ok = false;
    } else if (result.exitCode !== 0) {
      if (kind === 'script') {
        this.log.error(
          `Process completed with exit code ${result.exitCode ?? `null (signal ${result.signal})`}.`,
        );
      } else if (this.opts.stepDebug) {
        this.log.debug(
          `Node Action run completed with exit code ${result.exitCode ?? `null (signal ${result.signal})`}`,
        );
      }
      ok = false;
    }
    if (result.commandFailures.length) ok = false;
    const files = this.processFileCommands(ctx.files);
    if (!files.ok) ok = false;
    return {
      ok,
      outputs: { ...result.commandOutputs, ...files.outputs },
      state: { ...result.commandState, ...files.state },
    };
  }

  /** GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH, GITHUB_STATE of a finished step. */
  private processFileCommands(files: StepFiles): {
    ok: boolean;
    outputs: Record<string, string>;
    state: Record<string, string>;
  } {
    let ok = true;
    const outputs: Record<string, string> = {};
    const state: Record<string, string> = {};
    const each = (kind: string, file: string, apply: (name: string, value: string) => void) => {
      try {
        for (const [n, v] of parseKeyValueFile(readIfExists(file))) apply(n, v);
      } catch (err) {
        this.log.error(`Unable to process file command '${kind}' successfully.`);
        this.log.error((err as Error).message);
        ok = false;
      }
    };
    each('output', files.output, (n, v) => (outputs[n] = v));
    each('save-state', files.state, (n, v) => (state[n] = v));
    each('env', files.env, (n, v) => {
      if (n.toUpperCase() === 'NODE_OPTIONS') {
        this.log.error("Can't store NODE_OPTIONS output parameter using '$GITHUB_ENV' command.");
        return;
      }
      this.jobEnv[n] = v;
    });
    for (const p of parsePathFile(readIfExists(files.path))) this.addPath(p);
    return { ok, outputs, state };
  }

  private readSummary(files: StepFiles): string {
    const content = readIfExists(files.summary);
    if (Buffer.byteLength(content) > 1024 * 1024) {
      this.log.warning(
        `$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of 1024k, got ${Math.ceil(Buffer.byteLength(content) / 1024)}k.`,
      );
      return '';
    }
    return this.masker.mask(content);
  }

  // ---------------------------------------------------------------- actions

  private async runUses(uses: string, ctx: StepRunContext, continueOnError: boolean): Promise<Execution> {
    const withValues = evaluateStringMap(mappingGet(ctx.raw, 'with'), ctx.scope, 'with');
    if (uses.startsWith('./') || uses.startsWith('.\\')) {
      return this.runLocalAction(uses, withValues, ctx, continueOnError);
    }
    const standIn = findStandIn(uses);
    if (!standIn) {
      this.writeHeader(`Run ${uses}`, ctx, [], withValues);
      const known = [...standIns.values()].map((s) => s.name).join(', ');
      this.log.error(
        `No stand-in for '${uses}': the local runner cannot download remote actions. ` +
          `Write one in ${STAND_INS_DIR}/ (a file exporting { name, description, inputs, run(ctx) }) and register it in ${STAND_INS_DIR}/index.ts. Stand-ins: ${known}.`,
      );
      return { ok: false, outputs: {}, state: {} };
    }
    return this.runStandIn(standIn, uses, withValues, ctx);
  }

  /** Inputs with defaults, "Unexpected input(s)" and required warnings, as the runner does. */
  private resolveInputs(
    given: Record<string, string>,
    declared: Array<{
      id: string;
      required?: boolean;
      deprecationMessage?: string;
      default: () => string | undefined;
    }>,
  ): { inputs: Record<string, string>; warnings: string[] } {
    const warnings: string[] = [];
    const lowerGiven = new Map(Object.entries(given).map(([k, v]) => [k.toLowerCase(), { k, v }]));
    const declaredIds = new Set(declared.map((d) => d.id.toLowerCase()));
    const unexpected = Object.keys(given).filter((k) => !declaredIds.has(k.toLowerCase()));
    if (unexpected.length) {
      warnings.push(
        `Unexpected input(s) ${unexpected.map((u) => `'${u}'`).join(', ')}, valid inputs are [${declared.map((d) => `'${d.id}'`).join(', ')}]`,
      );
    }
    const inputs: Record<string, string> = {};
    for (const d of declared) {
      const g = lowerGiven.get(d.id.toLowerCase());
      if (g !== undefined) {
        inputs[d.id] = g.v;
        if (d.deprecationMessage)
          warnings.push(`Input '${d.id}' has been deprecated with message: ${d.deprecationMessage}`);
        continue;
      }
      const def = d.default();
      if (def !== undefined) inputs[d.id] = def;
      else if (d.required)
        warnings.push(
          `Input required and not supplied: ${d.id} (GitHub does not enforce 'required'; the action may fail)`,
        );
    }
    for (const k of unexpected) inputs[k] = given[k]!;
    return { inputs, warnings };
  }

  private loadLocalAction(uses: string): { dir: string; action: ActionTemplate; runs: ActionRunsNode } {
    const dir = path.resolve(this.workspace, uses);
    const file = ['action.yml', 'action.yaml'].map((f) => path.join(dir, f)).find((f) => existsSync(f));
    if (!file) {
      if (existsSync(path.join(dir, 'Dockerfile'))) {
        throw new RunnerError(
          `${uses}: Docker container actions (Dockerfile) are not supported by the local runner`,
        );
      }
      throw new ExpressionFailure(
        `Can't find 'action.yml', 'action.yaml' or 'Dockerfile' under '${dir}'. Did you forget to run actions/checkout before running your local action?`,
      );
    }
    const { action } = parseActionFile(path.relative(this.workspace, file), readFileSync(file, 'utf8'));
    const runs = action.runs as ActionTemplate['runs'] | undefined;
    if (!runs) throw new RunnerError(`${uses}: action.yml has no runs:`);
    if (runs.using === 'composite') {
      throw new RunnerError(
        `${uses}: runs.using: composite (composite actions) is not supported by the local runner`,
      );
    }
    if (runs.using === 'docker') {
      throw new RunnerError(
        `${uses}: runs.using: docker (Docker container actions) is not supported by the local runner`,
      );
    }
    if (!SUPPORTED_NODE.has(runs.using)) {
      throw new RunnerError(`${uses}: runs.using: ${runs.using} is not supported (use node24 or node20)`);
    }
    if (runs.pre)
      throw new RunnerError(`${uses}: runs.pre (pre: ${runs.pre}) is not supported by the local runner`);
    return { dir, action, runs };
  }

  private async runLocalAction(
    uses: string,
    given: Record<string, string>,
    ctx: StepRunContext,
    continueOnError: boolean,
  ): Promise<Execution> {
    let loaded;
    try {
      loaded = this.loadLocalAction(uses);
    } catch (err) {
      this.writeHeader(`Run ${uses}`, ctx, [], given);
      throw err;
    }
    const { dir, action, runs } = loaded;
    const actionScope = this.scope(ctx.envContext, {
      github: { ...this.github, action: ctx.id, action_path: dir },
    });
    const { inputs, warnings } = this.resolveInputs(
      given,
      (action.inputs ?? []).map((d) => ({
        id: d.id,
        required: d.required,
        deprecationMessage: d.deprecationMessage,
        default: () =>
          d.default !== undefined
            ? evaluateString(d.default, { ...actionScope, fileName: uses }, `inputs.${d.id}.default`)
            : undefined,
      })),
    );
    this.writeHeader(`Run ${uses}`, ctx, [], inputs);
    for (const w of warnings) this.log.warning(w);
    const main = path.join(dir, runs.main);
    if (!existsSync(main)) throw new ExpressionFailure(`${uses}: runs.main file not found: ${main}`);
    if (runs.post) {
      // Registered before the main step runs: the post step also runs when the main step fails.
      this.posts.push({
        id: ctx.id,
        name: `Post ${ctx.name}`,
        actionDir: dir,
        script: path.join(dir, runs.post),
        condition: runs.postIf ?? 'always()',
        inputs,
        stepEnv: ctx.stepEnv,
        state: {},
        continueOnError,
      });
    }
    const post = runs.post ? this.posts[this.posts.length - 1] : undefined;
    const execution = await this.runNode(main, dir, inputs, {}, ctx);
    if (post) post.state = execution.state;
    return execution;
  }

  private async runNode(
    script: string,
    actionDir: string,
    inputs: Record<string, string>,
    state: Record<string, string>,
    ctx: StepRunContext,
  ): Promise<Execution> {
    const extra: Record<string, string> = {
      ...this.actionRuntimeEnv,
      GITHUB_ACTION_PATH: actionDir,
      GITHUB_ACTION_REPOSITORY: '',
      GITHUB_ACTION_REF: '',
    };
    for (const [k, v] of Object.entries(inputs)) extra[inputEnvName(k)] = v;
    for (const [k, v] of Object.entries(state)) extra[`STATE_${k}`] = v;
    const env = this.processEnv(ctx, extra);
    const result = await this.spawnStep(process.execPath, [script], this.workspace, env, ctx);
    return this.completeProcessStep(result, ctx, 'node');
  }

  private async runStandIn(
    standIn: StandIn,
    uses: string,
    given: Record<string, string>,
    ctx: StepRunContext,
  ): Promise<Execution> {
    const { inputs, warnings } = this.resolveInputs(
      given,
      Object.entries(standIn.inputs).map(([id, d]) => ({
        id,
        required: d.required,
        default: () => d.default,
      })),
    );
    this.writeHeader(`Run ${uses}`, ctx, [], inputs);
    for (const w of warnings) this.log.warning(w);
    const env = this.processEnv(ctx, {
      ...this.actionRuntimeEnv,
      ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [inputEnvName(k), v])),
    });
    const outputs: Record<string, string> = {};
    const exported: Array<[string, string]> = [];
    const paths: string[] = [];
    const lowerInputs = new Map(Object.entries(inputs).map(([k, v]) => [k.toLowerCase(), v]));
    const sctx: StandInContext = {
      uses,
      inputs,
      getInput: (name, o) => {
        const v = (lowerInputs.get(name.toLowerCase()) ?? '').trim();
        if (o?.required && v === '') throw new Error(`Input required and not supplied: ${name}`);
        return v;
      },
      env,
      exportVariable: (n, v) => exported.push([n, v]),
      addPath: (p) => paths.push(p),
      setOutput: (n, v) => (outputs[n] = v),
      mask: (v) => this.masker.add(v),
      log: (line) => this.log.write(line),
      warning: (m) => this.log.warning(m),
      workspace: this.workspace,
      repoRoot: this.repoRoot,
      runnerTemp: this.runnerTemp,
      stackFile: env.SAMPLE_STACK_FILE || undefined,
    };
    try {
      const did = await standIn.run(sctx);
      this.log.write(`stand-in for ${uses}: ${did}`);
    } catch (err) {
      this.log.write(`stand-in for ${uses}: failed`);
      this.log.error((err as Error).message);
      return { ok: false, outputs, state: {} };
    }
    for (const [n, v] of exported) this.jobEnv[n] = v;
    for (const p of paths) this.addPath(p);
    const files = this.processFileCommands(ctx.files);
    return { ok: files.ok, outputs: { ...outputs, ...files.outputs }, state: {} };
  }

  // ---------------------------------------------------------------- post steps and end

  private async runPostSteps(): Promise<void> {
    if (this.posts.length === 0) return;
    for (const post of [...this.posts].reverse()) {
      const envContext = { ...this.jobEnv, ...post.stepEnv };
      const scope = this.scope(envContext);
      this.log.currentStep = post.name;
      let run: boolean;
      try {
        run = evaluateBoolean(evaluateTokenFromString(post.condition), {
          ...scope,
          fileName: `${post.actionDir}/action.yml (post-if)`,
        });
      } catch (err) {
        this.reportError(err);
        this.results.push(this.postResult(post, 'failure', 'failure', ''));
        this.status = this.status === 'success' ? 'failure' : this.status;
        continue;
      }
      if (!run) {
        this.results.push(this.postResult(post, 'skipped', 'skipped', ''));
        continue;
      }
      this.log.write('Post job cleanup.');
      if (this.opts.stepDebug) this.log.debug(`Post step: ${post.name}`);
      const files = createStepFiles(this.fileCommandsDir);
      const ctx: StepRunContext = {
        id: post.id,
        name: post.name,
        raw: undefined,
        stepEnv: post.stepEnv,
        envContext,
        scope,
        files,
        stepTimeout: undefined,
      };
      let execution: Execution;
      try {
        execution = await this.runNode(post.script, post.actionDir, post.inputs, post.state, ctx);
      } catch (err) {
        this.reportError(err);
        execution = { ok: false, outputs: {}, state: {} };
      }
      const outcome: Outcome = execution.ok ? 'success' : 'failure';
      const conclusion: Outcome = !execution.ok && post.continueOnError ? 'success' : outcome;
      this.results.push(this.postResult(post, outcome, conclusion, this.readSummary(files)));
      if (conclusion === 'failure' && this.status === 'success') this.status = 'failure';
    }
    this.log.currentStep = undefined;
  }

  private postResult(post: PostStep, outcome: Outcome, conclusion: Outcome, summary: string): StepResult {
    return { id: post.id, name: post.name, phase: 'post', outcome, conclusion, outputs: {}, summary };
  }

  private jobOutputs(): Record<string, string> {
    const outputs: Record<string, string> = {};
    const token = this.job.outputs;
    if (!token) return outputs;
    const scope = this.scope(this.jobEnv);
    for (const pair of token) {
      if (!isString(pair.key)) continue;
      const name = pair.key.value;
      try {
        const value = evaluateString(pair.value, scope, `outputs.${name}`);
        if (this.masker.matches(value)) {
          this.log.warning(`Skip output '${name}' since it may contain secret.`);
          continue;
        }
        outputs[name] = value;
      } catch (err) {
        this.reportError(err);
        this.status = this.status === 'success' ? 'failure' : this.status;
      }
    }
    return outputs;
  }

  private finish(conclusion: JobResult['conclusion'], outputs: Record<string, string> = {}): JobResult {
    this.log.write('Cleaning up orphan processes');
    killGroups(this.groups);
    this.log.write(`Job '${this.job.id.value}' finished: ${conclusion}`);
    const summary = this.results.map((r) => r.summary).join('');
    writeFileSync(path.join(this.workDir, 'step-summary.md'), summary);
    return {
      conclusion,
      steps: this.results,
      outputs,
      logPath: this.log.filePath,
      log: this.log.text(),
      summary,
      workspace: this.workspace,
      runnerTemp: this.runnerTemp,
      annotations: this.log.annotations,
      runnerErrors: this.runnerErrors,
    };
  }
}

interface StepRunContext {
  id: string;
  name: string;
  raw: TemplateToken | undefined;
  stepEnv: Record<string, string>;
  envContext: Record<string, string>;
  scope: ExpressionScope;
  files: StepFiles;
  stepTimeout: number | undefined;
}

/** A post-if condition string of action.yml as a token to evaluate. */
function evaluateTokenFromString(condition: string): TemplateToken {
  return new BasicExpressionToken(undefined, undefined, condition, undefined, undefined, undefined);
}
