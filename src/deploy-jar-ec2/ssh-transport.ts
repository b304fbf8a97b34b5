import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../lib/errors.ts';
import type { Exec } from '../lib/exec.ts';
import type { Logger } from '../lib/log.ts';
import { fingerprint, knownHostsLines, parseHostKeys } from '../lib/ssh.ts';
import { type HostReport, LineSplitter, ReportReader } from './protocol.ts';

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  keyPath: string;
  /** A known_hosts file pinning the host key; undefined only with insecure checking off. */
  knownHostsPath?: string;
  insecure: boolean;
}

/** The ssh client's argv before the remote command. Host key checking is strict unless `insecure`. */
export function sshArgs(t: SshTarget): string[] {
  const args = ['-T', '-p', String(t.port)];
  if (t.keyPath) args.push('-i', t.keyPath, '-o', 'IdentitiesOnly=yes');
  args.push(
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=20',
    '-o',
    'ServerAliveInterval=15',
    '-o',
    'ServerAliveCountMax=4',
    '-o',
    'LogLevel=ERROR',
  );
  if (t.insecure) {
    args.push('-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null');
  } else {
    if (!t.knownHostsPath) throw new Error('a pinned host key is required');
    args.push(
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      `UserKnownHostsFile=${t.knownHostsPath}`,
      '-o',
      'GlobalKnownHostsFile=/dev/null',
    );
  }
  args.push(`${t.user}@${t.host}`);
  return args;
}

/**
 * Pins a host key given by fingerprint: scans the host's keys, keeps those whose SHA256
 * fingerprint is one of `fingerprints`, and writes them to a known_hosts file. ssh then checks
 * the key strictly during the real connection, so a host that swaps keys after the scan is
 * still refused. No match: refused before anything is sent.
 */
export async function pinByFingerprint(
  host: string,
  port: number,
  fingerprints: readonly string[],
  dir: string,
  exec: Exec,
): Promise<string> {
  const scan = await exec('ssh-keyscan', ['-T', '10', '-p', String(port), host], { allowFailure: true });
  const keys = parseHostKeys(
    scan.stdout
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'))
      .join('\n'),
  );
  if (keys.length === 0) {
    throw new UserError(
      `Could not read the host keys of ${host}:${port} (ssh-keyscan: ${scan.stderr.trim() || `exit ${scan.exitCode}`}). Nothing was uploaded.`,
    );
  }
  const matching = keys.filter((k) => fingerprints.includes(fingerprint(k.blob)));
  if (matching.length === 0) {
    throw new UserError(
      `Host key verification failed for ${host}:${port}: it offers ${keys.map((k) => `${k.type} ${fingerprint(k.blob)}`).join(', ')}, none of which is the pinned host-key-fingerprint. Refusing to connect; nothing was uploaded.`,
    );
  }
  const path = join(dir, `known_hosts-${host.replace(/[^A-Za-z0-9.-]/g, '_')}-${port}`);
  await writeFile(path, knownHostsLines(host, matching), { mode: 0o600 });
  return path;
}

export interface RemoteRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  report: HostReport;
  stderr: string;
  /** Milliseconds from the host's `send` to the end of the upload, when it asked for the jar. */
  uploadMs?: number;
  uploadError?: string;
}

/**
 * Runs the release command over one SSH connection. The host reports through stdout; when it
 * asks for the jar (`send`), the file is streamed into ssh's stdin, and stdin is then closed.
 * When it does not ask (unchanged), nothing is sent.
 */
export async function runOverSsh(
  target: SshTarget,
  command: string,
  jarPath: string,
  logger: Logger,
): Promise<RemoteRun> {
  const child = spawn('ssh', [...sshArgs(target), command], { stdio: ['pipe', 'pipe', 'pipe'] });
  const reader = new ReportReader();
  const out = new LineSplitter();
  let stderr = '';
  let uploadMs: number | undefined;
  let uploadError: string | undefined;
  let upload: Promise<void> | undefined;
  child.stdin.on('error', () => {}); // EPIPE when the host goes away: reported through the exit
  const onLine = (line: string) => {
    const { show, event } = reader.line(line);
    if (show !== undefined) logger.info(show);
    if (event === 'send' && !upload) {
      const started = Date.now();
      logger.info(`Uploading ${jarPath} (${reader.report.sendSize} bytes)...`);
      upload = pipeline(createReadStream(jarPath), child.stdin).then(
        () => {
          uploadMs = Date.now() - started;
        },
        (error: unknown) => {
          uploadError = error instanceof Error ? error.message : String(error);
        },
      );
    }
  };
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => out.push(chunk).forEach(onLine));
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, sig) => resolve([code, sig]));
  });
  out.end().forEach(onLine);
  if (!upload) child.stdin.end();
  await upload;
  return { exitCode, signal, report: reader.report, stderr, uploadMs, uploadError };
}
