import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../lib/errors.ts';
import { type ExecResult, lastLines } from '../lib/exec.ts';
import type { Logger } from '../lib/log.ts';
import type { StateStore } from '../lib/state.ts';
import { writeTempDockerConfig } from './docker-config.ts';
import { type CudaScan, scanForCuda, tarEntries } from './cuda-scan.ts';
import {
  buildArgs,
  buildStats,
  type BuildStats,
  parsePushOutput,
  type ResolvedBuilder,
} from './docker-args.ts';
import { checkBudget, formatBytes, type Layer, largestLayers, parseHistory, short } from './image-report.ts';
import type { Inputs } from './inputs.ts';

export interface DockerRunOptions {
  input?: string;
  stream?: boolean;
  allowFailure?: boolean;
  /** Added to the action's environment for this command. */
  env?: Record<string, string>;
}

export interface DockerCli {
  run(args: readonly string[], options?: DockerRunOptions): Promise<ExecResult>;
  /** The image's filesystem as a tar stream (`docker create` + `docker export`; nothing runs). */
  exportFilesystem(imageId: string, env: Record<string, string>): AsyncIterable<Buffer>;
}

export interface PushedTag {
  digest: string;
  sizeBytes: number;
}

export interface EcrApi {
  /** GetAuthorizationToken: the base64 `AWS:<password>` token and the registry's proxy endpoint. */
  authorize(
    registryId: string | undefined,
  ): Promise<{ token: string; proxyEndpoint: string; expiresAt?: Date }>;
  repositoryExists(name: string, registryId: string | undefined): Promise<boolean>;
  createRepository(name: string, registryId: string | undefined): Promise<void>;
  /** DescribeImages for these tags; tags not in the repository are left out of the map. */
  describeTags(
    name: string,
    tags: readonly string[],
    registryId: string | undefined,
  ): Promise<Map<string, PushedTag>>;
}

export interface PipelineDeps {
  docker: DockerCli;
  /** The docker config folder the runner set up (`$DOCKER_CONFIG` or `~/.docker`): only read. */
  originalDockerConfig: string;
  /** BUILDX_CONFIG for every docker command (see docker-config.ts). */
  buildxEnv: Record<string, string>;
  ecr: EcrApi;
  logger: Logger;
  state: StateStore;
  /** A new 0700 folder under RUNNER_TEMP, removed by the post step. */
  secretDir(): Promise<string>;
  /** Scratch folder for the image ID file. */
  tempDir: string;
  region: string;
}

/** Everything learned so far: filled as the step goes, so a failure still gets a summary. */
export interface Report {
  builder?: ResolvedBuilder;
  registry?: string;
  repository: string;
  refs: string[];
  imageId?: string;
  sizeBytes?: number;
  baseImage: string;
  layers?: Layer[];
  build?: BuildStats;
  budget?: { maxMb: number; over: boolean };
  cuda?: CudaScan;
  createdRepository?: boolean;
  pushed: Array<{ ref: string; tag: string }>;
  digest?: string;
  compressedSizeBytes?: number;
  layersPushed?: number;
  layersExisting?: number;
}

export const STATE_REGISTRY = 'registry';
export const STATE_DOCKER_CONFIG = 'docker-config';

