import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NODE, REPO_ROOT, STACK_DIR } from './paths.ts';

/**
 * Starts the sample stack once for every e2e test file. A service that cannot start fails the
 * whole run: there is no silent skip.
 */
export default async function globalSetup(): Promise<void> {
  // Each run keeps its job logs and workspaces here for inspection; the previous run's go first.
  rmSync(join(REPO_ROOT, 'action-tests/.logs'), { recursive: true, force: true });
  mkdirSync(join(REPO_ROOT, 'action-tests/.logs'), { recursive: true });
  const logPath = join(REPO_ROOT, 'action-tests/.logs/stack.log');
  const log = openSync(logPath, 'w');
  // The stack's output goes to a file (a pipe would keep jest from exiting); `ready <file>` marks the start.
  const child = spawn(NODE, [join(REPO_ROOT, 'action-tests/stack/cli.ts'), '--dir', STACK_DIR], {
    stdio: ['ignore', log, log],
    detached: true,
  });
  const exited: { code: number | null } = { code: null };
  child.on('exit', (code) => (exited.code = code ?? -1));
  const deadline = Date.now() + 90_000;
  for (;;) {
    const line = /^ready (.+)$/m.exec(readFileSync(logPath, 'utf8'));
    if (line) break;
    if (exited.code !== null) {
      throw new Error(
        `The sample stack exited with code ${exited.code} before it was ready:\n${readFileSync(logPath, 'utf8').slice(-3000)}`,
      );
    }
    if (Date.now() > deadline) throw new Error(`The sample stack did not start within 90 s; see ${logPath}`);
    await sleep(100);
  }
  child.removeAllListeners('exit');
  child.unref();
  writeFileSync(join(STACK_DIR, 'stack.pid'), String(child.pid));
}
