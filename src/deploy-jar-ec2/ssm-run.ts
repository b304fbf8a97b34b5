import { UserError } from '../lib/errors.ts';
import type { Logger } from '../lib/log.ts';
import type { DeployOutcome } from './deploy.ts';
import type { Inputs } from './inputs.ts';
import type { JarInfo } from './jar.ts';

// Replaced by the SSM Run Command transport in the next commit.
export function deployOverSsm(
  _inputs: Inputs,
  _jar: JarInfo,
  _releaseId: string,
  _script: string,
  _logger: Logger,
): Promise<DeployOutcome> {
  return Promise.reject(new UserError('transport ssm is not available in this build yet.'));
}
