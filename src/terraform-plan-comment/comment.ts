import type { Logger } from '../lib/log.ts';
import type { CommentKey } from './render.ts';
import { isMarkerOf } from './render.ts';

export interface IssueComment {
  id: number;
  body: string;
  html_url: string;
  /** The author, as the REST API gives it (`type` is 'User' or 'Bot'). */
  user?: { login: string; type?: string } | null;
}

/**
 * Whose comments this action may edit or delete: the token's own. A user token (PAT, OAuth) can
 * learn its login from `GET /user`; an installation token (the job's GITHUB_TOKEN, a GitHub App's)
 * cannot (403), and its comments are authored by a Bot account (`github-actions[bot]` for
 * GITHUB_TOKEN, `<app-slug>[bot]` for an app). So: the exact login when known, else Bot authors
 * only — a person can never post as a Bot, so a human comment carrying the marker is never taken.
 */
export type TokenIdentity = { login: string } | { bot: true };

/** The four PR-comment calls, over the REST API (injected so the logic needs no network). */
export interface CommentApi {
  /** Every page of the pull request's issue comments, oldest first. */
  listPages(): AsyncIterable<IssueComment[]>;
  /** The token's own login (`GET /user`), or undefined when the token cannot tell (installation token). */
  whoAmI(): Promise<string | undefined>;
  create(body: string): Promise<IssueComment>;
  update(id: number, body: string): Promise<IssueComment>;
  remove(id: number): Promise<void>;
}

export type CommentMode = 'update' | 'recreate' | 'new' | 'off';
export type NoChangesMode = 'comment' | 'update-existing' | 'skip';

export interface PublishOptions {
  key: CommentKey;
  body: string;
  mode: CommentMode;
  onNoChanges: NoChangesMode;
  /** The plan has no changes (and did not fail). */
  noChanges: boolean;
}

export type PublishResult =
  | { action: 'created' | 'updated' | 'recreated'; id: number; url: string }
  | { action: 'skipped'; reason: string }
  | { action: 'forbidden'; status: number; message: string };

/** A REST error from Octokit (`RequestError`): status and message. */
interface HttpError {
  status?: number;
  message?: string;
  response?: { data?: { message?: string } };
}

function httpStatus(error: unknown): number | undefined {
  const s = (error as HttpError | undefined)?.status;
  return typeof s === 'number' ? s : undefined;
}

function httpMessage(error: unknown): string {
  const e = error as HttpError;
  return e?.response?.data?.message ?? e?.message ?? String(error);
}

export const FORBIDDEN_HELP =
  "The token cannot write pull request comments. Give the job 'permissions: pull-requests: write' " +
  '(and issues: write when the repository restricts it). Pull requests from forks get a read-only ' +
  'GITHUB_TOKEN whatever the workflow asks: run the plan on pull_request, upload the rendered comment ' +
  "or plan as an artifact, and post it from a 'workflow_run' or 'pull_request_target' workflow that does " +
  "not check out the fork's code. The plan is in the job summary.";

export async function tokenIdentity(api: CommentApi): Promise<TokenIdentity> {
  const login = await api.whoAmI();
  return login ? { login } : { bot: true };
}

export function isOwnComment(c: IssueComment, self: TokenIdentity): boolean {
  if (!c.user) return false;
  return 'login' in self ? c.user.login === self.login : c.user.type === 'Bot';
}

/** Finds this (directory, workspace, label)'s comments, written by the token's identity, through every page. */
export async function findComments(
  api: CommentApi,
  key: CommentKey,
  self: TokenIdentity,
): Promise<IssueComment[]> {
  const found: IssueComment[] = [];
  for await (const page of api.listPages()) {
    for (const c of page)
      if (typeof c.body === 'string' && isMarkerOf(c.body, key) && isOwnComment(c, self)) found.push(c);
  }
  return found;
}

/**
 * Creates, updates or re-creates the sticky comment. A 403 (read-only token, fork pull request)
 * is returned as `forbidden`, not thrown: the caller warns and keeps the job summary.
 */
export async function publishComment(
  api: CommentApi,
  options: PublishOptions,
  logger: Logger,
): Promise<PublishResult> {
  if (options.mode === 'off') return { action: 'skipped', reason: "comment is 'off'" };
  if (options.noChanges && options.onNoChanges === 'skip')
    return { action: 'skipped', reason: "no changes and on-no-changes is 'skip'" };
  try {
    const existing =
      options.mode === 'new' && !(options.noChanges && options.onNoChanges === 'update-existing')
        ? []
        : await findComments(api, options.key, await tokenIdentity(api));
    const latest = existing[existing.length - 1];
    logger.info(
      existing.length
        ? `Found ${existing.length} earlier comment${existing.length === 1 ? '' : 's'} of this token's identity for this directory/workspace/label (latest ${latest!.html_url}).`
        : "No earlier comment of this token's identity for this directory/workspace/label.",
    );
    if (options.noChanges && options.onNoChanges === 'update-existing' && !latest)
      return {
        action: 'skipped',
        reason: "no changes, no earlier comment and on-no-changes is 'update-existing'",
      };
    if (options.mode === 'update' && latest) {
      const c = await api.update(latest.id, options.body);
      return { action: 'updated', id: c.id, url: c.html_url };
    }
    if (options.mode === 'recreate' && existing.length) {
      // The new comment first: if posting fails, the earlier one is still there.
      const c = await api.create(options.body);
      for (const old of existing) await api.remove(old.id);
      return { action: 'recreated', id: c.id, url: c.html_url };
    }
    if (options.noChanges && options.onNoChanges === 'update-existing' && latest) {
      // mode 'new' with update-existing: a fresh comment saying the PR is now clean.
      const c = await api.create(options.body);
      return { action: 'created', id: c.id, url: c.html_url };
    }
    const c = await api.create(options.body);
    return { action: 'created', id: c.id, url: c.html_url };
  } catch (error) {
    const status = httpStatus(error);
    if (status === 403) return { action: 'forbidden', status, message: httpMessage(error) };
    throw error;
  }
}
