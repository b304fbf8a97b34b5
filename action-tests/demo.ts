// The demo: starts the sample stack, runs the example workflows of .github/workflows/ through the
// local runner (each step printed as a runner log would print it), then says what it checked.
//   npm run demo            (scripts/demo.sh: installs what is missing, then runs this file)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import type { EventName } from './runner/events.ts';
import { runJob, type JobResult } from './runner/run-job.ts';
import { startStack, type StackInfo } from './stack/stack.ts';

const REPO_ROOT = resolve(import.meta.dirname, '..');

interface Demo {
  title: string;
  workflow: string;
  job: string;
  event: EventName;
  vars?: (stack: StackInfo) => Record<string, string>;
  /** Returns what was verified, one line each; throws when something is not as it should be. */
  check(result: JobResult, stack: StackInfo): string[] | Promise<string[]>;
}

function output(result: JobResult, stepId: string, name: string): string {
  const step = result.steps.find((s) => s.id === stepId && s.phase === 'main');
  if (!step) throw new Error(`no step '${stepId}' ran`);
  return step.outputs[name] ?? '';
}

const DEMOS: Demo[] = [
  {
    title: 'Push to main: fetch the API host target from SSM and log in over SSH',
    workflow: '.github/workflows/deploy.yml',
    job: 'api',
    event: 'push',
    check(result, stack) {
      const host = output(result, 'target', 'host');
      const user = output(result, 'target', 'user');
      const keyPath = output(result, 'target', 'key-path');
      if (host !== stack.ssh.host || user !== stack.ssh.user)
        throw new Error(`fetched ${user}@${host}, expected ${stack.ssh.user}@${stack.ssh.host}`);
      if (!keyPath || existsSync(keyPath))
        throw new Error(`the key file '${keyPath}' is still there after the job`);
      if (!/logged in to .* as deploy/.test(result.log)) throw new Error('no SSH login line in the job log');
      const keyLine = execFileSync('sed', ['-n', '2p', stack.ssh.privateKeyPath]).toString().trim();
      if (result.log.includes(keyLine)) throw new Error('a line of the private key reached the job log');
      return [
        `target fetched from SSM: ${user}@${host} (port ${output(result, 'target', 'ssh-port')})`,
        `key file written under RUNNER_TEMP (0600) and gone after the post step`,
        'SSH login with the fetched key and the pinned host key (StrictHostKeyChecking=yes) succeeded',
        'no line of the private key in the job log',
      ];
    },
  },
  {
    title: 'Push to main: build the AI server image, check its size and CPU-only wheels, push it to ECR',
    workflow: '.github/workflows/deploy.yml',
    job: 'ai',
    event: 'push',
    vars: (stack) => ({ PYTHON_BASE_IMAGE: stack.docker.baseImage }),
    async check(result, stack) {
      const digest = output(result, 'image', 'digest');
      const refs = output(result, 'image', 'tags').split('\n');
      const ecr = new ECRClient({
        region: stack.region,
        endpoint: stack.endpoints.ecr,
        credentials: stack.credentials,
      });
      const token = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData![0]!
        .authorizationToken!;
      const held: string[] = [];
      for (const ref of refs) {
        const [repository, tag] = ref.slice(stack.docker.registry.length + 1).split(':') as [string, string];
        const res = await fetch(`http://${stack.docker.registry}/v2/${repository}/manifests/${tag}`, {
          method: 'HEAD',
          headers: {
            authorization: `Basic ${token}`,
            accept: 'application/vnd.docker.distribution.manifest.v2+json',
          },
        });
        const at = res.headers.get('docker-content-digest');
        if (at !== digest)
          throw new Error(`the registry holds ${ref} at ${at ?? 'nothing'}, the action reported ${digest}`);
        held.push(tag);
      }
      if (output(result, 'image', 'cuda-bytes') !== '0')
        throw new Error(
          `the CPU-only check found ${output(result, 'image', 'cuda-bytes')} bytes of CUDA files`,
        );
      if (readdirSync(result.runnerTemp).some((d) => d.startsWith('build-push-ai-image-docker-')))
        throw new Error('the docker credentials folder is still under RUNNER_TEMP after the job');
      const mb = (name: string) => (Number(output(result, 'image', name)) / 1e6).toFixed(1);
      return [
        `image built from action-tests/sample-app/ai (multi-stage, target runtime): ${mb('size-bytes')} MB, within the 400 MB budget`,
        `CPU-only check passed (cpu-only: fail): no CUDA libraries in the image`,
        `the registry holds ${held.join(', ')} at ${digest} (${mb('compressed-size-bytes')} MB compressed)`,
        'docker credentials removed by the post step',
      ];
    },
  },
];

const bold = (s: string) => (process.stdout.isTTY ? `\u001b[1m${s}\u001b[0m` : s);

async function main(): Promise<number> {
  const logRoot = join(REPO_ROOT, 'action-tests/.logs/demo');
  rmSync(logRoot, { recursive: true, force: true });
  mkdirSync(logRoot, { recursive: true });
  process.stdout.write(
    'Starting the sample stack (sshd, the AWS endpoints, the sample API host, dockerd and the registry)...\n',
  );
  const running = await startStack(join(REPO_ROOT, 'action-tests/.stack-demo'));
  const stack = running.info;
  const checked: Array<{ title: string; lines: string[]; error?: string }> = [];
  try {
    for (const demo of DEMOS) {
      process.stdout.write(
        `\n${bold(`=== ${demo.title}`)}\n    ${demo.workflow}, job '${demo.job}', on ${demo.event}\n\n`,
      );
      const result = await runJob({
        workflowPath: join(REPO_ROOT, demo.workflow),
        jobId: demo.job,
        repoRoot: REPO_ROOT,
        eventName: demo.event,
        workDir: mkdtempSync(join(logRoot, `${demo.job}-`)),
        env: { SAMPLE_STACK_FILE: running.file, DOCKER_HOST: stack.docker.host },
        vars: {
          AWS_DEPLOY_ROLE_ARN: `arn:aws:iam::${stack.accountId}:role/github-deploy`,
          ...demo.vars?.(stack),
        },
        echo: true,
      });
      try {
        if (result.conclusion !== 'success') throw new Error(`the job ended with '${result.conclusion}'`);
        checked.push({ title: demo.title, lines: await demo.check(result, stack) });
      } catch (error) {
        checked.push({
          title: demo.title,
          lines: [`job log: ${result.logPath}`],
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  } finally {
    await running.stop();
  }
  process.stdout.write(`\n${bold('=== What the demo checked')}\n`);
  for (const c of checked) {
    process.stdout.write(`${c.error ? 'FAILED' : 'ok'}  ${c.title}\n`);
    for (const line of c.lines) process.stdout.write(`      - ${line}\n`);
    if (c.error) process.stdout.write(`      ! ${c.error}\n`);
  }
  return checked.some((c) => c.error) ? 1 : 0;
}

process.exitCode = await main();
