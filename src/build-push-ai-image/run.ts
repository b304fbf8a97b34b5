import { execFileSync, spawn } from 'node:child_process';
import { homedir, tmpdir } from 'node:os';
import * as core from '@actions/core';
import * as github from '@actions/github';
import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  ImageNotFoundException,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import { awsClientConfig, explainAwsError, resolveRegion } from '../lib/aws.ts';
import { errorMessage } from '../lib/errors.ts';
import { exec } from '../lib/exec.ts';
import { coreLogger } from '../lib/log.ts';
import { createSecretDir, removeSecretDirs } from '../lib/secret-files.ts';
import { coreState } from '../lib/state.ts';
import { appendSummary } from '../lib/summary.ts';
import { buildxEnv, originalDockerConfig } from './docker-config.ts';
import { largestLayers } from './image-report.ts';
import { type GitContext, parseInputs } from './inputs.ts';
import {
  buildPushImage,
  type DockerCli,
  type EcrApi,
  type PushedTag,
  type Report,
  STATE_DOCKER_CONFIG,
  STATE_REGISTRY,
} from './pipeline.ts';
import { renderSummary } from './summary.ts';

function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return { ...env, ...extra };
}

const docker: DockerCli = {
  run: (args, options = {}) =>
    exec('docker', args, {
      input: options.input,
      stream: options.stream,
      allowFailure: options.allowFailure,
      env: childEnv(options.env),
    }),
  async *exportFilesystem(imageId, env) {
    // A created (never started) container is what `docker export` reads; removed afterwards.
    const created = await exec('docker', ['create', '--network', 'none', '--entrypoint', '/', imageId], {
      env: childEnv(env),
    });
    const container = created.stdout.trim();
    try {
      const child = spawn('docker', ['export', container], {
        env: childEnv(env),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
      for await (const chunk of child.stdout) yield chunk as Buffer;
      const code = await done;
      if (code !== 0) throw new Error(`docker export failed with exit code ${code}: ${stderr.trim()}`);
    } finally {
      await exec('docker', ['rm', '--force', container], { env: childEnv(env), allowFailure: true });
    }
  },
};

function gitContext(): GitContext {
  const env = process.env;
  const payload = github.context.payload as {
    repository?: { default_branch?: string };
    head_commit?: { timestamp?: string };
    pull_request?: { head?: { sha?: string } };
  };
  return {
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    sha: env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    headRef: env.GITHUB_HEAD_REF ?? '',
    defaultBranch: payload.repository?.default_branch ?? 'main',
    serverUrl: env.GITHUB_SERVER_URL || 'https://github.com',
    repository: env.GITHUB_REPOSITORY ?? '',
    // The commit's time, not the build's: an unchanged commit rebuilds to the same image (full cache hit).
    commitTime: commitTime(payload.head_commit?.timestamp, env.GITHUB_WORKSPACE || process.cwd()),
  };
}

/** The commit's time (push payload, else the checkout's HEAD, else SOURCE_DATE_EPOCH), else now. */
function commitTime(fromPayload: string | undefined, workspace: string): string {
  if (fromPayload) return new Date(fromPayload).toISOString();
  try {
    const out = execFileSync('git', ['-C', workspace, 'log', '-1', '--format=%cI'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    if (out.toString().trim()) return new Date(out.toString().trim()).toISOString();
  } catch {
    // not a git checkout
  }
  const epoch = Number(process.env.SOURCE_DATE_EPOCH || 0);
  return new Date(epoch > 0 ? epoch * 1000 : Date.now()).toISOString();
}

function ecrApi(client: ECRClient, region: string): EcrApi {
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw explainAwsError(error, what, region);
    }
  };
  return {
    authorize: (registryId) =>
      call('getting an ECR authorization token (ecr:GetAuthorizationToken)', async () => {
        const out = await client.send(
          new GetAuthorizationTokenCommand(registryId ? { registryIds: [registryId] } : {}),
        );
        const data = out.authorizationData?.[0];
        if (!data?.authorizationToken || !data.proxyEndpoint)
          throw new Error('GetAuthorizationToken returned no token');
        return {
          token: data.authorizationToken,
          proxyEndpoint: data.proxyEndpoint,
          expiresAt: data.expiresAt,
        };
      }),
    repositoryExists: (name, registryId) =>
      call(`describing the ECR repository ${name}`, async () => {
        try {
          await client.send(new DescribeRepositoriesCommand({ repositoryNames: [name], registryId }));
          return true;
        } catch (error) {
          if (error instanceof RepositoryNotFoundException) return false;
          throw error;
        }
      }),
    createRepository: (name, registryId) =>
      call(`creating the ECR repository ${name}`, async () => {
        await client.send(
          new CreateRepositoryCommand({
            repositoryName: name,
            registryId,
            imageTagMutability: 'MUTABLE',
            imageScanningConfiguration: { scanOnPush: true },
          }),
        );
      }),
    describeTags: (name, tags, registryId) =>
      call(`reading the pushed image back from ${name} (ecr:DescribeImages)`, async () => {
        const found = new Map<string, PushedTag>();
        // One call per tag: a missing tag fails the whole call with ImageNotFoundException.
        for (const tag of tags) {
          try {
            const out = await client.send(
              new DescribeImagesCommand({ repositoryName: name, registryId, imageIds: [{ imageTag: tag }] }),
            );
            const d = out.imageDetails?.[0];
            if (d?.imageDigest) found.set(tag, { digest: d.imageDigest, sizeBytes: d.imageSizeInBytes ?? 0 });
          } catch (error) {
            if (!(error instanceof ImageNotFoundException)) throw error;
          }
        }
        return found;
      }),
  };
}

export async function run(): Promise<void> {
  const git = gitContext();
  const inputs = parseInputs((name) => core.getInput(name), git);
  const region = inputs.push
    ? resolveRegion(inputs.awsRegion)
    : inputs.awsRegion || process.env.AWS_REGION || '';
  const report: Report = { repository: inputs.repository, refs: [], baseImage: inputs.baseImage, pushed: [] };
  try {
    await buildPushImage(
      inputs,
      {
        docker,
        originalDockerConfig: originalDockerConfig(process.env, homedir()),
        buildxEnv: buildxEnv(process.env, homedir()),
        ecr: ecrApi(new ECRClient(awsClientConfig(region || 'us-east-1')), region),
        logger: coreLogger,
        state: coreState,
        secretDir: () => createSecretDir(coreState, 'build-push-ai-image-docker'),
        tempDir: process.env.RUNNER_TEMP || tmpdir(),
        region,
      },
      report,
    );
  } catch (error) {
    setOutputs(report);
    await appendSummary(renderSummary(report, errorMessage(error)));
    throw error;
  }
  setOutputs(report);
  await appendSummary(renderSummary(report));
}

function setOutputs(report: Report): void {
  const set = (name: string, value: string | number | undefined) => {
    if (value !== undefined) core.setOutput(name, String(value));
  };
  set('image-id', report.imageId);
  set('digest', report.digest);
  set(
    'image-uri',
    report.digest && report.registry ? `${report.registry}/${report.repository}@${report.digest}` : undefined,
  );
  set(
    'tags',
    // Pushing: only the tags verified in the registry (none when it failed before the push).
    (report.registry ? report.pushed.map((p) => p.ref) : report.imageId ? report.refs : []).join('\n'),
  );
  set('size-bytes', report.sizeBytes);
  set('compressed-size-bytes', report.compressedSizeBytes);
  if (report.layers) {
    set(
      'largest-layers',
      JSON.stringify(
        largestLayers(report.layers).map((l) => ({ size: l.size, instruction: l.instruction, id: l.id })),
      ),
    );
  }
  set('base-image', report.baseImage);
  if (report.build) set('cached-steps', `${report.build.cached}/${report.build.steps}`);
  set('layers-pushed', report.layersPushed);
  if (report.cuda) set('cuda-bytes', report.cuda.totalBytes);
}

export async function post(): Promise<void> {
  const registry = core.getState(STATE_REGISTRY);
  const configDir = core.getState(STATE_DOCKER_CONFIG);
  if (registry && configDir) {
    const out = await exec('docker', ['logout', registry], {
      env: childEnv({ DOCKER_CONFIG: configDir }),
      allowFailure: true,
    });
    core.info(
      out.exitCode === 0 ? `Logged out of ${registry}.` : `docker logout ${registry}: ${out.stderr.trim()}`,
    );
  }
  const removed = await removeSecretDirs(coreState);
  if (removed.length) core.info(`Removed the Docker credentials folder (${removed.join(', ')}).`);
}
