import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  createCloudFrontService,
  createEcrService,
  createS3Service,
  createSsmService,
  seedParameters,
  startAwsServer,
} from './aws/index.ts';
import { type ApiService, installApiService, stopService } from './api-service.ts';
import { startDocker, type DockerStack, type RunningDocker } from './docker.ts';
import { type GitHubInfo, startGitHub } from './github.ts';
import { startSshHost } from './ssh-host.ts';
import { freePort } from './util.ts';

/**
 * The sample stack: everything the actions talk to, on loopback. Its description is written to
 * `<dir>/stack.json` (the `SAMPLE_STACK_FILE` the runner's stand-ins and the tests read).
 */
export interface StackInfo {
  dir: string;
  pid: number;
  region: string;
  accountId: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  endpoints: Record<string, string>;
  /** Base URL of the emulator's /__admin routes. */
  adminUrl: string;
  ssh: {
    host: string;
    port: number;
    user: string;
    hostKeys: string;
    privateKeyPath: string;
    knownHostsPath: string;
    logPath: string;
  };
  api: ApiService;
  /** The sample host as an SSM managed node (Run Command's agent runs commands on this machine as root). */
  ssmInstance: { id: string; tags: Record<string, string> };
  /** The S3 bucket deploy-jar-ec2 uses with transport ssm. */
  artifactBucket: string;
  /** The static site's bucket (S3 endpoint `endpoints.s3`, path-style addressing). */
  frontend: { bucket: string; distributionId: string };
  /** GitHub REST endpoint (emulate behind a GHES-style proxy): jobs get its URLs and token. */
  github: GitHubInfo;
  /** Docker engine (DOCKER_HOST) and the registry playing ECR (build-push-ai-image). */
  docker: DockerStack;
  /** The SSM parameters the product's Terraform would create (`infra/`). */
  parameters: {
    prefix: string;
    host: string;
    user: string;
    privateKey: string;
    hostKey: string;
    port: string;
    /** Where the API runs on the host (deploy-jar-ec2 reads them through fetch-ssm-target). */
    apiService: string;
    apiAppDir: string;
    apiHealthUrl: string;
  };
}

export const REGION = 'us-east-1';
export const ACCOUNT_ID = '123456789012';
export const PREFIX = '/sample/prod';
export const SSM_INSTANCE = {
  id: 'i-0a1b2c3d4e5f60718',
  tags: { Name: 'sample-api-host', Role: 'api', Environment: 'prod' },
};
export const SITE_BUCKET = 'sample-site-prod';
/** Where deploy-jar-ec2 (transport ssm) uploads jars for the instances to download. */
export const ARTIFACT_BUCKET = 'sample-deploy-artifacts';
export const DISTRIBUTION_ID = 'E2SAMPLESITE7Q';
export const AI_REPOSITORY = 'sample/ai-server';

export interface RunningStack {
  info: StackInfo;
  file: string;
  stop(): Promise<void>;
}

/**
 * A dockerd that was killed (not stopped) leaves its data root bind-mounted on itself, and the next
 * rmSync of the stack dir fails with EBUSY: lazily unmount whatever is still mounted below `dir`.
 */
