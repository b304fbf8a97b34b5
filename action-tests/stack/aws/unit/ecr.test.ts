// Amazon ECR emulation, exercised with the unmodified AWS SDK (@aws-sdk/client-ecr), over a small
// stand-in for the registry's /v2 API (the sample stack uses Debian's docker-registry).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  ImageNotFoundException,
  RepositoryAlreadyExistsException,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import { startAwsServer, type AwsServer } from '../server.ts';
import { createEcrService } from '../ecr.ts';

const ACCOUNT = '123456789012';
const CREDS = {
  accessKeyId: 'AKIAEMULATORTEST0002',
  secretAccessKey: 'emulator/Secret+Key/ecr0123456789abcdef',
};
const PASSWORD = 'registry-password';
const DIGEST = `sha256:${'e'.repeat(64)}`;

let registry: Server;
let address = '';
let server: AwsServer;
let client: ECRClient;

beforeAll(async () => {
  registry = createServer((req, res) => {
    if (req.headers.authorization !== `Basic ${Buffer.from(`AWS:${PASSWORD}`).toString('base64')}`) {
      res.writeHead(401).end();
      return;
    }
    if (req.url === '/v2/app/ai/tags/list') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ name: 'app/ai', tags: ['v1', 'latest'] }));
    } else if (req.url?.startsWith('/v2/app/ai/manifests/')) {
      res
        .writeHead(200, {
          'content-type': 'application/vnd.docker.distribution.manifest.v2+json',
          'docker-content-digest': DIGEST,
        })
        .end(
          JSON.stringify({
            mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
            config: { size: 1000 },
            layers: [{ size: 40_000_000 }, { size: 2_000 }],
          }),
        );
    } else res.writeHead(404).end(JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN' }] }));
  });
  await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
  address = `127.0.0.1:${(registry.address() as AddressInfo).port}`;
  const ecr = createEcrService({
    accountId: ACCOUNT,
    registry: { address, user: 'AWS', password: () => PASSWORD },
  });
  server = await startAwsServer({ accountId: ACCOUNT, credentials: CREDS, services: [ecr] });
  client = new ECRClient({ region: 'us-east-1', endpoint: server.url, credentials: CREDS });
});
afterAll(async () => {
  client.destroy();
  await server.close();
  await new Promise((resolve) => registry.close(resolve));
});

test('GetAuthorizationToken: base64 AWS:<password>, 12 hours, the registry as proxy endpoint', async () => {
  const out = await client.send(new GetAuthorizationTokenCommand({}));
  const data = out.authorizationData![0]!;
  expect(Buffer.from(data.authorizationToken!, 'base64').toString()).toBe(`AWS:${PASSWORD}`);
  expect(data.proxyEndpoint).toBe(`http://${address}`);
  expect(data.expiresAt!.getTime() - Date.now()).toBeGreaterThan(11.9 * 3600_000);
});

test('invalid tokens on request: the next token is one the registry refuses', async () => {
  await fetch(`${server.url}/__admin/ecr/invalid-tokens`, {
    method: 'POST',
    body: JSON.stringify({ count: 1 }),
  });
  const token = async () =>
    Buffer.from(
      (await client.send(new GetAuthorizationTokenCommand({}))).authorizationData![0]!.authorizationToken!,
      'base64',
    ).toString();
  expect(await token()).not.toBe(`AWS:${PASSWORD}`);
  expect(await token()).toBe(`AWS:${PASSWORD}`);
});

test('repositories: not found, created, already exists, described with a registry URI', async () => {
  await expect(client.send(new DescribeRepositoriesCommand({ repositoryNames: ['app/ai'] }))).rejects.toThrow(
    new RepositoryNotFoundException({
      message: "The repository with name 'app/ai' does not exist in the registry with id '123456789012'",
      $metadata: {},
    }),
  );
  const created = await client.send(new CreateRepositoryCommand({ repositoryName: 'app/ai' }));
  expect(created.repository).toMatchObject({
    repositoryName: 'app/ai',
    repositoryUri: `${address}/app/ai`,
    repositoryArn: 'arn:aws:ecr:us-east-1:123456789012:repository/app/ai',
    registryId: ACCOUNT,
    imageTagMutability: 'MUTABLE',
  });
  await expect(client.send(new CreateRepositoryCommand({ repositoryName: 'app/ai' }))).rejects.toBeInstanceOf(
    RepositoryAlreadyExistsException,
  );
  const described = await client.send(new DescribeRepositoriesCommand({ repositoryNames: ['app/ai'] }));
  expect(described.repositories!.map((r) => r.repositoryName)).toEqual(['app/ai']);
  await expect(client.send(new CreateRepositoryCommand({ repositoryName: 'App/AI' }))).rejects.toThrow(
    /failed to satisfy constraint: Member must satisfy regular expression pattern/,
  );
});

test('DescribeImages reads tags, digest and compressed size from the registry', async () => {
  const out = await client.send(
    new DescribeImagesCommand({ repositoryName: 'app/ai', imageIds: [{ imageTag: 'v1' }] }),
  );
  expect(out.imageDetails).toHaveLength(1);
  expect(out.imageDetails![0]).toMatchObject({
    imageDigest: DIGEST,
    imageTags: ['latest', 'v1'],
    imageSizeInBytes: 40_002_000,
    repositoryName: 'app/ai',
  });
  await expect(
    client.send(new DescribeImagesCommand({ repositoryName: 'app/ai', imageIds: [{ imageTag: 'v9' }] })),
  ).rejects.toBeInstanceOf(ImageNotFoundException);
  await expect(client.send(new DescribeImagesCommand({ repositoryName: 'app/none' }))).rejects.toBeInstanceOf(
    RepositoryNotFoundException,
  );
});
