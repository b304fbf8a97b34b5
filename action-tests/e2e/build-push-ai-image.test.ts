import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { DescribeImagesCommand, ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { REPO_ROOT, admin, runWorkflow, stack, step, type RunResult } from './harness.ts';
import { headCommit, REPOSITORY } from '../runner/events.ts';

// One sample image, built few times: vfs copies every layer, so the scenarios after the first build
// reuse its layer cache (same Dockerfile steps) and differ only in what they check or push.
const SCENARIOS = 'action-tests/workflows/build-push-ai-image.yml';
// Tests that build new layers (vfs copies each one): more than the default 180 s on a busy 2-core machine.
const HEAVY_MS = 420_000;
const SAMPLE = join(REPO_ROOT, 'action-tests/sample-app/ai');
const scenario = (vars: Record<string, string> = {}, env: Record<string, string> = {}) =>
  runWorkflow({
    workflow: SCENARIOS,
    event: 'push',
    vars: { PYTHON_BASE_IMAGE: stack().docker.baseImage, ...vars },
    env,
  });

const dockerConfig = mkdtempSync(join(tmpdir(), 'ai-image-test-docker-'));
function docker(args: string[], input?: string): string {
  return execFileSync('docker', args, {
    env: { ...process.env, DOCKER_HOST: stack().docker.host, DOCKER_CONFIG: dockerConfig },
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  }).toString();
}

function ecr(): ECRClient {
  const s = stack();
  return new ECRClient({ region: s.region, endpoint: s.endpoints.ecr, credentials: s.credentials });
}

/** The registry's own password, through ECR's GetAuthorizationToken (as any client gets it). */
async function registryPassword(): Promise<string> {
  const out = await ecr().send(new GetAuthorizationTokenCommand({}));
  return Buffer.from(out.authorizationData![0]!.authorizationToken!, 'base64').toString().split(':')[1]!;
}

/** fetch, retried once: a kept-alive socket the server has just closed fails with "other side closed". */
async function get(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch {
    return fetch(url, init);
  }
}

/** What the registry itself holds: tag -> manifest digest. */
async function registryTags(repository: string): Promise<Record<string, string>> {
  const { registry } = stack().docker;
  const auth = {
    authorization: `Basic ${Buffer.from(`AWS:${await registryPassword()}`).toString('base64')}`,
  };
  const list = await get(`http://${registry}/v2/${repository}/tags/list`, { headers: auth });
  if (list.status === 404) return {};
  const tags = ((await list.json()) as { tags: string[] | null }).tags ?? [];
  const out: Record<string, string> = {};
  for (const tag of tags) {
    const res = await get(`http://${registry}/v2/${repository}/manifests/${tag}`, {
      method: 'HEAD',
      headers: { ...auth, accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    out[tag] = res.headers.get('docker-content-digest') ?? '';
  }
  return out;
}

async function ecrAdmin(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await get(`${stack().adminUrl}/__admin/ecr${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.json();
}
/** Every write (blob upload, manifest, delete) the registry received since the last clear. */
const registryWrites = async () =>
  ((await ecrAdmin('GET', '/registry-writes')) as { writes: string[] }).writes;
const clearRegistryWrites = () => ecrAdmin('DELETE', '/registry-writes');
const repositories = async () =>
  ((await ecrAdmin('GET', '/repositories?region=us-east-1')) as { repositories: string[] }).repositories;

/** The answer the model gives, computed on this machine from the same training script and model code. */
function expectedDiagnosis(imageUrl: string): unknown {
  const dir = mkdtempSync(join(tmpdir(), 'ai-model-'));
  execFileSync(
    'python3',
    ['training/train.py', '--checkpoints', join(dir, 'ckpt'), '--export', join(dir, 'weights.json')],
    { cwd: SAMPLE },
  );
  return JSON.parse(
    execFileSync('python3', ['app/model.py', join(dir, 'weights.json'), imageUrl], {
      cwd: SAMPLE,
    }).toString(),
  );
}

function runnerTempDirs(result: RunResult): string[] {
  return readdirSync(result.runnerTemp).filter((d) => d.startsWith('build-push-ai-image-docker-'));
}

let first: { result: RunResult; digest: string; imageId: string; sizeBytes: number; tags: string[] };

beforeAll(async () => {
  await ecrAdmin('DELETE', '/invalid-tokens');
});

describe('the example pipeline (.github/workflows/deploy.yml, job ai)', () => {
  test(
    'builds the multi-stage sample, reports it, and pushes every tag at the reported digest',
    async () => {
      const result = await runWorkflow({
        workflow: '.github/workflows/deploy.yml',
        job: 'ai',
        event: 'push',
        vars: { PYTHON_BASE_IMAGE: stack().docker.baseImage },
      });
      expect(result.conclusion).toBe('success');
      const out = step(result, 'image').outputs;
      const digest = out.digest!;
      expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      const registry = stack().docker.registry;
      expect(out['image-uri']).toBe(`${registry}/sample/ai-server@${digest}`);
      const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT }).toString().trim();
      const tags = [sha, 'main', 'latest'];
      expect(out.tags!.split('\n')).toEqual(tags.map((t) => `${registry}/sample/ai-server:${t}`));

      // The registry holds every tag at that digest; ECR's DescribeImages agrees and gives the compressed size.
      const held = await registryTags('sample/ai-server');
      for (const tag of tags) expect(held[tag]).toBe(digest);
      const described = await ecr().send(
        new DescribeImagesCommand({
          repositoryName: 'sample/ai-server',
          imageIds: [{ imageDigest: digest }],
        }),
      );
      expect(described.imageDetails![0]!.imageTags!.sort()).toEqual([...tags].sort());
      expect(Number(out['compressed-size-bytes'])).toBe(described.imageDetails![0]!.imageSizeInBytes);
      const sizeBytes = Number(out['size-bytes']);
      expect(sizeBytes).toBe(
        Number(docker(['image', 'inspect', '--format', '{{.Size}}', out['image-id']!]).trim()),
      );
      expect(Number(out['compressed-size-bytes'])).toBeLessThan(sizeBytes);

      // OCI labels from the run: where the source is, which commit, and when it was committed.
      const labels = JSON.parse(
        docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', out['image-id']!]),
      ) as Record<string, string>;
      expect(labels).toMatchObject({
        'org.opencontainers.image.source': expect.stringMatching(new RegExp(`/${REPOSITORY}$`)),
        'org.opencontainers.image.revision': sha,
        'org.opencontainers.image.created': new Date(headCommit(REPO_ROOT).timestamp).toISOString(),
      });

      // The report: largest layers with their instruction, the base image, a summary table.
      const layers = JSON.parse(out['largest-layers']!) as Array<{ size: number; instruction: string }>;
      expect(layers.length).toBeGreaterThan(1);
      expect(layers[0]!.instruction).toMatch(/base image/);
      expect(layers.some((l) => /COPY .* in app\//.test(l.instruction))).toBe(true);
      expect(out['base-image']).toBe(stack().docker.baseImage);
      expect(result.log).toMatch(/Largest layers:/);
      expect(result.log).toContain('docker buildx is not available on this machine');
      expect(result.log).toContain('building with the classic builder (docker build)');
      expect(result.summary).toContain('#### Largest layers');
      expect(result.summary).toContain(digest);

      // Credentials: masked, on stdin only, and gone after the post step.
      expect(result.log).not.toContain(await registryPassword());
      expect(step(result, 'image', 'post').outcome).toBe('success');
      expect(result.log).toContain(`Logged out of ${registry}.`);
      expect(runnerTempDirs(result)).toEqual([]);
      first = { result, digest, imageId: out['image-id']!, sizeBytes, tags };
    },
    HEAVY_MS,
  );
});

describe('build-push-ai-image scenarios', () => {
  test('an unchanged rebuild takes every step from the layer cache and pushes nothing new; the runner docker config is untouched', async () => {
    const before = await registryTags('sample/ai-server');
    // The runner's own docker config (with another registry's login): read, never written.
    const ownConfig = mkdtempSync(join(tmpdir(), 'ai-image-runner-docker-'));
    const configJson = JSON.stringify({ auths: { 'registry.example.com': { auth: 'dXNlcjpwYXNz' } } });
    writeFileSync(join(ownConfig, 'config.json'), configJson, { mode: 0o600 });
    await clearRegistryWrites();
    const result = await scenario({}, { DOCKER_CONFIG: ownConfig });
    expect(result.conclusion).toBe('success');
    const out = step(result, 'image').outputs;
    const [cached, total] = out['cached-steps']!.split('/').map(Number);
    expect(total).toBeGreaterThan(5);
    expect(cached).toBe(total);
    expect(result.log).toMatch(/\(nothing rebuilt\)/);
    expect(out['image-id']).toBe(first.imageId);
    expect(out.digest).toBe(first.digest);
    expect(out['layers-pushed']).toBe('0');
    expect(result.log).not.toMatch(/^[0-9a-f]{12}: Pushed$/m);
    expect(await registryTags('sample/ai-server')).toEqual(before);
    // Only the tags' manifests were written again: no layer (blob) was uploaded.
    const writes = await registryWrites();
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((w) => /^PUT \/v2\/sample\/ai-server\/manifests\/[^/]+$/.test(w))).toBe(true);
    expect(readdirSync(ownConfig)).toEqual(['config.json']);
    expect(readFileSync(join(ownConfig, 'config.json'), 'utf8')).toBe(configJson);
    expect(result.log).toContain(`Logged out of ${stack().docker.registry}.`);
  });

  test('over the size budget: fails before the push, naming the overrun and the largest layers', async () => {
    await clearRegistryWrites();
    const result = await scenario({
      REPOSITORY: 'sample/ai-budget',
      CREATE_REPOSITORY: 'true',
      MAX_MB: '50',
      CPU_ONLY: 'off',
    });
    expect(step(result, 'image').outcome).toBe('failure');
    const mb = (first.sizeBytes / 1e6).toFixed(1);
    expect(result.log).toContain(`The image is ${mb} MB, ${((first.sizeBytes - 50e6) / 1e6).toFixed(1)} MB`);
    expect(result.log).toContain('over the max-image-size-mb budget of 50 MB. Nothing was pushed.');
    expect(result.log).toMatch(/Largest layers:\n.*1\. \d+\.\d MB {2}\(base image/);
    expect(await registryWrites()).toEqual([]);
    expect(await repositories()).not.toContain('sample/ai-budget');
    expect(await registryTags('sample/ai-budget')).toEqual({});
    expect(result.summary).toContain('**over**');
  });

  test(
    'the CUDA variant is flagged with where and how big; with cpu-only: fail nothing is pushed',
    async () => {
      await clearRegistryWrites();
      const failed = await scenario({
        DOCKERFILE: 'action-tests/sample-app/ai/Dockerfile.cuda',
        REPOSITORY: 'sample/ai-cuda',
        CREATE_REPOSITORY: 'true',
        CPU_ONLY: 'fail',
      });
      expect(step(failed, 'image').outcome).toBe('failure');
      const site = '/usr/local/lib/python3.11/dist-packages';
      expect(failed.log).toMatch(new RegExp(`4\\.2 MB {2}nvidia Python package: ${site}/nvidia/cublas`));
      expect(failed.log).toContain(`707.9 kB  nvidia Python package: ${site}/nvidia/cuda_runtime`);
      expect(failed.log).toContain(`1.0 MB  CUDA library: ${site}/torch/lib/libtorch_cuda.so`);
      expect(failed.log).toContain(`torch CUDA build: ${site}/torch-2.3.0+cu121.dist-info`);
      expect(failed.log).toContain("though cpu-only is 'fail'");
      expect(failed.log).toContain('Nothing was pushed.');
      expect(await registryWrites()).toEqual([]);
      expect(await repositories()).not.toContain('sample/ai-cuda');
      expect(await registryTags('sample/ai-cuda')).toEqual({});

      // warn (the default): reported as a warning, the step goes on (here without pushing).
      const warned = await scenario({
        DOCKERFILE: 'action-tests/sample-app/ai/Dockerfile.cuda',
        PUSH: 'false',
      });
      expect(step(warned, 'image').outcome).toBe('success');
      expect(warned.log).toMatch(/##\[warning\]The image carries CUDA\/GPU files \(8\.\d MB in 8 places\)/);
      expect(Number(step(warned, 'image').outputs['cuda-bytes'])).toBeGreaterThan(8_000_000);
      // The plain sample has none.
      expect(first.result.log).toMatch(/No CUDA libraries found \(\d+ files scanned\)/);
    },
    HEAVY_MS,
  );

  test(
    'naive single-stage vs multi-stage: both sizes reported, the multi-stage one smaller',
    async () => {
      const naive = await scenario({
        DOCKERFILE: 'action-tests/sample-app/ai/Dockerfile.naive',
        PUSH: 'false',
        CPU_ONLY: 'off',
      });
      expect(naive.conclusion).toBe('success');
      const naiveSize = Number(step(naive, 'image').outputs['size-bytes']);
      expect(naive.log).toMatch(new RegExp(`: ${(naiveSize / 1e6).toFixed(1)} MB uncompressed`));
      expect(first.result.log).toMatch(new RegExp(`: ${(first.sizeBytes / 1e6).toFixed(1)} MB uncompressed`));
      // The naive image keeps the 3 training checkpoints (8 MiB each) the builder stage leaves behind.
      expect(naiveSize - first.sizeBytes).toBeGreaterThan(24_000_000);
      const layers = JSON.parse(step(naive, 'image').outputs['largest-layers']!) as Array<{
        instruction: string;
      }>;
      expect(layers[1]!.instruction).toMatch(/^RUN python3 training\/train.py/);
      expect(naive.log).toContain('push is false: the image stays in the local engine');
    },
    HEAVY_MS,
  );

  test('a missing repository fails before the build, and is created only with create-repository: true', async () => {
    const refused = await scenario({ REPOSITORY: 'sample/ai-new', TAGS: 'v1' });
    expect(step(refused, 'image').outcome).toBe('failure');
    expect(refused.log).toContain(
      "The ECR repository 'sample/ai-new' does not exist in " +
        stack().docker.registry +
        ' (us-east-1). Create it',
    );
    expect(refused.log).not.toMatch(/^Step 1\//m);
    expect(await repositories()).not.toContain('sample/ai-new');

    const created = await scenario({
      REPOSITORY: 'sample/ai-new',
      TAGS: 'v1',
      CREATE_REPOSITORY: 'true',
      CPU_ONLY: 'off',
    });
    expect(created.conclusion).toBe('success');
    expect(created.log).toContain("Created the ECR repository 'sample/ai-new' (create-repository: true).");
    expect(await repositories()).toContain('sample/ai-new');
    expect(await registryTags('sample/ai-new')).toEqual({ v1: step(created, 'image').outputs.digest });
  });

  test('a failing build: the end of the build log, nothing pushed, no repository created', async () => {
    await clearRegistryWrites();
    const result = await scenario({
      CONTEXT: 'action-tests/workflows/fixtures/broken-image',
      REPOSITORY: 'sample/ai-broken',
      CREATE_REPOSITORY: 'true',
    });
    expect(step(result, 'image').outcome).toBe('failure');
    expect(result.log).toMatch(
      /##\[error\]The image build failed \(docker build exit code 1\)\. Last lines of the build log:\n[^#]*\nmodel weights not found: \/srv\/model\/weights\.json/,
    );
    expect(await registryWrites()).toEqual([]);
    expect(await repositories()).not.toContain('sample/ai-broken');
    expect(await registryTags('sample/ai-broken')).toEqual({});
    expect(runnerTempDirs(result)).toEqual([]);
  });

  test('a refused login: a clear error, no password in any log, credentials removed', async () => {
    const password = await registryPassword();
    await ecrAdmin('POST', '/invalid-tokens', { count: 1 });
    const result = await scenario().finally(() => ecrAdmin('DELETE', '/invalid-tokens'));
    expect(step(result, 'image').outcome).toBe('failure');
    expect(result.log).toMatch(
      /The registry 127\.0\.0\.1:\d+ refused the ECR login \(docker login exit code 1\)/,
    );
    expect(result.log).toContain('The token came from GetAuthorizationToken in us-east-1');
    expect(result.log).not.toMatch(/^Step 1\//m);
    const revoked = `${password.slice(0, 40)}revoked`;
    for (const text of [result.log, readFileSync(result.logPath, 'utf8'), result.summary]) {
      expect(text).not.toContain(password.slice(0, 40));
      expect(text).not.toContain(revoked);
    }
    expect(step(result, 'image', 'post').outcome).toBe('success');
    expect(runnerTempDirs(result)).toEqual([]);
  });

  test.each([
    [
      { TARGET: 'gpu' },
      "Input 'target': no stage named 'gpu' in action-tests/sample-app/ai/Dockerfile. Expected one of: builder, runtime.",
    ],
    [
      { MAX_MB: '-5' },
      "Input 'max-image-size-mb': invalid value '-5'. Expected a positive number of megabytes",
    ],
    [{ TAGS: 'v1\nnot a tag' }, "Input 'tags': invalid tag 'not a tag'."],
    [{ CONTEXT: 'no/such/dir' }, "Input 'context': 'no/such/dir' is not a directory."],
  ])('bad input %p fails naming the input, before any ECR call', async (vars, message) => {
    await admin().clearCalls();
    const result = await scenario(vars);
    expect(step(result, 'image').outcome).toBe('failure');
    expect(result.log).toContain(message);
    expect(await admin().calls({ service: 'ecr' })).toEqual([]);
  });

  test('no Docker daemon: a clear error before any ECR call', async () => {
    await admin().clearCalls();
    const result = await scenario({}, { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(step(result, 'image').outcome).toBe('failure');
    expect(result.log).toContain(
      'No Docker daemon is reachable (DOCKER_HOST=unix:///nonexistent/docker.sock)',
    );
    expect(await admin().calls({ service: 'ecr' })).toEqual([]);
  });

  test('a push failing part-way names what is in the registry; no tag claimed that is not there', async () => {
    await ecrAdmin('POST', '/push-faults', { tags: ['part-2'] });
    const result = await scenario({ TAGS: 'part-1\npart-2\npart-3', CPU_ONLY: 'off' }).finally(() =>
      ecrAdmin('DELETE', '/push-faults'),
    );
    expect(step(result, 'image').outcome).toBe('failure');
    const registry = stack().docker.registry;
    expect(result.log).toContain(`docker push ${registry}/sample/ai-server:part-2 failed (exit code 1)`);
    expect(result.log).toContain('received unexpected HTTP status: 500 Internal Server Error');
    expect(result.log).toContain(
      `Pushed in this run and in the registry at ${first.digest}: part-1; not pushed: part-2, part-3.`,
    );
    const held = await registryTags('sample/ai-server');
    expect(held['part-1']).toBe(first.digest);
    expect(held['part-2']).toBeUndefined();
    expect(held['part-3']).toBeUndefined();
    expect(step(result, 'image').outputs.tags).toBe(`${registry}/sample/ai-server:part-1`);
    expect(step(result, 'image').outputs.digest).toBeUndefined();
    expect(runnerTempDirs(result)).toEqual([]);
  });

  test('the first push failing: an older latest in the registry is reported apart, not claimed as pushed', async () => {
    const repo = 'sample/ai-older';
    const registry = stack().docker.registry;
    await ecrAdmin('POST', '/repositories', { names: [repo] });
    // An earlier image (one empty layer, not the sample) already holds `latest`.
    docker(['login', '--username', 'AWS', '--password-stdin', registry], await registryPassword());
    const older = `${registry}/${repo}:latest`;
    execFileSync('sh', ['-c', `tar cf - --files-from /dev/null | docker import - ${older}`], {
      env: { ...process.env, DOCKER_HOST: stack().docker.host, DOCKER_CONFIG: dockerConfig },
    });
    docker(['push', older]);
    const oldDigest = (await registryTags(repo)).latest!;
    expect(oldDigest).toMatch(/^sha256:/);
    expect(oldDigest).not.toBe(first.digest);

    await ecrAdmin('POST', '/push-faults', { tags: ['older-1'] });
    const result = await scenario({ REPOSITORY: repo, TAGS: 'older-1\nlatest', CPU_ONLY: 'off' }).finally(
      () => ecrAdmin('DELETE', '/push-faults'),
    );
    expect(step(result, 'image').outcome).toBe('failure');
    expect(result.log).toContain(`docker push ${registry}/${repo}:older-1 failed (exit code 1)`);
    expect(result.log).toContain(
      'Pushed in this run and in the registry at this image: none; not pushed: older-1, latest.',
    );
    expect(result.log).toContain(
      `Still in the registry from an earlier push (NOT this image): latest (${oldDigest}).`,
    );
    expect(step(result, 'image').outputs.tags ?? '').toBe('');
    expect(step(result, 'image').outputs.digest).toBeUndefined();
    expect(await registryTags(repo)).toEqual({ latest: oldDigest });
    expect(runnerTempDirs(result)).toEqual([]);
  });

  // Last: it removes the local image so that the pull is a real one.
  test('the pushed image pulls from the registry and answers POST /diagnosis/step1/', async () => {
    const s = stack();
    const ref = `${s.docker.registry}/sample/ai-server@${first.digest}`;
    // Every local tag of the built image goes (the scenarios tagged it in other repositories too).
    docker(['rmi', '--force', first.imageId]);
    expect(
      spawnSync('docker', ['image', 'inspect', first.imageId], {
        env: { ...process.env, DOCKER_HOST: s.docker.host },
      }).status,
    ).not.toBe(0);
    docker(['login', '--username', 'AWS', '--password-stdin', s.docker.registry], await registryPassword());
    const pulled = docker(['pull', ref]);
    // The manifest and config come from the registry; layers the engine still holds (shared with the
    // other scenario images' cached steps) are not downloaded twice.
    expect(pulled).toContain(`Status: Downloaded newer image for ${ref}`);
    expect(pulled).toContain(`Digest: ${first.digest}`);
    const container = docker(['run', '-d', '--network', 'none', ref]).trim();
    try {
      const imageUrl = 'https://images.example.com/xray/0001.png';
      const client = [
        'import json, time, urllib.request',
        'for _ in range(100):',
        '    try:',
        '        urllib.request.urlopen("http://127.0.0.1:8000/health", timeout=1); break',
        '    except Exception: time.sleep(0.1)',
        `req = urllib.request.Request("http://127.0.0.1:8000/diagnosis/step1/", data=json.dumps({"image_url": ${JSON.stringify(imageUrl)}}).encode(), headers={"Content-Type": "application/json"})`,
        'print(urllib.request.urlopen(req, timeout=5).read().decode())',
      ].join('\n');
      const answer = JSON.parse(docker(['exec', container, 'python3', '-c', client])) as unknown;
      expect(answer).toEqual({ success: true, data: expectedDiagnosis(imageUrl) });
      const bad = docker([
        'exec',
        container,
        'python3',
        '-c',
        'import urllib.request, urllib.error\ntry:\n    urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:8000/diagnosis/step1/", data=b"{}"))\nexcept urllib.error.HTTPError as e:\n    print(e.code, e.read().decode())',
      ]);
      expect(bad.trim()).toBe('400 {"success": false, "error": "image_url must be a non-empty string"}');
    } finally {
      docker(['rm', '-f', container]);
    }
  });
});
