import * as core from '@actions/core';
import { exec } from '../lib/exec.ts';
import { UserError } from '../lib/errors.ts';
import { coreLogger } from '../lib/log.ts';
import { createSecretDir, removeSecretDirs } from '../lib/secret-files.ts';
import { coreState } from '../lib/state.ts';
import { appendSummary } from '../lib/summary.ts';
import { type DeployOutcome, deployOverSsh, outcomeOutputs } from './deploy.ts';
import { parseInputs } from './inputs.ts';
import { resolveJar } from './jar.ts';
import { releaseScript } from './script.ts';
import { deployOverSsm } from './ssm-run.ts';
import { renderSummary } from './summary.ts';
import { ulid } from './ulid.ts';

export async function run(): Promise<void> {
  const started = Date.now();
  const inputs = parseInputs((name) => core.getInput(name));
  const jar = await core.group('Check the jar', async () => {
    const info = await resolveJar(inputs.jar, process.env.GITHUB_WORKSPACE || process.cwd());
    core.info(`${info.path}: ${info.size} bytes, sha256 ${info.sha256}`);
    return info;
  });
  const releaseId = ulid();
  core.info(`Release id ${releaseId}`);
  const script = releaseScript();
  let tempDir: string | undefined;
  const outcome: DeployOutcome =
    inputs.transport === 'ssh'
      ? await deployOverSsh(inputs, jar, releaseId, script, {
          logger: coreLogger,
          exec,
          tempDir: async () => (tempDir ??= await createSecretDir(coreState, 'deploy-jar-ec2')),
        })
      : await deployOverSsm(inputs, jar, releaseId, script, coreLogger);

  const outputs = outcomeOutputs(outcome, Date.now() - started);
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
  await appendSummary(renderSummary(outcome, jar.path, inputs.transport));
  const failed = outcome.results.filter((r) => r.error);
  if (failed.length) {
    const rest = outcome.skipped.length ? `\nNot tried: ${outcome.skipped.join(', ')}.` : '';
    throw new UserError(`Deploy ${outputs.status}: ${failed.map((r) => r.error).join('\n')}${rest}`);
  }
  core.info(`Done: ${outputs.status}, release ${outputs['release-id']} in ${outputs['duration-ms']} ms.`);
}

export async function post(): Promise<void> {
  await removeSecretDirs(coreState);
}