function unmountBelow(dir: string): void {
  let mounts: string[];
  try {
    mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => (line.split(' ')[1] ?? '').replace(/\\040/g, ' '))
      .filter((m) => m === dir || m.startsWith(`${dir}/`));
  } catch {
    return;
  }
  for (const m of mounts.sort((a, b) => b.length - a.length)) {
    try {
      execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}

export async function startStack(dir: string): Promise<RunningStack> {
  unmountBelow(resolve(dir));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const stops: Array<() => Promise<void> | void> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    const credentials = {
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(48).toString('base64'),
    };
    // dockerd + the base image import take a few seconds: started first, awaited last.
    const dockerStart = startDocker(join(dir, 'docker'));
    dockerStart.catch(() => undefined); // awaited below; a failure there stops the stack
    const started: { docker?: RunningDocker } = {};
    stops.push(async () => (started.docker ?? (await dockerStart.catch(() => undefined)))?.stop());
    const registry = {
      get address() {
        return started.docker?.registry ?? '';
      },
      user: 'AWS',
      password: () => started.docker?.password() ?? '',
      failManifestPuts: (tags: string[]) => started.docker?.failManifestPuts(tags),
      registryWrites: () => started.docker?.registryWrites() ?? [],
      clearRegistryWrites: () => started.docker?.clearRegistryWrites(),
    };
    const ecr = createEcrService({ accountId: ACCOUNT_ID, registry });
    const s3 = createS3Service({
      accountId: ACCOUNT_ID,
      buckets: [
        { name: SITE_BUCKET, region: REGION },
        { name: ARTIFACT_BUCKET, region: REGION },
      ],
    });
    const aws = await startAwsServer({
      accountId: ACCOUNT_ID,
      credentials,
      services: [
        createSsmService({
          accountId: ACCOUNT_ID,
          runCommand: {
            agentDir: join(dir, 'ssm-agent'),
            instances: [{ InstanceId: SSM_INSTANCE.id, Tags: SSM_INSTANCE.tags }],
            // The sample host's service manager is the daemonless systemctl (as sudo's secure_path).
            path: '/opt/sample-stack/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          },
        }),
        s3,
        createCloudFrontService({ accountId: ACCOUNT_ID, distributions: [{ id: DISTRIBUTION_ID }] }),
        ecr,
      ],
      // S3 parts (and single PUTs) up to 64 MiB.
      maxBodyBytes: 64 * 1024 * 1024,
    });
    stops.push(() => aws.close());

    const github = await startGitHub();
    stops.push(() => github.close());

    const ssh = await startSshHost(join(dir, 'ssh'));
    stops.push(() => ssh.stop());

    // The API service is machine-wide (a unit file, /opt/app): SAMPLE_STACK_SUFFIX lets two checkouts
    // on one machine run their stacks side by side without stopping each other's service.
    const suffix = process.env.SAMPLE_STACK_SUFFIX ?? '';
    if (!/^(-[a-z0-9]+)?$/.test(suffix))
      throw new Error(`SAMPLE_STACK_SUFFIX must look like -name, got '${suffix}'`);
    const api = installApiService({
      service: `sample-api${suffix}`,
      appDir: `/opt/app${suffix}`,
      port: await freePort(),
      user: ssh.user,
    });
    stops.push(() => stopService(api.service));

    const parameters = {
      prefix: PREFIX,
      host: `${PREFIX}/ssh-host`,
      user: `${PREFIX}/ssh-user`,
      privateKey: `${PREFIX}/ssh-private-key`,
      hostKey: `${PREFIX}/ssh-host-key`,
      port: `${PREFIX}/ssh-port`,
      apiService: `${PREFIX}/api-service`,
      apiAppDir: `${PREFIX}/api-app-dir`,
      apiHealthUrl: `${PREFIX}/api-health-url`,
    };
    await seedParameters(aws.url, credentials, REGION, [
      { Name: parameters.host, Value: ssh.host },
      { Name: parameters.user, Value: ssh.user },
      { Name: parameters.privateKey, Value: readFileSync(ssh.privateKeyPath, 'utf8'), Type: 'SecureString' },
      { Name: parameters.hostKey, Value: ssh.hostKeys },
      { Name: parameters.port, Value: String(ssh.port) },
      { Name: parameters.apiService, Value: api.service },
      { Name: parameters.apiAppDir, Value: api.appDir },
      { Name: parameters.apiHealthUrl, Value: api.healthUrl },
    ]);
    const docker = (started.docker = await dockerStart);
    // The AI server's repository, as the product's Terraform would create it.
    ecr.createRepository(REGION, AI_REPOSITORY);
    aws.clearCalls();

    const info: StackInfo = {
      dir,
      pid: process.pid,
      region: REGION,
      accountId: ACCOUNT_ID,
      credentials,
      endpoints: { ssm: aws.url, s3: aws.url, cloudfront: aws.url, ecr: aws.url },
      adminUrl: aws.url,
      ssh: {
        host: ssh.host,
        port: ssh.port,
        user: ssh.user,
        hostKeys: ssh.hostKeys,
        privateKeyPath: ssh.privateKeyPath,
        knownHostsPath: ssh.knownHostsPath,
        logPath: ssh.logPath,
      },
      api,
      ssmInstance: SSM_INSTANCE,
      artifactBucket: ARTIFACT_BUCKET,
      github: github.info,
      docker: {
        host: docker.host,
        registry: docker.registry,
        registryUser: docker.registryUser,
        baseImage: docker.baseImage,
        dataRoot: docker.dataRoot,
        logPath: docker.logPath,
      },
      parameters,
      frontend: { bucket: SITE_BUCKET, distributionId: DISTRIBUTION_ID },
    };
    const file = join(dir, 'stack.json');
    writeFileSync(file, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
    return { info, file, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export function readStack(file: string): StackInfo {
  return JSON.parse(readFileSync(file, 'utf8')) as StackInfo;
}
