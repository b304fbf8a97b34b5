import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitFor } from './util.ts';

/**
 * The Docker side of the sample stack (issue 6): Debian's dockerd on a private socket and data root
 * (vfs storage, no bridge, no iptables: what runs inside this sandbox), and Debian's docker-registry
 * on a loopback port behind htpasswd basic auth, playing the account's ECR registry. The Python base
 * image is imported from a rootfs tarball that scripts/setup.sh builds once per machine (no registry
 * can be reached to pull one).
 */
export interface DockerStack {
  /** DOCKER_HOST for clients: `unix://<dir>/docker.sock`. */
  host: string;
  /** The registry, as an image reference host (`127.0.0.1:PORT`; docker allows plain HTTP on loopback). */
  registry: string;
  /** Registry user name ECR tokens carry (`AWS`). */
  registryUser: string;
  /** The base image the sample Dockerfiles use. */
  baseImage: string;
  dataRoot: string;
  logPath: string;
}

export interface RunningDocker extends DockerStack {
  /** The password the registry accepts right now (what GetAuthorizationToken hands out). */
  password(): string;
  /** Replaces the accepted password (the registry re-reads its htpasswd file on change). */
  rotatePassword(): string;
  /** Until cleared, storing the manifest of these tags fails (HTTP 500): a push that fails part-way. */
  failManifestPuts(tags: string[]): void;
  /** Every write the registry received (`METHOD /v2/path`, no query), oldest first. */
  registryWrites(): string[];
  clearRegistryWrites(): void;
  stop(): Promise<void>;
}

export const BASE_IMAGE = 'local/python:3.11-slim';
export const BASE_TARBALL = process.env.SAMPLE_STACK_BASE_TAR ?? '/var/cache/sample-stack/python-base.tar';
const run = promisify(execFile);

