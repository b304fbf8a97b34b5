// What the benchmarks share: timing, the median, and the AWS CLI they compare against.
import { existsSync } from 'node:fs';

/** Wall time of one call in milliseconds (sync or async). */
export async function elapsedMs(fn: () => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** The median (the mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Debian's aws-cli, which `SETUP_BENCH=1 bash scripts/setup.sh` installs; exits when it is missing. */
export const AWS_CLI = '/usr/bin/aws';
export function requireAwsCli(): void {
  if (existsSync(AWS_CLI)) return;
  console.error(
    `${AWS_CLI} not found: run 'SETUP_BENCH=1 bash scripts/setup.sh' (installs Debian's awscli).`,
  );
  process.exit(1);
}
