// Starts the sample stack in the foreground: prints `ready <stack.json>` once every service
// answers, and stops everything on SIGTERM/SIGINT. Used by the e2e tests' global setup and the demo.
//   node action-tests/stack/cli.ts [--dir DIR]
import { resolve } from 'node:path';
import { startStack } from './stack.ts';

const args = process.argv.slice(2);
const dirIndex = args.indexOf('--dir');
const dir = resolve(
  dirIndex >= 0 && args[dirIndex + 1] ? args[dirIndex + 1]! : resolve(import.meta.dirname, '../.stack'),
);

try {
  const stack = await startStack(dir);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`stopping (${signal})\n`);
    void stack.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.stdout.write(`ready ${stack.file}\n`);
} catch (error) {
  process.stderr.write(
    `The sample stack failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
}
