import * as core from '@actions/core';
import { S3Client } from '@aws-sdk/client-s3';
import {
  CloudFrontClient,
  CreateInvalidationCommand,
  GetInvalidationCommand,
} from '@aws-sdk/client-cloudfront';
import { awsClientConfig, explainAwsError, resolveRegion } from '../lib/aws.ts';
import { coreLogger } from '../lib/log.ts';
import { appendSummary } from '../lib/summary.ts';
import { InputError } from '../lib/inputs.ts';
import { UserError } from '../lib/errors.ts';
import { parseInputs } from './inputs.ts';
import { renderRefusal, renderSummary } from './summary.ts';
import { SyncFailed, syncFrontend, type SyncResult } from './sync.ts';
import { DeleteRefused } from './plan.ts';
import type { InvalidationApi } from './invalidation.ts';

export async function run(): Promise<void> {
  const inputs = parseInputs((name) => core.getInput(name));
  const region = resolveRegion(inputs.awsRegion);
  // Path-style vs virtual-host addressing is left to the SDK's endpoint rules (path style for an IP
  // endpoint such as a local emulator, virtual-host style for AWS).
  const s3 = new S3Client({ ...awsClientConfig(region, { requestTimeoutMs: 120_000 }) });
  let invalidations: InvalidationApi | undefined;
  if (inputs.distributionId !== '') {
    // CloudFront is global: its API is signed for us-east-1 whatever the bucket's region.
    const cf = new CloudFrontClient(awsClientConfig('us-east-1'));
    invalidations = {
      async create(paths, callerReference) {
        const out = await cf.send(
          new CreateInvalidationCommand({
            DistributionId: inputs.distributionId,
            InvalidationBatch: {
              CallerReference: callerReference,
              Paths: { Quantity: paths.length, Items: paths },
            },
          }),
        );
        return { id: out.Invalidation?.Id ?? '', status: out.Invalidation?.Status ?? '' };
      },
      async status(id) {
        const out = await cf.send(
          new GetInvalidationCommand({ DistributionId: inputs.distributionId, Id: id }),
        );
        return out.Invalidation?.Status ?? '';
      },
    };
  }

  let result;
  try {
    result = await syncFrontend(inputs, {
      s3,
      ...(invalidations ? { invalidations } : {}),
      logger: coreLogger,
      workspace: process.env.GITHUB_WORKSPACE ?? process.cwd(),
      referenceSeed: `sync-frontend-cloudfront-${process.env.GITHUB_RUN_ID ?? Date.now()}-${process.env.GITHUB_RUN_ATTEMPT ?? '1'}`,
    });
  } catch (error) {
    // A failed phase or deletion, or the delete guard: outputs and summary for what completed
    // (or was refused) first, then the step fails.
    if (error instanceof SyncFailed) {
      setOutputs(error.result);
      await appendSummary(renderSummary(error.result, inputs, error.message));
      throw error;
    }
    if (error instanceof DeleteRefused) {
      for (const name of ['uploaded', 'updated-metadata', 'unchanged', 'deleted', 'bytes-uploaded'])
        core.setOutput(name, '0');
      core.setOutput('invalidation-id', '');
      core.setOutput('invalidated-paths', '');
      await appendSummary(renderRefusal(error, inputs));
      throw error;
    }
    if (error instanceof InputError || error instanceof UserError) throw error;
    throw explainAwsError(
      error,
      `syncing ${inputs.sourceDir} to s3://${inputs.bucket}/${inputs.prefix}`,
      region,
    );
  }

  setOutputs(result);
  core.info(
    `${result.dryRun ? 'Dry run: would upload' : 'Uploaded'} ${result.uploaded.length}, metadata ${result.updatedMetadata.length}, unchanged ${result.plan.unchanged.length}, deleted ${result.deleted.length}; ${result.bytesUploaded} bytes; invalidation ${result.invalidationIds.join(',') || 'none'}`,
  );
  await appendSummary(renderSummary(result, inputs));
  if (result.waitError !== undefined) throw result.waitError;
}

function setOutputs(result: SyncResult): void {
  core.setOutput('uploaded', String(result.uploaded.length));
  core.setOutput('updated-metadata', String(result.updatedMetadata.length));
  core.setOutput('unchanged', String(result.plan.unchanged.length));
  core.setOutput('deleted', String(result.deleted.length));
  core.setOutput('bytes-uploaded', String(result.bytesUploaded));
  core.setOutput('invalidation-id', result.invalidationIds.join(','));
  core.setOutput('invalidated-paths', result.invalidatedPaths.join('\n'));
}
