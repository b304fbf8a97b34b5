// Amazon ECR's API on the AWS JSON 1.1 protocol (`X-Amz-Target:
// AmazonEC2ContainerRegistry_V20150921.<Operation>`): GetAuthorizationToken, DescribeRepositories,
// CreateRepository, DescribeImages. The images themselves live in a real OCI registry (Debian's
// docker-registry behind htpasswd): tokens are `AWS:<password>` the registry accepts, and
// DescribeImages reads tags, digests and layer sizes from that registry, as ECR reports them.
import { InputReader, jsonService, type JsonObject } from './json-protocol.ts';
import { AwsError, partitionOf, type AdminRequest, type AdminResult, type ServiceHandler } from './types.ts';

export interface EcrRegistry {
  /** `127.0.0.1:PORT`: the proxy endpoint's host and every repositoryUri's prefix. */
  address: string;
  user: string;
  /** The password the registry accepts now. */
  password(): string;
  /** Make storing these tags' manifests fail until called again (a push failing part-way). */
  failManifestPuts?(tags: string[]): void;
  /** The writes the registry received (`METHOD /v2/path`), and clearing them. */
  registryWrites?(): string[];
  clearRegistryWrites?(): void;
}

interface Repository {
  repositoryName: string;
  createdAt: Date;
  imageTagMutability: string;
  scanOnPush: boolean;
}

export interface EcrService extends ServiceHandler {
  /** Creates a repository directly (no auth, no call log). */
  createRepository(region: string, name: string): void;
  repositories(region: string): string[];
}

const NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];
const TOKEN_HOURS = 12;

