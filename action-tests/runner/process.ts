// Running one step's process: line-wise output, timeout killing the whole process tree.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export interface ProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Set when the process could not be started. */
  spawnError?: Error;
}

export interface ProcessOptions {
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number | undefined;
  onLine: (line: string) => void;
  /** Every started process group, to clean up orphans at the end of the job. */
  groups: Set<number>;
}

/** After the process exits, how long to wait for the rest of its output when a child keeps the pipe open. */
const DRAIN_IDLE_MS = 150;

export function runProcess(command: string, args: string[], opts: ProcessOptions): Promise<ProcessResult> {
  return new Promise((resolve) => {
    let timedOut = false;
    let settled = false;
    let child;
    try {
      child = spawn(command, args, {
        cwd: opts.cwd,
        env: opts.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true, // own process group: a timeout kills the whole tree
      });
    } catch (err) {
      resolve({ exitCode: null, signal: null, timedOut: false, spawnError: err as Error });
      return;
    }
    const pid = child.pid;
    if (pid !== undefined) opts.groups.add(pid);

    const buffers = { out: '', err: '' };
    const feed = (key: 'out' | 'err', chunk: string) => {
      const text = buffers[key] + chunk;
      const lines = text.split('\n');
      buffers[key] = lines.pop() ?? '';
      for (const l of lines) opts.onLine(l);
    };
    const flush = () => {
      for (const key of ['out', 'err'] as const) {
        if (buffers[key] !== '') opts.onLine(buffers[key]);
        buffers[key] = '';
      }
    };
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let idleTimer: NodeJS.Timeout | undefined;
    const finish = () => {
      if (settled || !exited) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      clearTimeout(idleTimer);
      flush();
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ exitCode: exited.code, signal: exited.signal, timedOut });
    };
    const armIdle = () => {
      if (!exited) return;
      clearTimeout(idleTimer);
      idleTimer = setTimeout(finish, DRAIN_IDLE_MS);
    };
    child.stdout.on('data', (c: string) => {
      feed('out', c);
      armIdle();
    });
    child.stderr.on('data', (c: string) => {
      feed('err', c);
      armIdle();
    });

    const killGroup = (signal: NodeJS.Signals) => {
      if (pid === undefined) return;
      try {
        process.kill(-pid, signal);
      } catch {
        // already gone
      }
    };
    let killTimer: NodeJS.Timeout | undefined;
    const timer =
      opts.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            killGroup('SIGINT');
            killTimer = setTimeout(() => killGroup('SIGKILL'), 2500);
          }, opts.timeoutMs)
        : undefined;

    child.on('error', (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ exitCode: null, signal: null, timedOut: false, spawnError: err });
    });
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      // A timed-out step's whole tree goes, including background children that ignore SIGINT.
      if (timedOut) killGroup('SIGKILL');
      armIdle();
    });
    child.on('close', () => finish());
  });
}

/** Kills the process groups left behind by the job's steps ("Cleaning up orphan processes"). */
export function killGroups(groups: Set<number>): void {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  groups.clear();
}

export function findOnPath(name: string, pathValue: string | undefined): string | undefined {
  if (name.includes('/')) return name;
  for (const dir of (pathValue ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
