import { access } from 'node:fs/promises';
import { UserError } from '../lib/errors.ts';
import type { Exec } from '../lib/exec.ts';
import type { Logger } from '../lib/log.ts';
import type { Inputs } from './inputs.ts';
import type { JarInfo } from './jar.ts';
import type { HostReport, Status } from './protocol.ts';
import { releaseArgsFor, remoteCommand } from './script.ts';
import { pinByFingerprint, type RemoteRun, runOverSsh, type SshTarget } from './ssh-transport.ts';

export interface HostResult {
  /** user@host:port, or an instance id. */
  target: string;
  status: Status;
  releaseId?: string;
  previousReleaseId?: string;
  health?: string;
  phases: Array<{ name: string; ms: number }>;
  durationMs: number;
  /** Why it failed (with the log tail), when it did. */
  error?: string;
  waitedForLock: boolean;
}

export interface DeployOutcome {
  releaseId: string;
  sha256: string;
  results: HostResult[];
  /** The hosts not tried because an earlier one failed. */
  skipped: string[];
  /** Problems that did not fail the deploy (e.g. the artifact left in S3); shown in the summary. */
  warnings?: string[];
}

export interface SshDeps {
  logger: Logger;
  exec: Exec;
  /** A private directory for generated known_hosts files. */
  tempDir: () => Promise<string>;
  run?: typeof runOverSsh;
}

/** Deploys over SSH to each host in turn, stopping at the first failure. */
export async function deployOverSsh(
  inputs: Inputs,
  jar: JarInfo,
  releaseId: string,
  script: string,
  deps: SshDeps,
): Promise<DeployOutcome> {
  const { logger } = deps;
  const run = deps.run ?? runOverSsh;
  if (inputs.keyPath) await readable(inputs.keyPath, 'key-path');
  if (inputs.knownHostsPath) await readable(inputs.knownHostsPath, 'known-hosts-path');
  if (inputs.insecureSkipHostKeyCheck && !inputs.knownHostsPath && inputs.hostKeyFingerprints.length === 0) {
    logger.warning(
      'insecure-skip-host-key-check is true: the host key is NOT verified, so anyone who can intercept the connection can impersonate the host and receive the jar. Pin the key with known-hosts-path or host-key-fingerprint.',
    );
  }
  const command = remoteCommand(
    script,
    releaseArgsFor(inputs, { releaseId, sha256: jar.sha256, size: jar.size }, 'stdin'),
  );
  const results: HostResult[] = [];
  const skipped: string[] = [];
  for (const [index, host] of inputs.hosts.entries()) {
    const label = `${inputs.user}@${host}:${inputs.port}`;
    if (results.some((r) => r.error)) {
      skipped.push(label);
      continue;
    }
    const result = await logger.group(
      `Deploy to ${label} (${index + 1} of ${inputs.hosts.length})`,
      async () => {
        const started = Date.now();
        let knownHostsPath = inputs.knownHostsPath || undefined;
        if (!knownHostsPath && inputs.hostKeyFingerprints.length > 0) {
          knownHostsPath = await pinByFingerprint(
            host,
            inputs.port,
            inputs.hostKeyFingerprints,
            await deps.tempDir(),
            deps.exec,
          );
        }
        const target: SshTarget = {
          host,
          port: inputs.port,
          user: inputs.user,
          keyPath: inputs.keyPath,
          knownHostsPath,
          insecure: !knownHostsPath && inputs.insecureSkipHostKeyCheck,
        };
        const remote = await run(target, command, jar.path, logger);
        return toHostResult(label, remote, Date.now() - started);
      },
    );
    results.push(result);
    logger.info(
      `${label}: ${result.status}${result.releaseId ? ` (release ${result.releaseId}` : ''}${result.previousReleaseId ? `, previous ${result.previousReleaseId})` : result.releaseId ? ')' : ''}`,
    );
  }
  return { releaseId, sha256: jar.sha256, results, skipped };
}

async function readable(path: string, input: string): Promise<void> {
  try {
    await access(path);
  } catch {
    throw new UserError(`The file ${path} (${input}) does not exist or cannot be read.`);
  }
}

