import * as core from '@actions/core';
import { InputError } from './inputs.ts';
import { UserError } from './errors.ts';

const POST_FLAG = 'isPost';

/**
 * The entry of every action: one bundle serves both the main and the post step (as docker's
 * actions do). The main step records a flag in the step state; the runner hands it back to the
 * post step as STATE_isPost. Post steps only warn: cleanup must never fail a job.
 */
export async function runAction(main: () => Promise<void>, post?: () => Promise<void>): Promise<void> {
  if (core.getState(POST_FLAG) === 'true') {
    if (!post) return;
    try {
      await post();
    } catch (error) {
      core.warning(`Cleanup failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    return;
  }
  core.saveState(POST_FLAG, 'true');
  try {
    await main();
  } catch (error) {
    reportFailure(error);
  }
}

export function reportFailure(error: unknown): void {
  if (error instanceof InputError || error instanceof UserError) {
    core.setFailed(error.message);
  } else if (error instanceof Error) {
    core.setFailed(error.message);
    core.debug(error.stack ?? '');
    let cause: unknown = error.cause;
    while (cause instanceof Error) {
      core.debug(`caused by: ${cause.stack ?? cause.message}`);
      cause = cause.cause;
    }
  } else {
    core.setFailed(String(error));
  }
}
