import { UserError } from '../lib/errors.ts';
import type { Logger } from '../lib/log.ts';
import { type DeployOutcome, type HostResult, toHostResult } from './deploy.ts';
import type { Inputs } from './inputs.ts';
import type { JarInfo } from './jar.ts';
import { LineSplitter, ReportReader } from './protocol.ts';
import { releaseArgsFor, remoteCommand, ssmCommand } from './script.ts';

/** One instance's invocation as GetCommandInvocation reports it. */
export interface InvocationState {
  status: string;
  details: string;
  responseCode: number;
  stdout: string;
  stderr: string;
}

/** The AWS calls the SSM transport makes (real ones in ssm-run.ts, fakes in tests). */
export interface SsmApi {
  uploadJar(bucket: string, key: string, jar: JarInfo): Promise<void>;
  presignGet(bucket: string, key: string, expiresInSeconds: number): Promise<string>;
  deleteJar(bucket: string, key: string): Promise<void>;
  sendCommand(input: {
    commands: string[];
    executionTimeout: number;
    instanceIds: string[];
    targets: Inputs['targets'];
    maxConcurrency: string;
    maxErrors: string;
    comment: string;
  }): Promise<string>;
  /** Target count and overall status of the command. */
  commandStatus(commandId: string): Promise<{ status: string; targetCount: number }>;
  /** Instances the command has visible invocations for. */
  listInstances(commandId: string): Promise<string[]>;
  /** undefined while the invocation does not exist yet (InvocationDoesNotExist). */
  getInvocation(commandId: string, instanceId: string): Promise<InvocationState | undefined>;
}

export interface SsmTransportDeps {
  api: SsmApi;
  logger: Logger;
  sleep(ms: number): Promise<void>;
  now(): number;
  pollMs?: number;
}

const TERMINAL = new Set(['Success', 'Failed', 'Cancelled', 'TimedOut', 'Cancelling']);
/**
 * The command's execution timeout (seconds): the lock wait, the download, the restart and health
 * check, and a rollback's restart and health check. The presigned download URL lives as long (a
 * URL signed with a role session never outlives the session either).
 */
export function executionTimeoutSeconds(inputs: Pick<Inputs, 'lockTimeout' | 'healthTimeout'>): number {
  return inputs.lockTimeout + 2 * inputs.healthTimeout + 900;
}

/** A check-only run's execution timeout: the lock wait (a deploy in progress) and a health probe. */
function checkTimeoutSeconds(inputs: Pick<Inputs, 'lockTimeout'>): number {
  return inputs.lockTimeout + 120;
}

/**
 * Deploys through SSM Run Command. Unless `force`, a check-only run first reads the current release
 * on every target instance: when all of them already run this jar, the deploy ends `unchanged`
 * with nothing uploaded. Otherwise the jar goes to the artifact bucket and every target instance
 * runs the release script (AWS-RunShellScript, as root), downloading the jar through a presigned
 * URL. Polls each instance until all are done; any failure fails the deploy.
 */
