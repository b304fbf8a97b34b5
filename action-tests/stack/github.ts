// The sample stack's GitHub: vercel-labs' `emulate` (a stateful GitHub REST emulator that Octokit
// talks to) behind a thin loopback proxy that makes it look like GitHub Enterprise Server
// (`/api/v3` prefix) and adds what the emulator leaves out:
//   - unknown tokens get 401 "Bad credentials" (the emulator would treat them as its first user);
//   - a 403 for an installation token reads "Resource not accessible by integration", as GitHub's;
//   - pagination `Link` headers point back through the proxy;
//   - a call log (`GET/DELETE /__admin/calls`) so tests can see paging and writes.
// The job's GITHUB_TOKEN is a real installation token of a seeded `github-actions` app, minted through
// the emulator's `POST /app/installations/{id}/access_tokens` with an RS256 app JWT; the read-only
// token (a fork pull request's) is minted the same way with read permissions only.
import { createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createEmulator } from 'emulate';
import { freePort } from './util.ts';

export interface GitHubInfo {
  serverUrl: string;
  /** GITHUB_API_URL for jobs (GitHub Enterprise Server layout: `<server>/api/v3`). */
  apiUrl: string;
  graphqlUrl: string;
  repository: string;
  /** Installation token with issues/pull-requests write: the job's GITHUB_TOKEN. */
  token: string;
  /** Installation token with read permissions only (what a fork pull request's job gets). */
  readOnlyToken: string;
  /** A personal token of the repository's admin (`octo-dev`), for tests and the demo. */
  adminToken: string;
  /** An open pull request created at start. */
  pullNumber: number;
  /** Proxy admin routes: `GET /__admin/calls`, `DELETE /__admin/calls`. */
  adminUrl: string;
}

export interface GitHubCall {
  method: string;
  path: string;
  status: number;
  token: 'write' | 'read-only' | 'admin' | 'app' | 'none';
}

const OWNER = 'acme';
const REPO = 'shop';
const APP_ID = 15368;
const INSTALLATION_ID = 1001;
const PREFIX = '/api/v3';