export async function startDocker(dir: string): Promise<RunningDocker> {
  mkdirSync(dir, { recursive: true });
  if (!existsSync(BASE_TARBALL)) {
    throw new Error(`The base image rootfs ${BASE_TARBALL} is missing: run 'bash scripts/setup.sh' first.`);
  }
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops) await s();
  };
  try {
    // Stopped in start order: the registry (instant), then dockerd.
    const registry = await startRegistry(join(dir, 'registry'));
    stops.push(registry.stop);
    const daemon = await startDockerd(join(dir, 'engine'));
    stops.push(daemon.stop);
    const env = { ...process.env, DOCKER_HOST: daemon.host, DOCKER_CONFIG: join(dir, 'client') };
    await run('docker', ['import', BASE_TARBALL, BASE_IMAGE], { env });
    return {
      host: daemon.host,
      registry: registry.address,
      registryUser: 'AWS',
      baseImage: BASE_IMAGE,
      dataRoot: daemon.dataRoot,
      logPath: daemon.logPath,
      password: registry.password,
      rotatePassword: registry.rotatePassword,
      failManifestPuts: registry.failManifestPuts,
      registryWrites: registry.writes,
      clearRegistryWrites: registry.clearWrites,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function spawnLogged(
  command: string,
  args: string[],
  logPath: string,
): { child: ChildProcess; exited: () => boolean } {
  const out = openSync(logPath, 'a');
  const child = spawn(command, args, { stdio: ['ignore', out, out] });
  let exited = false;
  child.on('exit', () => (exited = true));
  return { child, exited: () => exited };
}

async function stopChild(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await gone;
  clearTimeout(timer);
}

/** `<path> (<--version>)` of a program on PATH, or why it cannot be used. */
function describeProgram(name: string): string {
  let path: string;
  try {
    path = execFileSync('sh', ['-c', `command -v ${name}`], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return 'not on PATH';
  }
  try {
    const version = execFileSync(path, ['--version'], { stdio: ['ignore', 'pipe', 'pipe'] })
      .toString()
      .trim();
    return `${path} (${version})`;
  } catch (error) {
    return `${path} (--version failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
  }
}

async function startDockerd(dir: string) {
  mkdirSync(dir, { recursive: true });
  const dataRoot = join(dir, 'data');
  const sock = join(dir, 'docker.sock');
  const logPath = join(dir, 'dockerd.log');
  // Which engine and client this stack uses (Debian's docker.io, or a Docker CE already on the machine):
  // in the stack's output (action-tests/.logs/stack.log under the e2e tests) and in dockerd.log.
  const programs = `[stack] dockerd: ${describeProgram('dockerd')}\n[stack] docker client: ${describeProgram('docker')}\n`;
  process.stdout.write(programs);
  writeFileSync(logPath, programs, { flag: 'a' });
  // Own exec root and pid file: another dockerd on this machine (another checkout's stack) is untouched.
  const { child, exited } = spawnLogged(
    'dockerd',
    [
      '--iptables=false',
      '--ip6tables=false',
      '--bridge=none',
      '--storage-driver=vfs',
      '--data-root',
      dataRoot,
      '--exec-root',
      join(dir, 'exec'),
      '--pidfile',
      join(dir, 'dockerd.pid'),
      '--host',
      `unix://${sock}`,
    ],
    logPath,
  );
  const host = `unix://${sock}`;
  await waitFor('dockerd to answer', 30_000, async () => {
    if (exited())
      throw new Error(
        `dockerd exited at start; see ${logPath}:\n${readFileSync(logPath, 'utf8').slice(-2000)}`,
      );
    return (await ping(sock)) ? true : undefined;
  });
  return {
    host,
    dataRoot,
    logPath,
    stop: async () => {
      await stopChild(child, 8_000);
      // vfs keeps a full copy of every layer (gigabytes): moved aside at once and deleted by a
      // detached `rm`, so stopping stays quick (the tests' teardown waits 10 s) and the next start
      // does not delete it synchronously.
      // Beside the data root (same filesystem, so the rename cannot fail with EXDEV), inside the
      // stack dir (so a later start never races a detached rm of its own new socket).
      let trash = `${dataRoot}.trash-${randomBytes(6).toString('hex')}`;
      try {
        renameSync(dataRoot, trash);
      } catch {
        trash = dataRoot;
      }
      spawn('rm', ['-rf', trash], { detached: true, stdio: 'ignore' }).unref();
    },
  };
}

function ping(sock: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: sock, path: '/_ping', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function startRegistry(dir: string) {
  mkdirSync(dir, { recursive: true });
  // docker-registry listens on an internal port; clients reach it through a thin pass-through proxy
  // that can fail chosen manifest uploads (tests of a push that fails part-way).
  const internal = `127.0.0.1:${await freePort()}`;
  const failing = new Set<string>();
  const writes: string[] = [];
  const proxy = await startProxy(internal, failing, writes);
  const address = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const htpasswd = join(dir, 'htpasswd');
  let current = '';
  const rotatePassword = () => {
    // What a real ECR token looks like in size: a long opaque base64 string.
    current = randomBytes(96).toString('base64url');
    const line = execFileSync('htpasswd', ['-niB', 'AWS'], { input: current }).toString();
    writeFileSync(`${htpasswd}.tmp`, line, { mode: 0o600 });
    renameSync(`${htpasswd}.tmp`, htpasswd);
    return current;
  };
  rotatePassword();
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: info',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${internal}`,
      `  secret: ${randomBytes(16).toString('hex')}`,
      'auth:',
      '  htpasswd:',
      '    realm: sample-ecr',
      `    path: ${htpasswd}`,
      '',
    ].join('\n'),
  );
  const logPath = join(dir, 'registry.log');
  const { child, exited } = spawnLogged('docker-registry', ['serve', config], logPath);
  await waitFor('docker-registry to answer', 15_000, async () => {
    if (exited())
      throw new Error(
        `docker-registry exited at start; see ${logPath}:\n${readFileSync(logPath, 'utf8').slice(-2000)}`,
      );
    // 401 without credentials: the registry is up and its auth is on.
    const status = await fetch(`http://${internal}/v2/`).then(
      (r) => r.status,
      () => 0,
    );
    return status === 401 ? true : undefined;
  });
  return {
    address,
    password: () => current,
    rotatePassword,
    writes: () => [...writes],
    clearWrites: () => {
      writes.length = 0;
    },
    failManifestPuts: (tags: string[]) => {
      failing.clear();
      for (const t of tags) failing.add(t);
    },
    stop: async () => {
      await new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        proxy.closeAllConnections();
      });
      await stopChild(child, 5_000);
    },
  };
}

function startProxy(target: string, failing: ReadonlySet<string>, writes: string[]): Promise<Server> {
  const [host, port] = target.split(':') as [string, string];
  const server = createServer((req, res) => {
    // What was written (blob uploads, manifests, deletes): tests assert that nothing was pushed.
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      writes.push(`${req.method} ${(req.url ?? '').replace(/\?.*$/, '')}`);
    }
    const manifest = req.method === 'PUT' ? /^\/v2\/(.+)\/manifests\/([^/?]+)/.exec(req.url ?? '') : null;
    if (manifest && failing.has(manifest[2]!)) {
      req.resume();
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          errors: [{ code: 'UNKNOWN', message: `injected failure storing ${manifest[1]}:${manifest[2]}` }],
        }),
      );
      return;
    }
    const upstream = request(
      { host, port: Number(port), method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}