export async function deployWithSsm(
  inputs: Inputs,
  jar: JarInfo,
  releaseId: string,
  script: string,
  deps: SsmTransportDeps,
): Promise<DeployOutcome> {
  const { api, logger } = deps;
  const release = { releaseId, sha256: jar.sha256, size: jar.size };
  if (!inputs.force) {
    const checkTimeout = checkTimeoutSeconds(inputs);
    const started = deps.now();
    const states = await logger.group(
      'Check the current release on the instances (nothing uploaded yet)',
      () =>
        runCommand(
          remoteCommand(script, releaseArgsFor(inputs, release, 'none')),
          checkTimeout,
          `deploy-jar-ec2 check ${inputs.service} ${releaseId}`,
          // Read-only: every instance at once, and every failure reported (not max-errors).
          { ...inputs, maxConcurrency: '100%', maxErrors: '100%' },
          deps,
        ),
    );
    const checkMs = deps.now() - started;
    const results = [...states.entries()].sort().map(([instanceId, state]) => {
      const result = instanceResult(instanceId, state, inputs.maxErrors, checkTimeout, logger);
      result.phases.unshift({ name: 'ssm-check', ms: checkMs });
      return result;
    });
    const failed = results.filter((r) => r.error);
    if (failed.length) {
      logger.info('The check failed on some instances: nothing was uploaded or changed.');
      return { releaseId, sha256: jar.sha256, results: failed, skipped: [], warnings: [] };
    }
    if (results.every((r) => r.status === 'unchanged')) {
      for (const r of results) logger.info(`${r.target}: unchanged (release ${r.releaseId ?? '-'})`);
      logger.info('Every instance already runs this jar: nothing uploaded, nothing restarted.');
      return { releaseId, sha256: jar.sha256, results, skipped: [], warnings: [] };
    }
    const changed = results.filter((r) => r.changed).map((r) => r.target);
    logger.info(`The jar differs from the current release on ${changed.join(', ')}: deploying.`);
  }

  const key = `${inputs.artifactPrefix}${inputs.artifactPrefix && !inputs.artifactPrefix.endsWith('/') ? '/' : ''}${releaseId}.jar`;
  const started = deps.now();
  await logger.group(`Upload the jar to s3://${inputs.artifactBucket}/${key}`, () =>
    api.uploadJar(inputs.artifactBucket, key, jar),
  );
  const s3Ms = deps.now() - started;
  const executionTimeout = executionTimeoutSeconds(inputs);
  const warnings: string[] = [];
  try {
    const url = await api.presignGet(inputs.artifactBucket, key, executionTimeout);
    logger.mask(url);
    const states = await runCommand(
      ssmCommand(script, releaseArgsFor(inputs, release, 'url'), url),
      executionTimeout,
      `deploy-jar-ec2 ${inputs.service} ${releaseId}`,
      inputs,
      deps,
    );
    const results: HostResult[] = [];
    for (const [instanceId, state] of [...states.entries()].sort()) {
      const result = await logger.group(`Instance ${instanceId}: ${state.details}`, () =>
        Promise.resolve(instanceResult(instanceId, state, inputs.maxErrors, executionTimeout, logger)),
      );
      result.phases.unshift({ name: 's3-upload', ms: s3Ms });
      results.push(result);
      logger.info(
        `${instanceId}: ${result.status}${result.releaseId ? ` (release ${result.releaseId})` : ''}`,
      );
    }
    return { releaseId, sha256: jar.sha256, results, skipped: [], warnings };
  } finally {
    await api.deleteJar(inputs.artifactBucket, key).catch((error: unknown) => {
      const warning = `Could not delete s3://${inputs.artifactBucket}/${key} (delete it by hand, or let a lifecycle rule expire it): ${error instanceof Error ? error.message : String(error)}`;
      logger.warning(warning);
      warnings.push(warning);
    });
  }
}

/** Sends one AWS-RunShellScript command to the targets and waits for every invocation to end. */
async function runCommand(
  command: string,
  executionTimeout: number,
  comment: string,
  inputs: Inputs,
  deps: SsmTransportDeps,
): Promise<Map<string, InvocationState>> {
  const commandId = await deps.api.sendCommand({
    commands: [command],
    executionTimeout,
    instanceIds: inputs.instanceIds,
    targets: inputs.targets,
    maxConcurrency: inputs.maxConcurrency,
    maxErrors: inputs.maxErrors,
    comment,
  });
  const targetText = inputs.instanceIds.length
    ? inputs.instanceIds.join(', ')
    : inputs.targets.map((t) => `${t.Key}=${t.Values.join(',')}`).join(' ');
  deps.logger.info(
    `SendCommand ${commandId} (${comment}): AWS-RunShellScript on ${targetText} (max-concurrency ${inputs.maxConcurrency}, max-errors ${inputs.maxErrors})`,
  );
  return poll(commandId, inputs, executionTimeout, deps);
}

/**
 * Reads what the release script printed on one instance into a result (and the step log).
 * `changed`: a check-only run found a different release (the result is then not an error).
 */