export function createEcrService(opts: { accountId: string; registry: EcrRegistry }): EcrService {
  const { registry } = opts;
  const regions = new Map<string, Map<string, Repository>>();
  const pushedAt = new Map<string, Date>();
  let invalidTokens = 0;
  const store = (region: string) => {
    let map = regions.get(region);
    if (!map) regions.set(region, (map = new Map<string, Repository>()));
    return map;
  };
  const arn = (name: string, region: string, accountId: string) =>
    `arn:${partitionOf(region)}:ecr:${region}:${accountId}:repository/${name}`;
  const shape = (repo: Repository, region: string, accountId: string) => ({
    repositoryArn: arn(repo.repositoryName, region, accountId),
    registryId: accountId,
    repositoryName: repo.repositoryName,
    repositoryUri: `${registry.address}/${repo.repositoryName}`,
    createdAt: repo.createdAt,
    imageTagMutability: repo.imageTagMutability,
    imageScanningConfiguration: { scanOnPush: repo.scanOnPush },
    encryptionConfiguration: { encryptionType: 'AES256' },
  });
  const notFound = (name: string, accountId: string) =>
    new AwsError(
      'RepositoryNotFoundException',
      400,
      `The repository with name '${name}' does not exist in the registry with id '${accountId}'`,
    );
  const checkRegistryId = (r: InputReader, accountId: string) => {
    const id = r.string('registryId');
    if (id !== undefined && !/^[0-9]{12}$/.test(id)) {
      r.errors.push(
        `Value '${id}' at 'registryId' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]{12}`,
      );
    }
    return id ?? accountId;
  };
  const checkName = (r: InputReader, member: string, required: boolean) => {
    const name = r.string(member, { required, min: 2, max: 256 });
    if (name !== undefined && !NAME.test(name)) {
      r.errors.push(
        `Value '${name}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: (?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*`,
      );
    }
    return name;
  };

  async function registryGet(path: string, accept?: string): Promise<Response> {
    const auth = Buffer.from(`${registry.user}:${registry.password()}`).toString('base64');
    return fetch(`http://${registry.address}${path}`, {
      headers: { authorization: `Basic ${auth}`, ...(accept ? { accept } : {}) },
    });
  }

  interface Pushed {
    digest: string;
    tags: string[];
    size: number;
    mediaType: string;
  }

  /** Tags and manifests of a repository as the registry holds them, grouped by digest. */
  async function pushedImages(name: string): Promise<Pushed[]> {
    const list = await registryGet(`/v2/${name}/tags/list`);
    if (list.status === 404) return [];
    if (!list.ok) throw new AwsError('ServerException', 500, `registry answered ${list.status} for ${name}`);
    const tags = ((await list.json()) as { tags?: string[] | null }).tags ?? [];
    const byDigest = new Map<string, Pushed>();
    for (const tag of tags) {
      const res = await registryGet(`/v2/${name}/manifests/${tag}`, MANIFEST_TYPES.join(', '));
      if (!res.ok) continue;
      const digest = res.headers.get('docker-content-digest') ?? '';
      const manifest = (await res.json()) as {
        mediaType?: string;
        config?: { size?: number };
        layers?: Array<{ size?: number }>;
      };
      const entry = byDigest.get(digest);
      if (entry) {
        entry.tags.push(tag);
        continue;
      }
      if (!pushedAt.has(digest)) pushedAt.set(digest, new Date());
      // ECR's imageSizeInBytes: the compressed layers as stored (the config blob is not counted).
      const size = (manifest.layers ?? []).reduce((sum, l) => sum + (l.size ?? 0), 0);
      const mediaType = manifest.mediaType ?? res.headers.get('content-type') ?? MANIFEST_TYPES[0]!;
      byDigest.set(digest, { digest, tags: [tag], size, mediaType });
    }
    return [...byDigest.values()];
  }

  const handler = jsonService({
    name: 'ecr',
    targetPrefix: 'AmazonEC2ContainerRegistry_V20150921',
    jsonVersion: '1.1',
    operations: {
      GetAuthorizationToken(input, ctx) {
        const r = new InputReader(input);
        const ids = r.stringList('registryIds', { min: 1, max: 10 });
        r.done();
        const password =
          invalidTokens > 0 ? `${registry.password().slice(0, 40)}revoked` : registry.password();
        if (invalidTokens > 0) invalidTokens -= 1;
        const token = Buffer.from(`${registry.user}:${password}`).toString('base64');
        const expiresAt = new Date(Date.now() + TOKEN_HOURS * 3600_000);
        return {
          authorizationData: (ids ?? [ctx.accountId]).map(() => ({
            authorizationToken: token,
            expiresAt,
            proxyEndpoint: `http://${registry.address}`,
          })),
        };
      },
      DescribeRepositories(input, ctx) {
        const r = new InputReader(input);
        const registryId = checkRegistryId(r, ctx.accountId);
        const names = r.stringList('repositoryNames', { min: 1, max: 100 });
        r.integer('maxResults', { min: 1, max: 1000 });
        r.done();
        const repos = registryId === ctx.accountId ? store(ctx.region) : new Map<string, Repository>();
        if (names) {
          for (const n of names) if (!repos.has(n)) throw notFound(n, registryId);
          return { repositories: names.map((n) => shape(repos.get(n)!, ctx.region, ctx.accountId)) };
        }
        return {
          repositories: [...repos.values()]
            .sort((a, b) => a.repositoryName.localeCompare(b.repositoryName))
            .map((repo) => shape(repo, ctx.region, ctx.accountId)),
        };
      },
      CreateRepository(input, ctx) {
        const r = new InputReader(input);
        checkRegistryId(r, ctx.accountId);
        const name = checkName(r, 'repositoryName', true);
        const mutability = r.string('imageTagMutability', { enum: ['MUTABLE', 'IMMUTABLE'] });
        r.done();
        const repos = store(ctx.region);
        if (repos.has(name!)) {
          throw new AwsError(
            'RepositoryAlreadyExistsException',
            400,
            `The repository with name '${name}' already exists in the registry with id '${ctx.accountId}'`,
          );
        }
        const scan = (input.imageScanningConfiguration as JsonObject | undefined)?.scanOnPush === true;
        const repo: Repository = {
          repositoryName: name!,
          createdAt: new Date(),
          imageTagMutability: mutability ?? 'MUTABLE',
          scanOnPush: scan,
        };
        repos.set(name!, repo);
        return { repository: shape(repo, ctx.region, ctx.accountId) };
      },
      async DescribeImages(input, ctx) {
        const r = new InputReader(input);
        const registryId = checkRegistryId(r, ctx.accountId);
        const name = checkName(r, 'repositoryName', true)!;
        const ids = r.objectList('imageIds', { min: 1, max: 100 });
        r.done();
        if (registryId !== ctx.accountId || !store(ctx.region).has(name)) throw notFound(name, registryId);
        const images = await pushedImages(name);
        let selected = images;
        if (ids) {
          selected = [];
          for (const id of ids) {
            const tag = typeof id.imageTag === 'string' ? id.imageTag : undefined;
            const digest = typeof id.imageDigest === 'string' ? id.imageDigest : undefined;
            const hit = images.find(
              (i) =>
                (tag === undefined || i.tags.includes(tag)) && (digest === undefined || i.digest === digest),
            );
            if (!hit) {
              throw new AwsError(
                'ImageNotFoundException',
                400,
                `The image with imageId {imageDigest:'${digest ?? 'null'}', imageTag:'${tag ?? 'null'}'} does not exist within the repository with name '${name}' in the registry with id '${registryId}'`,
              );
            }
            if (!selected.includes(hit)) selected.push(hit);
          }
        }
        return {
          imageDetails: selected.map((i) => ({
            registryId,
            repositoryName: name,
            imageDigest: i.digest,
            imageTags: [...i.tags].sort(),
            imageSizeInBytes: i.size,
            imagePushedAt: pushedAt.get(i.digest),
            imageManifestMediaType: i.mediaType,
            artifactMediaType: 'application/vnd.docker.container.image.v1+json',
          })),
        };
      },
    },
    summarize: (operation, input) => {
      const out: Record<string, unknown> = {};
      for (const key of ['repositoryName', 'repositoryNames', 'registryIds', 'registryId', 'imageIds']) {
        if (input[key] !== undefined) out[key] = input[key];
      }
      return out;
    },
    resources: (operation, input) => {
      const names = [input.repositoryName, ...((input.repositoryNames as unknown[] | undefined) ?? [])];
      return names.filter((n): n is string => typeof n === 'string');
    },
    resourceArn: arn,
    reset: () => {
      regions.clear();
      invalidTokens = 0;
    },
    admin: (req: AdminRequest): AdminResult | undefined => {
      const body = (req.body ?? {}) as JsonObject;
      const region = typeof body.region === 'string' ? body.region : (req.query.get('region') ?? 'us-east-1');
      if (req.method === 'POST' && req.path === '/repositories') {
        const names = Array.isArray(body.names) ? body.names.filter((n) => typeof n === 'string') : [];
        for (const n of names) service.createRepository(region, n);
        return { status: 200, body: { repositories: service.repositories(region) } };
      }
      if (req.method === 'GET' && req.path === '/repositories') {
        return { status: 200, body: { repositories: service.repositories(region) } };
      }
      if (req.method === 'DELETE' && req.path === '/repositories') {
        store(region).clear();
        return { status: 200, body: { ok: true } };
      }
      // The next `count` tokens are ones the registry refuses (a revoked or foreign token).
      if (req.method === 'POST' && req.path === '/invalid-tokens') {
        invalidTokens = typeof body.count === 'number' ? body.count : 1;
        return { status: 200, body: { invalidTokens } };
      }
      // Pushes of these tags fail when docker stores the manifest (DELETE clears).
      if (req.path === '/push-faults' && (req.method === 'POST' || req.method === 'DELETE')) {
        const tags =
          req.method === 'POST' && Array.isArray(body.tags)
            ? body.tags.filter((t) => typeof t === 'string')
            : [];
        registry.failManifestPuts?.(tags);
        return { status: 200, body: { tags } };
      }
      // Every write the registry received since the last DELETE (a test's proof that nothing was pushed).
      if (req.path === '/registry-writes' && req.method === 'GET') {
        return { status: 200, body: { writes: registry.registryWrites?.() ?? [] } };
      }
      if (req.path === '/registry-writes' && req.method === 'DELETE') {
        registry.clearRegistryWrites?.();
        return { status: 200, body: { ok: true } };
      }
      if (req.method === 'DELETE' && req.path === '/invalid-tokens') {
        invalidTokens = 0;
        return { status: 200, body: { ok: true } };
      }
      return undefined;
    },
  });

  const service: EcrService = {
    ...handler,
    createRepository(region, name) {
      if (!NAME.test(name))
        throw new AwsError('InvalidParameterException', 400, `Invalid repository name '${name}'`);
      if (!store(region).has(name)) {
        store(region).set(name, {
          repositoryName: name,
          createdAt: new Date(),
          imageTagMutability: 'MUTABLE',
          scanOnPush: false,
        });
      }
    },
    repositories: (region) => [...store(region).keys()].sort(),
  };
  return service;
}