export async function buildPushImage(inputs: Inputs, deps: PipelineDeps, report: Report): Promise<Report> {
  const { docker, ecr, logger } = deps;
  const registryId = inputs.registry.kind === 'account' ? inputs.registry.id : undefined;
  // Every docker command, buildx detection included, sees the original buildx state.
  const env: Record<string, string> = { ...deps.buildxEnv };

  const builder = await logger.group('Check the Docker engine', async () => {
    const version = await docker.run(['version', '--format', '{{.Server.Version}}'], {
      allowFailure: true,
      env,
    });
    if (version.exitCode !== 0) {
      throw new UserError(
        `No Docker daemon is reachable (DOCKER_HOST=${process.env.DOCKER_HOST || 'unix:///var/run/docker.sock'}): ${lastLines(version.stderr || version.stdout, 3)}\n` +
          'Run this action on a runner with Docker (GitHub-hosted ubuntu runners have it) or start the daemon first.',
      );
    }
    logger.info(`Docker engine ${version.stdout.trim()}`);
    return resolveBuilder(inputs, docker, logger, env);
  });
  report.builder = builder;

  let missingRepository = false;
  if (inputs.push) {
    await logger.group('Log in to Amazon ECR', async () => {
      const auth = await ecr.authorize(registryId);
      logger.mask(auth.token);
      const decoded = Buffer.from(auth.token, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0)
        throw new Error('GetAuthorizationToken returned a token that is not base64 of user:password');
      const user = decoded.slice(0, colon);
      const password = decoded.slice(colon + 1);
      logger.mask(password);
      const host =
        inputs.registry.kind === 'host'
          ? inputs.registry.host
          : auth.proxyEndpoint.replace(/^https?:\/\//, '').replace(/\/+$/, '');
      report.registry = host;
      const configDir = await deps.secretDir();
      deps.state.save(STATE_DOCKER_CONFIG, configDir);
      deps.state.save(STATE_REGISTRY, host);
      // The original plugin folders stay visible (config.json cliPluginsExtraDirs); nothing is written there.
      await writeTempDockerConfig(configDir, deps.originalDockerConfig);
      env.DOCKER_CONFIG = configDir;
      const login = await docker.run(['login', '--username', user, '--password-stdin', host], {
        input: password,
        allowFailure: true,
        env,
      });
      if (login.exitCode !== 0) {
        throw new UserError(
          `The registry ${host} refused the ECR login (docker login exit code ${login.exitCode}): ${lastLines(login.stderr || login.stdout, 3)}\n` +
            `The token came from GetAuthorizationToken in ${deps.region}${registryId ? ` for registry ${registryId}` : ''}: check that the registry input names the account the role may push to, and that the role allows ecr:GetAuthorizationToken.`,
        );
      }
      logger.info(
        `Logged in to ${host} as ${user}${auth.expiresAt ? ` (token valid until ${auth.expiresAt.toISOString()})` : ''}; credentials in ${configDir}`,
      );
      const exists = await ecr.repositoryExists(inputs.repository, registryId);
      if (!exists && !inputs.createRepository) {
        throw new UserError(
          `The ECR repository '${inputs.repository}' does not exist in ${host} (${deps.region}). Create it (e.g. with Terraform), or set create-repository: true to let this action create it. Nothing was built or pushed.`,
        );
      }
      missingRepository = !exists;
      if (missingRepository)
        logger.info(
          `Repository '${inputs.repository}' does not exist yet: it is created once the image passes its checks.`,
        );
    });
  }
  const prefix = report.registry ? `${report.registry}/` : '';
  report.refs = inputs.tags.map((t) => `${prefix}${inputs.repository}:${t}`);

  const iidFile = join(deps.tempDir, `build-push-ai-image-${process.pid}-${Date.now()}.iid`);
  await logger.group(
    `Build ${inputs.stageLabel} of ${inputs.dockerfile} (${builder === 'buildx' ? 'docker buildx build' : 'docker build'})`,
    async () => {
      const args = buildArgs(inputs, builder, report.refs, iidFile, (m) => logger.warning(m));
      const buildEnv =
        builder === 'docker'
          ? { ...env, DOCKER_BUILDKIT: '0' }
          : { ...env, BUILDX_NO_DEFAULT_ATTESTATIONS: '1' };
      const result = await docker.run(args, { stream: true, allowFailure: true, env: buildEnv });
      const log = plainText(`${result.stdout}\n${result.stderr}`);
      if (result.exitCode !== 0) {
        throw new UserError(
          `The image build failed (docker ${args[0]} exit code ${result.exitCode}). Last lines of the build log:\n${lastLines(log, 25)}`,
        );
      }
      report.imageId = (await readFile(iidFile, 'utf8')).trim();
      report.build = buildStats(log, builder);
      const b = report.build;
      logger.info(
        `Built ${report.imageId}: ${b.cached} of ${b.steps} steps from the layer cache${b.rebuilt.length ? `; rebuilt: ${b.rebuilt.map((r) => short(r, 60)).join(' | ')}` : ' (nothing rebuilt)'}`,
      );
    },
  );
  const imageId = report.imageId!;

  await logger.group('Measure the image', async () => {
    const inspect = await docker.run(['image', 'inspect', '--format', '{{.Size}}', imageId], { env });
    report.sizeBytes = Number(inspect.stdout.trim());
    const history = await docker.run(
      ['history', '--no-trunc', '--human=false', '--format', '{{json .}}', imageId],
      { env },
    );
    report.layers = parseHistory(history.stdout);
    logger.info(
      `Image ${imageId}: ${formatBytes(report.sizeBytes)} uncompressed, ${report.layers.length} history entries, base image ${inputs.baseImage}`,
    );
    logger.info('Largest layers:');
    for (const l of largestLayers(report.layers))
      logger.info(`  ${formatBytes(l.size).padStart(9)}  ${short(l.instruction, 110)}`);
  });

  const problems: string[] = [];
  const budgetProblem = checkBudget(report.sizeBytes!, inputs.maxImageSizeMb, report.layers!);
  if (inputs.maxImageSizeMb !== undefined) {
    report.budget = { maxMb: inputs.maxImageSizeMb, over: budgetProblem !== undefined };
    if (!budgetProblem)
      logger.info(`Within the budget of ${inputs.maxImageSizeMb} MB (${formatBytes(report.sizeBytes!)}).`);
  }
  if (budgetProblem) problems.push(budgetProblem);

  if (inputs.cpuOnly !== 'off') {
    await logger.group(
      'CPU-only check (CUDA/cuDNN libraries, nvidia-* packages, +cu torch builds)',
      async () => {
        const scan = await scanForCuda(tarEntries(docker.exportFilesystem(imageId, env)));
        report.cuda = scan;
        if (scan.findings.length === 0) {
          logger.info(`No CUDA libraries found (${scan.filesScanned} files scanned).`);
          return;
        }
        const lines = scan.findings.map(
          (f) => `  ${formatBytes(f.bytes).padStart(9)}  ${f.kind}: ${f.location}`,
        );
        const message =
          `The image carries CUDA/GPU files (${formatBytes(scan.totalBytes)} in ${scan.findings.length} places) though cpu-only is '${inputs.cpuOnly}':\n${lines.join('\n')}\n` +
          'Install CPU-only wheels (e.g. pip install torch --index-url https://download.pytorch.org/whl/cpu).';
        if (inputs.cpuOnly === 'fail') problems.push(`${message} Nothing was pushed.`);
        else logger.warning(message);
      },
    );
  }
  if (problems.length) throw new UserError(problems.join('\n\n'));

  if (!inputs.push) {
    logger.info(`push is false: the image stays in the local engine as ${report.refs.join(', ')}.`);
    return report;
  }

  await logger.group(
    `Push ${report.refs.length} tag${report.refs.length === 1 ? '' : 's'} to ${report.registry}`,
    async () => {
      if (missingRepository) {
        await ecr.createRepository(inputs.repository, registryId);
        report.createdRepository = true;
        logger.info(`Created the ECR repository '${inputs.repository}' (create-repository: true).`);
      }
      let digest: string | undefined;
      /** Tags whose `docker push` succeeded in this run. */
      const succeeded: string[] = [];
      for (const [i, ref] of report.refs.entries()) {
        const tag = inputs.tags[i]!;
        const out = await docker.run(['push', ref], { stream: true, allowFailure: true, env });
        const parsed = out.exitCode === 0 ? parsePushOutput(out.stdout) : undefined;
        if (!parsed) {
          const there = await ecr
            .describeTags(inputs.repository, inputs.tags, registryId)
            .catch(() => new Map<string, PushedTag>());
          const { pushed, older } = pushedTags(inputs.tags, succeeded, digest, there);
          report.pushed = pushed.map((t) => ({
            tag: t,
            ref: `${report.registry}/${inputs.repository}:${t}`,
          }));
          const notPushed = inputs.tags.filter((t) => !pushed.includes(t));
          throw new UserError(
            `docker push ${ref} failed (exit code ${out.exitCode}): ${lastLines(out.stderr || out.stdout, 5)}\n` +
              `Pushed in this run and in the registry at ${digest ?? 'this image'}: ${pushed.length ? pushed.join(', ') : 'none'}; not pushed: ${notPushed.join(', ')}.` +
              (older.length
                ? `\nStill in the registry from an earlier push (NOT this image): ${older.map((o) => `${o.tag} (${o.digest})`).join(', ')}.`
                : ''),
          );
        }
        if (digest && parsed.digest !== digest)
          throw new Error(`docker push ${ref} reported ${parsed.digest}, the earlier tags ${digest}`);
        digest = parsed.digest;
        succeeded.push(tag);
        report.layersPushed = (report.layersPushed ?? 0) + parsed.layersPushed;
        report.layersExisting = (report.layersExisting ?? 0) + parsed.layersExisting;
        logger.info(
          `${tag}: ${parsed.layersPushed} layer(s) uploaded, ${parsed.layersExisting} already in the registry`,
        );
      }
      // Read the pushed manifest back: every tag must be there at the digest docker reported.
      const there = await ecr.describeTags(inputs.repository, inputs.tags, registryId);
      const wrong = inputs.tags.filter((t) => there.get(t)?.digest !== digest);
      report.pushed = inputs.tags
        .filter((t) => !wrong.includes(t))
        .map((t) => ({ tag: t, ref: `${report.registry}/${inputs.repository}:${t}` }));
      if (wrong.length) {
        throw new UserError(
          `After the push, ECR does not hold ${wrong.map((t) => `${t} (${there.get(t)?.digest ?? 'missing'})`).join(', ')} at ${digest}. Another job may have pushed the same tags at the same time.`,
        );
      }
      report.digest = digest;
      report.compressedSizeBytes = there.get(inputs.tags[0]!)!.sizeBytes;
      logger.info(
        `Pushed ${report.registry}/${inputs.repository}@${digest}: ${formatBytes(report.compressedSizeBytes)} compressed in the registry.`,
      );
    },
  );
  return report;
}

/**
 * After a failed push: a tag counts as pushed only if its push succeeded in this run AND the registry
 * shows it at this image's digest. Tags the registry holds at another digest (e.g. `latest` from an
 * earlier run) are reported apart, never as pushed.
 */
export function pushedTags(
  tags: readonly string[],
  succeeded: readonly string[],
  digest: string | undefined,
  there: ReadonlyMap<string, PushedTag>,
): { pushed: string[]; older: Array<{ tag: string; digest: string }> } {
  const pushed = tags.filter(
    (t) => digest !== undefined && succeeded.includes(t) && there.get(t)?.digest === digest,
  );
  const older = tags
    .filter((t) => there.has(t) && !pushed.includes(t) && there.get(t)!.digest !== digest)
    .map((t) => ({ tag: t, digest: there.get(t)!.digest }));
  return { pushed, older };
}

/** Build output without colour codes, and each progress line (`\r` updates) as its last state. */
export function plainText(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- ANSI escape sequences are what is being removed
      .replace(/\u001b\[[0-9;]*[A-Za-z]/g, '')
      .split('\n')
      .map((line) => line.replace(/\r+$/, '').split('\r').at(-1)!)
      .join('\n')
  );
}

async function resolveBuilder(
  inputs: Inputs,
  docker: DockerCli,
  logger: Logger,
  env: Record<string, string>,
): Promise<ResolvedBuilder> {
  if (inputs.builder === 'docker') return 'docker';
  const buildx = await docker.run(['buildx', 'version'], { allowFailure: true, env });
  if (buildx.exitCode === 0) {
    logger.info(`Builder: ${buildx.stdout.trim()}`);
    return 'buildx';
  }
  if (inputs.builder === 'buildx') {
    throw new UserError(
      `builder is 'buildx' but docker buildx is not available: ${lastLines(buildx.stderr || buildx.stdout, 2)}. Run docker/setup-buildx-action first, or use builder: auto.`,
    );
  }
  if (inputs.platform) {
    throw new UserError(
      `platforms needs docker buildx, which is not available here. Run docker/setup-buildx-action first, or leave platforms empty.`,
    );
  }
  logger.info('docker buildx is not available: building with the classic builder (docker build).');
  for (const [name, list] of [
    ['cache-from', inputs.cacheFrom],
    ['cache-to', inputs.cacheTo],
  ] as const) {
    if (list.length)
      logger.warning(
        `${name} is ignored: it needs docker buildx, which is not available here (the classic builder uses the local layer cache).`,
      );
  }
  return 'docker';
}