function instanceResult(
  instanceId: string,
  state: InvocationState,
  maxErrors: string,
  executionTimeout: number,
  logger: Logger,
): HostResult & { changed: boolean } {
  const reader = new ReportReader();
  const split = new LineSplitter();
  for (const line of [...split.push(state.stdout), ...split.end()]) {
    const { show } = reader.line(line);
    if (show !== undefined) logger.info(show);
  }
  if (state.stderr.trim()) logger.info(`stderr:\n${state.stderr.trim()}`);
  const host = toHostResult(
    instanceId,
    { exitCode: state.responseCode, signal: null, report: reader.report, stderr: state.stderr },
    reader.report.phases.reduce((sum, p) => sum + p.ms, 0),
  );
  if (state.status === 'Success' && reader.report.changed) {
    // Not a failure: the deploy follows (a check result's status is never read).
    return { ...host, status: 'deployed', error: undefined, changed: true };
  }
  if (state.status === 'Cancelled') {
    return {
      ...host,
      changed: false,
      status: 'failed',
      error: `${instanceId}: not run: SSM stopped sending the command after max-errors (${maxErrors}) was exceeded.`,
    };
  }
  if (state.status === 'TimedOut') {
    return {
      ...host,
      changed: false,
      status: 'failed',
      error: `${instanceId}: the release did not finish within the execution timeout (${executionTimeout} s).`,
    };
  }
  return { ...host, changed: false };
}

async function poll(
  commandId: string,
  inputs: Inputs,
  executionTimeout: number,
  deps: SsmTransportDeps,
): Promise<Map<string, InvocationState>> {
  const { api, logger } = deps;
  const interval = deps.pollMs ?? 1000;
  // Delivery (up to 10 minutes for an instance that is offline) plus the run itself.
  const deadline = deps.now() + (600 + executionTimeout) * 1000;
  const states = new Map<string, InvocationState | undefined>(
    inputs.instanceIds.map((id) => [id, undefined]),
  );
  let targetCount = inputs.instanceIds.length || undefined;
  const lastShown = new Map<string, string>();
  for (;;) {
    if (inputs.instanceIds.length === 0) {
      // Targets: learn which instances the command went to.
      const command = await api.commandStatus(commandId);
      targetCount = command.targetCount;
      if (targetCount > states.size) {
        for (const id of await api.listInstances(commandId)) if (!states.has(id)) states.set(id, undefined);
      }
      if (targetCount === 0 && TERMINAL.has(command.status)) {
        throw new UserError(
          `No managed instance matches targets ${inputs.targets.map((t) => `${t.Key}=${t.Values.join(',')}`).join(' ')}: check the tags, the region, and that the SSM agent is online on the instances.`,
        );
      }
    }
    for (const [id, state] of states) {
      if (state && TERMINAL.has(state.status)) continue;
      const now = await api.getInvocation(commandId, id);
      if (now) {
        states.set(id, now);
        if (lastShown.get(id) !== now.details) {
          logger.info(`${id}: ${now.details}`);
          lastShown.set(id, now.details);
        }
      }
    }
    const done =
      targetCount !== undefined &&
      states.size >= targetCount &&
      [...states.values()].every((s) => s !== undefined && TERMINAL.has(s.status));
    if (done) return states as Map<string, InvocationState>;
    if (deps.now() > deadline) {
      throw new UserError(
        `SSM command ${commandId} did not finish within ${Math.round((deadline - deps.now()) / 1000 + 600 + executionTimeout)} s: ${[...states].map(([id, s]) => `${id} ${s?.details ?? 'not delivered'}`).join(', ')}.`,
      );
    }
    // One GetCommandInvocation per pending instance per round: a large fleet polls less often, so
    // the calls stay near 5 per second (SSM throttles its read APIs).
    const pending = [...states.values()].filter((st) => !st || !TERMINAL.has(st.status)).length;
    await deps.sleep(Math.max(interval, pending * 200));
  }
}
