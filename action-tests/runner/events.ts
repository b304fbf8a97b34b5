// Realistic webhook payloads for GITHUB_EVENT_PATH / github.event.
import { execFileSync } from 'node:child_process';

export type EventName = 'push' | 'pull_request' | 'workflow_dispatch';

export const REPOSITORY = 'acme/shop';
export const DEFAULT_BRANCH = 'main';
export const FALLBACK_SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const BEFORE_SHA = '0f1e2d3c4b5a69788796a5b4c3d2e1f001234567';
const BASE_SHA = '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a291807';

export interface CommitInfo {
  sha: string;
  message: string;
  authorName: string;
  authorEmail: string;
  timestamp: string;
  tree: string;
}

/** HEAD of a git working tree, or a fixed commit when it is not a repository (or has no commit). */
export function headCommit(repoRoot: string): CommitInfo {
  try {
    const out = execFileSync(
      'git',
      ['-C', repoRoot, 'log', '-1', '--format=%H%x00%T%x00%an%x00%ae%x00%aI%x00%B'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    const [sha, tree, authorName, authorEmail, timestamp, message] = out.split('\0');
    if (sha && /^[0-9a-f]{40}$/.test(sha)) {
      return {
        sha,
        tree: tree ?? '',
        authorName: authorName ?? 'Octo Dev',
        authorEmail: authorEmail ?? 'octo-dev@users.noreply.github.com',
        timestamp: timestamp ?? new Date().toISOString(),
        message: (message ?? '').trimEnd(),
      };
    }
  } catch {
    // not a repository, or no commit yet
  }
  return {
    sha: FALLBACK_SHA,
    tree: '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
    authorName: 'Octo Dev',
    authorEmail: 'octo-dev@users.noreply.github.com',
    timestamp: '2026-01-01T12:00:00Z',
    message: 'Local change',
  };
}

function user(login: string, id: number, type = 'User'): Record<string, unknown> {
  return {
    login,
    id,
    node_id: `U_${id}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    url: `https://api.github.com/users/${login}`,
    html_url: `https://github.com/${login}`,
    type,
    site_admin: false,
  };
}

export function repositoryPayload(
  fullName: string,
  serverUrl: string,
  apiUrl: string,
): Record<string, unknown> {
  const [owner = 'acme', name = 'shop'] = fullName.split('/');
  return {
    id: 812345678,
    node_id: 'R_kgDOMBl2Tg',
    name,
    full_name: fullName,
    private: true,
    owner: { ...user(owner, 98765432, 'Organization'), name: owner },
    html_url: `${serverUrl}/${fullName}`,
    description: 'Sample shop (local runner)',
    fork: false,
    url: `${apiUrl}/repos/${fullName}`,
    git_url: `git://github.com/${fullName}.git`,
    ssh_url: `git@github.com:${fullName}.git`,
    clone_url: `${serverUrl}/${fullName}.git`,
    default_branch: DEFAULT_BRANCH,
    master_branch: DEFAULT_BRANCH,
    visibility: 'private',
    archived: false,
    disabled: false,
    topics: [],
    organization: owner,
  };
}

export interface PayloadInput {
  eventName: EventName;
  ref: string | undefined;
  sha: string;
  commit: CommitInfo;
  serverUrl: string;
  apiUrl: string;
  workflowPath: string;
}

/** The generated payload before the caller's eventPayload is merged over it. */
export function defaultPayload(input: PayloadInput): Record<string, unknown> {
  const { commit, serverUrl, apiUrl, sha } = input;
  const repository = repositoryPayload(REPOSITORY, serverUrl, apiUrl);
  const sender = user('octo-dev', 1234567);
  switch (input.eventName) {
    case 'push': {
      const ref = input.ref ?? `refs/heads/${DEFAULT_BRANCH}`;
      const headCommitPayload = {
        id: sha,
        tree_id: commit.tree,
        distinct: true,
        message: commit.message,
        timestamp: commit.timestamp,
        url: `${serverUrl}/${REPOSITORY}/commit/${sha}`,
        author: { name: commit.authorName, email: commit.authorEmail, username: 'octo-dev' },
        committer: { name: commit.authorName, email: commit.authorEmail, username: 'octo-dev' },
        added: [],
        removed: [],
        modified: [],
      };
      return {
        ref,
        before: BEFORE_SHA,
        after: sha,
        base_ref: null,
        created: false,
        deleted: false,
        forced: false,
        compare: `${serverUrl}/${REPOSITORY}/compare/${BEFORE_SHA.slice(0, 12)}...${sha.slice(0, 12)}`,
        commits: [headCommitPayload],
        head_commit: headCommitPayload,
        pusher: { name: 'octo-dev', email: commit.authorEmail },
        repository: { ...repository, pushed_at: Math.floor(Date.now() / 1000) },
        sender,
      };
    }
    case 'pull_request': {
      const number = 7;
      const headRepo = repository;
      return {
        action: 'synchronize',
        number,
        before: BEFORE_SHA,
        after: sha,
        pull_request: {
          id: 1987654321,
          node_id: 'PR_kwDOMBl2Ts52Pe8x',
          number,
          state: 'open',
          locked: false,
          draft: false,
          merged: false,
          title: commit.message.split('\n')[0] || 'Change',
          body: 'Local pull request (local runner).',
          user: sender,
          html_url: `${serverUrl}/${REPOSITORY}/pull/${number}`,
          url: `${apiUrl}/repos/${REPOSITORY}/pulls/${number}`,
          diff_url: `${serverUrl}/${REPOSITORY}/pull/${number}.diff`,
          labels: [],
          merge_commit_sha: sha,
          head: {
            label: 'acme:feature/change',
            ref: 'feature/change',
            sha,
            user: repository.owner,
            repo: headRepo,
          },
          base: {
            label: `acme:${DEFAULT_BRANCH}`,
            ref: DEFAULT_BRANCH,
            sha: BASE_SHA,
            user: repository.owner,
            repo: repository,
          },
          author_association: 'MEMBER',
          created_at: commit.timestamp,
          updated_at: commit.timestamp,
        },
        repository,
        sender,
      };
    }
    case 'workflow_dispatch':
      return {
        inputs: {},
        ref: input.ref ?? `refs/heads/${DEFAULT_BRANCH}`,
        repository,
        organization: { login: 'acme', id: 98765432 },
        sender,
        workflow: input.workflowPath,
      };
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge: objects are merged key by key, anything else (arrays included) replaces. */
export function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}

export function get(obj: unknown, ...keys: string[]): unknown {
  let cur = obj;
  for (const k of keys) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

export function getString(obj: unknown, ...keys: string[]): string | undefined {
  const v = get(obj, ...keys);
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}
