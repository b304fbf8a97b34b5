import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  GetCommandInvocationCommand,
  InvocationDoesNotExist,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { awsClientConfig, explainAwsError, resolveRegion } from '../lib/aws.ts';
import type { Logger } from '../lib/log.ts';
import type { DeployOutcome } from './deploy.ts';
import type { Inputs } from './inputs.ts';
import type { JarInfo } from './jar.ts';
import { deployWithSsm, type SsmApi } from './ssm-transport.ts';

/** The SSM transport with the real AWS clients (default credential chain, standard endpoints). */
export async function deployOverSsm(
  inputs: Inputs,
  jar: JarInfo,
  releaseId: string,
  script: string,
  logger: Logger,
): Promise<DeployOutcome> {
  const region = resolveRegion(inputs.awsRegion);
  // A jar upload may take a while on a slow link: a longer request timeout than the default.
  const s3 = new S3Client({
    ...awsClientConfig(region, { requestTimeoutMs: 300_000 }),
    // One plain PUT with the SHA-256 S3 checks, not a streamed aws-chunked body.
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  const ssm = new SSMClient(awsClientConfig(region));
  const aws = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw explainAwsError(error, what, region);
    }
  };
  const api: SsmApi = {
    uploadJar: (bucket, key, j) =>
      aws(`uploading the jar to s3://${bucket}/${key}`, async () => {
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: await readFile(j.path),
            ContentType: 'application/java-archive',
            ChecksumSHA256: Buffer.from(j.sha256, 'hex').toString('base64'),
          }),
        );
      }),
    presignGet: (bucket, key, expiresIn) =>
      aws(`presigning s3://${bucket}/${key}`, () =>
        getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn }),
      ),
    deleteJar: (bucket, key) =>
      aws(`deleting s3://${bucket}/${key}`, async () => {
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      }),
    sendCommand: (input) =>
      aws('sending the SSM command (ssm:SendCommand)', async () => {
        const out = await ssm.send(
          new SendCommandCommand({
            DocumentName: 'AWS-RunShellScript',
            ...(input.instanceIds.length ? { InstanceIds: input.instanceIds } : { Targets: input.targets }),
            Parameters: { commands: input.commands, executionTimeout: [String(input.executionTimeout)] },
            MaxConcurrency: input.maxConcurrency,
            MaxErrors: input.maxErrors,
            TimeoutSeconds: 600,
            Comment: input.comment.slice(0, 100),
          }),
        );
        return out.Command!.CommandId!;
      }),
    commandStatus: (commandId) =>
      aws(`reading SSM command ${commandId}`, async () => {
        const out = await ssm.send(new ListCommandsCommand({ CommandId: commandId }));
        const command = out.Commands?.[0];
        return { status: command?.Status ?? 'Pending', targetCount: command?.TargetCount ?? 0 };
      }),
    listInstances: (commandId) =>
      aws(`listing the invocations of SSM command ${commandId}`, async () => {
        const ids: string[] = [];
        let token: string | undefined;
        do {
          const out = await ssm.send(
            new ListCommandInvocationsCommand({ CommandId: commandId, NextToken: token }),
          );
          for (const inv of out.CommandInvocations ?? []) if (inv.InstanceId) ids.push(inv.InstanceId);
          token = out.NextToken;
        } while (token);
        return ids;
      }),
    getInvocation: async (commandId, instanceId) => {
      try {
        const out = await ssm.send(
          new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }),
        );
        return {
          status: out.Status ?? 'Pending',
          details: out.StatusDetails ?? out.Status ?? 'Pending',
          responseCode: out.ResponseCode ?? -1,
          stdout: out.StandardOutputContent ?? '',
          stderr: out.StandardErrorContent ?? '',
        };
      } catch (error) {
        // Right after SendCommand the invocation is not there yet: keep polling.
        if (error instanceof InvocationDoesNotExist) return undefined;
        throw explainAwsError(
          error,
          `reading the invocation of SSM command ${commandId} on ${instanceId}`,
          region,
        );
      }
    },
  };
  try {
    return await deployWithSsm(inputs, jar, releaseId, script, {
      api,
      logger,
      sleep: (ms) => sleep(ms),
      now: () => Date.now(),
    });
  } finally {
    s3.destroy();
    ssm.destroy();
  }
}
