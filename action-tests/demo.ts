// The demo: starts the sample stack, runs the example workflows of .github/workflows/ through the
// local runner (each step printed as a runner log would print it), then says what it checked.
//   npm run demo            (scripts/demo.sh: installs what is missing, then runs this file)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import type { EventName } from './runner/events.ts';
import { runJob, type JobResult } from './runner/run-job.ts';
import { awsAdmin } from './stack/aws/admin-client.ts';
import { startStack, type StackInfo } from './stack/stack.ts';

const REPO_ROOT = resolve(import.meta.dirname, '..');

interface Demo {
  title: string;
  workflow: string;
  job: string;
  event: EventName;
  vars?: (stack: StackInfo) => Record<string, string>;
  /** Deep-merged over the generated event payload (e.g. the pull request number). */
  payload?: (stack: StackInfo) => Record<string, unknown>;
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
    title: 'Push to main: fetch the API host target from SSM, build the jar, deploy it with deploy-jar-ec2',
    workflow: '.github/workflows/deploy.yml',
    job: 'api',
    event: 'push',
    async check(result, stack) {
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
      // deploy-jar-ec2: the jar built from this commit is what the host's /health now reports.
      const status = output(result, 'deploy', 'status');
      const release = output(result, 'deploy', 'release-id');
      const built = /build\/libs\/api-([0-9a-f]{12})\.jar/.exec(result.log)?.[1];
      if (status !== 'deployed' || !release) throw new Error(`deploy-jar-ec2 ended '${status}'`);
      const health = (await (await fetch(stack.api.healthUrl)).json()) as { version?: string };
      if (!built || health.version !== built)
        throw new Error(`GET /health answers version '${health.version}', expected the built '${built}'`);
      return [
        `target fetched from SSM: ${user}@${host} (port ${output(result, 'target', 'ssh-port')})`,
        `key file written under RUNNER_TEMP (0600) and gone after the post step`,
        'SSH login with the fetched key and the pinned host key (StrictHostKeyChecking=yes) succeeded',
        'no line of the private key in the job log',
        `jar api-${built}.jar deployed as release ${release} (sha256 ${output(result, 'deploy', 'sha256').slice(0, 12)}...) to ${stack.api.service} in ${output(result, 'deploy', 'duration-ms')} ms`,
        `GET ${stack.api.healthUrl} on the host answers version ${health.version}`,
      ];
    },
  },
  {
    title: 'Pull request: plan the sample infra and keep one sticky plan comment',
    workflow: '.github/workflows/terraform-plan.yml',
    job: 'plan',
    event: 'pull_request',
    payload: (stack) => ({
      number: stack.github.pullNumber,
      pull_request: { number: stack.github.pullNumber },
    }),
    async check(result, stack) {
      const gh = stack.github;
      const url = `${gh.apiUrl}/repos/${gh.repository}/issues/${gh.pullNumber}/comments?per_page=100`;
      const comments = (await (
        await fetch(url, { headers: { authorization: `token ${gh.adminToken}` } })
      ).json()) as Array<{
        id: number;
        body: string;
        user: { login: string };
      }>;
      const mine = comments.filter((c) => c.body.startsWith('<!-- terraform-plan-comment'));
      if (mine.length !== 1)
        throw new Error(`expected one plan comment on PR #${gh.pullNumber}, found ${mine.length}`);
      const comment = mine[0]!;
      if (String(comment.id) !== output(result, 'plan', 'comment-id'))
        throw new Error('comment-id does not match');
      process.stdout.write(
        `\n--- the plan comment on pull request #${gh.pullNumber}, as read back from the GitHub endpoint (by ${comment.user.login}) ---\n${comment.body}\n--- end of comment ---\n`,
      );
      if (/sampleDeployKeyNotARealSecret/.test(comment.body))
        throw new Error('the sensitive deploy key reached the comment');
      return [
        `comment ${comment.id} by ${comment.user.login} on PR #${gh.pullNumber}: ${output(result, 'plan', 'summary')}`,
        'terraform init/plan/show run by the action through setup-terraform (replayed run, wrapper noise stripped)',
        'the sensitive deploy key is nowhere in the comment; the job summary holds the same rendering',
      ];
    },
  },
  {
    title: 'Push to main: sync the web export to S3 and invalidate CloudFront',
    workflow: '.github/workflows/deploy.yml',
    job: 'frontend',
    event: 'push',
    vars: (stack) => ({
      SITE_BUCKET: stack.frontend.bucket,
      SITE_DISTRIBUTION_ID: stack.frontend.distributionId,
    }),
    async check(result, stack) {
      const exportDir = join(REPO_ROOT, 'action-tests/sample-app/web/out');
      const files = listFiles(exportDir);
      const aws = awsAdmin(stack.adminUrl);
      const objects = new Map((await aws.s3.objects(stack.frontend.bucket)).map((o) => [o.key, o] as const));
      const problems: string[] = [];
      for (const rel of files) {
        const o = objects.get(rel);
        const md5 = createHash('md5')
          .update(readFileSync(join(exportDir, rel)))
          .digest('hex');
        // Content-hashed: _next/static and hashed names elsewhere (images/og.8d3f2a1c.png), not
        // date suffixes (downloads/report-20240315.pdf).
        const cache =
          rel.startsWith('_next/static/') || rel === 'images/og.8d3f2a1c.png'
            ? 'public, max-age=31536000, immutable'
            : 'public, max-age=0, must-revalidate';
        if (!o) problems.push(`${rel} missing`);
        else if (o.etag !== `"${md5}"`) problems.push(`${rel}: ETag ${o.etag}, expected "${md5}"`);
        else if (o.cacheControl !== cache) problems.push(`${rel}: Cache-Control ${o.cacheControl}`);
        else if (o.contentType === 'application/octet-stream') problems.push(`${rel}: no Content-Type`);
      }
      if (problems.length) throw new Error(problems.join('; '));
      const html = objects.get('index.html')!;
      const css = [...objects.values()].find((o) => o.key.endsWith('.css'))!;
      const [inv] = await aws.cloudfront.invalidations(stack.frontend.distributionId);
      if (!inv || inv.status !== 'Completed' || inv.paths.some((p) => p.startsWith('/_next/')))
        throw new Error(`unexpected invalidation ${JSON.stringify(inv)}`);
      return [
        `${files.length} files in s3://${stack.frontend.bucket}/, each ETag = MD5 of the local file (${output(result, 'sync', 'uploaded')} uploaded)`,
        `index.html: ${html.contentType}, ${html.cacheControl ?? ''}`,
        `${css.key}: ${css.contentType}, ${css.cacheControl ?? ''}`,
        `invalidation ${inv.id} completed: ${inv.paths.join(' ')} (nothing under /_next/static)`,
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

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name), base) : [relative(base, join(dir, e.name))],
  );
}

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
        eventPayload: demo.payload?.(stack),
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
