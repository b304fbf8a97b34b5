import { join } from 'node:path';
import * as core from '@actions/core';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { awsClientConfig, explainAwsError, resolveRegion } from '../lib/aws.ts';
import { coreLogger } from '../lib/log.ts';
import { createSecretDir, removeSecretDirs, writeSecretFile } from '../lib/secret-files.ts';
import { coreState } from '../lib/state.ts';
import { appendSummary } from '../lib/summary.ts';
import { parseInputs } from './inputs.ts';
import type { GetParametersBatch } from './parameters.ts';
import { renderSummary } from './summary.ts';
import { fetchTarget } from './target.ts';

export async function run(): Promise<void> {
  const inputs = parseInputs((name) => core.getInput(name));
  const region = resolveRegion(inputs.awsRegion);
  const client = new SSMClient(awsClientConfig(region));

  const getBatch: GetParametersBatch = async (names) => {
    try {
      const out = await client.send(new GetParametersCommand({ Names: names, WithDecryption: true }));
      return {
        parameters: (out.Parameters ?? []).map((p) => ({
          name: `${p.Name ?? ''}${p.Selector ?? ''}`,
          type: p.Type ?? 'String',
          value: p.Value ?? '',
          version: p.Version,
        })),
        invalid: out.InvalidParameters ?? [],
      };
    } catch (error) {
      throw explainAwsError(error, `reading SSM parameters ${names.join(', ')}`, region);
    }
  };

  const result = await core.group('Read the deploy target from SSM Parameter Store', () =>
    fetchTarget(inputs, {
      getBatch,
      logger: coreLogger,
      region,
      writeFiles: async ({ key, knownHosts }) => {
        const dir = await createSecretDir(coreState, 'fetch-ssm-target');
        const keyPath = join(dir, 'id_deploy');
        await writeSecretFile(keyPath, key);
        let knownHostsPath: string | undefined;
        if (knownHosts) {
          knownHostsPath = join(dir, 'known_hosts');
          await writeSecretFile(knownHostsPath, knownHosts);
        }
        return { keyPath, knownHostsPath };
      },
    }),
  );

  for (const [name, value] of Object.entries(result.outputs)) core.setOutput(name, value);
  core.info(
    `Target: ${result.user}@${result.host} (${result.calls} GetParameters call${result.calls === 1 ? '' : 's'} in ${region})`,
  );
  for (const f of result.hostKeyFingerprints) core.info(`Pinned host key: ${f}`);
  await appendSummary(renderSummary(result, region));
}

export async function post(): Promise<void> {
  const removed = await removeSecretDirs(coreState);
  if (removed.length) core.info(`Removed the SSH key and known_hosts files (${removed.join(', ')}).`);
}