function appJwt(privateKeyPem: string): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ iat: now - 60, exp: now + 540, iss: APP_ID })}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(privateKeyPem).toString('base64url');
  return `${unsigned}.${signature}`;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startGitHub(): Promise<{ info: GitHubInfo; close(): Promise<void> }> {
  const proxyPort = await freePort();
  const serverUrl = `http://127.0.0.1:${proxyPort}`;
  const apiUrl = `${serverUrl}${PREFIX}`;
  const adminToken = `ghp_${randomBytes(18).toString('hex')}`;
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const emulatorPort = await freePort();
  const emulatorOrigin = `http://127.0.0.1:${emulatorPort}`;
  const emulator = await createEmulator({
    service: 'github',
    port: emulatorPort,
    hostname: '127.0.0.1',
    baseUrl: apiUrl,
    seed: {
      tokens: { [adminToken]: { login: 'octo-dev', scopes: ['repo', 'user'] } },
      github: {
        users: [{ login: 'octo-dev', name: 'Octo Dev', email: 'octo-dev@users.noreply.github.com' }],
        orgs: [{ login: OWNER, name: 'Acme', members: [{ login: 'octo-dev', role: 'admin' }] }],
        repos: [{ owner: OWNER, name: REPO, private: true, description: 'Sample shop' }],
        apps: [
          {
            app_id: APP_ID,
            slug: 'github-actions',
            name: 'GitHub Actions',
            private_key: privateKey,
            permissions: { issues: 'write', pull_requests: 'write', contents: 'read', metadata: 'read' },
            events: [],
            installations: [
              { installation_id: INSTALLATION_ID, account: OWNER, repository_selection: 'all' },
            ],
          },
        ],
      },
    },
  });

  const tokens = new Map<string, GitHubCall['token']>([[adminToken, 'admin']]);
  const calls: GitHubCall[] = [];

  const proxy: Server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `proxy error: ${String(error)}` }));
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', serverUrl);
    if (url.pathname === '/__admin/calls') {
      if (req.method === 'DELETE') calls.length = 0;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ calls: req.method === 'DELETE' ? [] : calls }));
      return;
    }
    const json = (status: number, body: object, kind: GitHubCall['token'] = 'none') => {
      calls.push({ method: req.method ?? 'GET', path: url.pathname + url.search, status, token: kind });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    if (!url.pathname.startsWith(`${PREFIX}/`) && url.pathname !== PREFIX) {
      json(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
      return;
    }
    const auth = req.headers.authorization ?? '';
    const token = auth.replace(/^(bearer|token)\s+/i, '').trim();
    let kind: GitHubCall['token'] = 'none';
    if (token) {
      if (token.startsWith('eyJ')) kind = 'app';
      else if (tokens.has(token)) kind = tokens.get(token)!;
      else {
        json(401, {
          message: 'Bad credentials',
          documentation_url: 'https://docs.github.com/rest',
          status: '401',
        });
        return;
      }
    }
    const body = ['GET', 'HEAD'].includes(req.method ?? 'GET') ? undefined : await readBody(req);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v;
    const path = url.pathname.slice(PREFIX.length) || '/';
    const answer = await fetch(`${emulatorOrigin}${path}${url.search}`, {
      method: req.method,
      headers,
      body: body && body.length ? body : undefined,
    });
    // html_url values: the web UI lives at the server root, not under /api/v3.
    let text = (await answer.text()).replaceAll(`${apiUrl}/${OWNER}/`, `${serverUrl}/${OWNER}/`);
    if (answer.status === 403 && (kind === 'write' || kind === 'read-only')) {
      text = JSON.stringify({
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
        status: '403',
      });
    }
    const out: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      if (['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(name)) return;
      out[name] =
        name === 'link'
          ? value.replace(/<([^>]+)>/g, (_m, link: string) => {
              const u = new URL(link);
              return `<${apiUrl}${u.pathname}${u.search}>`;
            })
          : value;
    });
    calls.push({
      method: req.method ?? 'GET',
      path: url.pathname + url.search,
      status: answer.status,
      token: kind,
    });
    res.writeHead(answer.status, out);
    res.end(text);
  }
  await new Promise<void>((resolve, reject) => {
    proxy.once('error', reject);
    proxy.listen(proxyPort, '127.0.0.1', () => resolve());
  });

  const close = async () => {
    proxy.closeAllConnections();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
    await emulator.close();
  };
  try {
    const mint = async (permissions: Record<string, string>) => {
      const r = await fetch(`${apiUrl}/app/installations/${INSTALLATION_ID}/access_tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${appJwt(privateKey)}`, accept: 'application/vnd.github+json' },
        body: JSON.stringify({ permissions }),
      });
      if (r.status !== 201)
        throw new Error(`minting an installation token failed: ${r.status} ${await r.text()}`);
      return ((await r.json()) as { token: string }).token;
    };
    const token = await mint({ issues: 'write', pull_requests: 'write', contents: 'read', metadata: 'read' });
    tokens.set(token, 'write');
    const readOnlyToken = await mint({
      issues: 'read',
      pull_requests: 'read',
      contents: 'read',
      metadata: 'read',
    });
    tokens.set(readOnlyToken, 'read-only');
    const pullNumber = await createPullRequest(
      apiUrl,
      adminToken,
      'Sample infra change',
      'feature/infra-change',
    );
    calls.length = 0;
    return {
      info: {
        serverUrl,
        apiUrl,
        graphqlUrl: `${serverUrl}/api/graphql`,
        repository: `${OWNER}/${REPO}`,
        token,
        readOnlyToken,
        adminToken,
        pullNumber,
        adminUrl: serverUrl,
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Opens a pull request (its head branch is created from main); returns its number. */
export async function createPullRequest(
  apiUrl: string,
  adminToken: string,
  title: string,
  head: string,
): Promise<number> {
  const r = await fetch(`${apiUrl}/repos/${OWNER}/${REPO}/pulls`, {
    method: 'POST',
    headers: { authorization: `token ${adminToken}`, accept: 'application/vnd.github+json' },
    body: JSON.stringify({ title, head, base: 'main', body: 'Changes the sample infrastructure.' }),
  });
  if (r.status !== 201) throw new Error(`creating a pull request failed: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { number: number }).number;
}