/** Turns what one host reported (and how ssh exited) into a result with a clear error. */
export function toHostResult(target: string, remote: RemoteRun, durationMs: number): HostResult {
  const r: HostReport = remote.report;
  const phases = [...r.phases];
  if (remote.uploadMs !== undefined) {
    const i = phases.findIndex((p) => p.name === 'upload');
    if (i >= 0) phases[i] = { name: 'upload', ms: Math.max(phases[i]!.ms, remote.uploadMs) };
  }
  const base = {
    target,
    releaseId: r.releaseId,
    previousReleaseId: r.previousReleaseId,
    health: r.rollbackHealth ? `${r.health ?? '-'}; after the rollback ${r.rollbackHealth}` : r.health,
    phases,
    durationMs,
    waitedForLock: r.waitedForLock,
  };
  if (remote.exitCode === 0 && (r.status === 'deployed' || r.status === 'unchanged')) {
    return { ...base, status: r.status };
  }
  const tail = r.logTail
    ? `\nLast lines of the service's log (${r.logTail.source}):\n${r.logTail.lines.join('\n')}`
    : '';
  if (r.status === 'rolled-back') {
    return {
      ...base,
      status: 'rolled-back',
      error: `${target}: ${r.error ?? r.cause ?? 'the new release failed'}.${tail}`,
    };
  }
  if (r.status === 'failed') {
    return {
      ...base,
      status: 'failed',
      error: `${target}: ${r.error ?? r.cause ?? 'the release failed'}.${tail}`,
    };
  }
  if (r.status === undefined && remote.exitCode === 3) {
    // The script's exit code says rolled back, though its report did not arrive in full.
    return {
      ...base,
      status: 'rolled-back',
      error: `${target}: the new release failed and was rolled back (exit code 3; the host's report was incomplete${r.cause ? `: ${r.cause}` : ''}).${tail}`,
    };
  }
  return { ...base, status: 'failed', error: `${target}: ${describeRemoteFailure(remote)}` };
}

function describeRemoteFailure(remote: RemoteRun): string {
  const r = remote.report;
  const stderr = remote.stderr.trim();
  if (
    /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/i.test(
      stderr,
    )
  ) {
    return `host key verification failed: the host's key is not the pinned one (known-hosts-path / host-key-fingerprint). Refused before anything was uploaded.\n${stderr}`;
  }
  if (r.error) return r.error + (stderr ? `\n${stderr}` : '');
  if (r.switched) {
    const why = remote.signal
      ? `ssh was stopped by ${remote.signal}`
      : `the release script exited with code ${remote.exitCode}`;
    return `${why} after current.jar was switched to release ${r.switched}, without reporting a rollback: the host may be running the new release; check current.jar in app-dir and the service${stderr ? `: ${stderr}` : ''}`;
  }
  const during =
    r.sendSize !== undefined
      ? 'during the upload; nothing was switched on the host'
      : 'before the release started';
  if (remote.signal) return `ssh was stopped by ${remote.signal} ${during}.`;
  if (remote.exitCode === 255) {
    return `the SSH connection failed ${during} (ssh exit 255)${stderr ? `: ${stderr}` : ''}`;
  }
  return `the release script exited with code ${remote.exitCode} ${during}${stderr ? `: ${stderr}` : ''}`;
}

/** The step's outputs: the release, what came before, and the overall status. */
export function outcomeOutputs(outcome: DeployOutcome, durationMs: number): Record<string, string> {
  const first = outcome.results[0];
  const failed = outcome.results.find((r) => r.error);
  const status: Status = failed
    ? failed.status
    : outcome.results.every((r) => r.status === 'unchanged')
      ? 'unchanged'
      : 'deployed';
  const unchanged = status === 'unchanged';
  return {
    'release-id': unchanged ? (first?.releaseId ?? '') : outcome.releaseId,
    'previous-release-id': first?.previousReleaseId ?? '',
    sha256: outcome.sha256,
    status,
    'duration-ms': String(durationMs),
  };
}
