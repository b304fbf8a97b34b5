import { describe, expect, test } from '@jest/globals';
import { recordingLogger } from '../lib/log.ts';
import { type CommentApi, type IssueComment, publishComment } from './comment.ts';
import { markerLine } from './render.ts';

const key = { directory: 'infra', workspace: 'default', label: '' };
const other = { directory: 'infra/dns', workspace: 'default', label: '' };
const body = (k = key, text = 'plan') => `${markerLine(k)}\n${text}`;

const BOT = { login: 'github-actions[bot]', type: 'Bot' };
const HUMAN = { login: 'mallory', type: 'User' };

/**
 * An in-memory PR: pages of `perPage` comments, every call recorded. Plain strings are the bot's
 * comments; `self` is what GET /user answers (undefined: an installation token, which gets 403).
 */
function fakePr(
  initial: Array<string | { body: string; user: { login: string; type: string } }>,
  perPage = 2,
  forbidWrites = false,
  self?: { login: string; type: string },
) {
  let next = 1;
  const comments: IssueComment[] = initial.map((b) => ({
    id: next++,
    body: typeof b === 'string' ? b : b.body,
    html_url: `u#${next - 1}`,
    user: typeof b === 'string' ? BOT : b.user,
  }));
  const calls: string[] = [];
  const forbidden = () => Object.assign(new Error('Resource not accessible by integration'), { status: 403 });
  const api: CommentApi = {
    async whoAmI() {
      calls.push('whoami');
      return self?.login;
    },
    async *listPages() {
      for (let i = 0; i < comments.length || i === 0; i += perPage) {
        calls.push(`list ${i / perPage + 1}`);
        yield comments.slice(i, i + perPage);
        if (i + perPage >= comments.length) break;
      }
    },
    async create(b) {
      calls.push('create');
      if (forbidWrites) throw forbidden();
      const c = { id: next++, body: b, html_url: `u#${next - 1}`, user: self ?? BOT };
      comments.push(c);
      return c;
    },
    async update(id, b) {
      calls.push(`update ${id}`);
      if (forbidWrites) throw forbidden();
      const c = comments.find((x) => x.id === id)!;
      c.body = b;
      return c;
    },
    async remove(id) {
      calls.push(`delete ${id}`);
      comments.splice(
        comments.findIndex((x) => x.id === id),
        1,
      );
    },
  };
  return { api, comments, calls };
}

const opts = (over: Partial<Parameters<typeof publishComment>[1]> = {}) => ({
  key,
  body: body(key, 'new plan'),
  mode: 'update' as const,
  onNoChanges: 'comment' as const,
  noChanges: false,
  ...over,
});

describe('publishComment', () => {
  test('update finds the comment on a later page and edits it in place', async () => {
    const pr = fakePr(['hi', body(other), 'lgtm', `> ${markerLine(key)} quoted`, body(key, 'old plan')]);
    const r = await publishComment(pr.api, opts(), recordingLogger());
    expect(r).toEqual({ action: 'updated', id: 5, url: 'u#5' });
    expect(pr.calls).toEqual(['whoami', 'list 1', 'list 2', 'list 3', 'update 5']);
    expect(pr.comments.find((c) => c.id === 2)!.body).toBe(body(other)); // the other directory's is untouched
  });
  test('update with no earlier comment creates one', async () => {
    const pr = fakePr([body(other)]);
    expect((await publishComment(pr.api, opts(), recordingLogger())).action).toBe('created');
    expect(pr.comments).toHaveLength(2);
  });
  test('recreate deletes every earlier comment of the key and posts again', async () => {
    const pr = fakePr([body(key), 'x', body(key)]);
    const r = await publishComment(pr.api, opts({ mode: 'recreate' }), recordingLogger());
    expect(r.action).toBe('recreated');
    expect(pr.calls.filter((c) => !c.startsWith('list') && c !== 'whoami')).toEqual([
      'create',
      'delete 1',
      'delete 3',
    ]);
  });
  test("a person's comment carrying the marker is never taken over (installation token: Bot authors only)", async () => {
    const pr = fakePr([{ body: body(key, 'fake plan, click here'), user: HUMAN }]);
    const r = await publishComment(pr.api, opts(), recordingLogger());
    expect(r).toEqual({ action: 'created', id: 2, url: 'u#2' });
    expect(pr.comments[0]!.body).toBe(body(key, 'fake plan, click here'));
    const again = await publishComment(pr.api, opts({ mode: 'recreate' }), recordingLogger());
    expect(again.action).toBe('recreated');
    expect(pr.comments.map((c) => c.id)).toEqual([1, 3]); // only the bot's own comment was deleted
    const clean = fakePr([{ body: body(key), user: HUMAN }]);
    const u = await publishComment(
      clean.api,
      opts({ noChanges: true, onNoChanges: 'update-existing' }),
      recordingLogger(),
    );
    expect(u.action).toBe('skipped');
  });
  test('a user token only takes comments of its own login (GET /user)', async () => {
    const me = { login: 'octo-dev', type: 'User' };
    const pr = fakePr(
      [
        { body: body(key, 'mine'), user: me },
        { body: body(key, 'a bot'), user: BOT },
        { body: body(key, 'someone'), user: HUMAN },
      ],
      2,
      false,
      me,
    );
    const r = await publishComment(pr.api, opts(), recordingLogger());
    expect(r).toEqual({ action: 'updated', id: 1, url: 'u#1' });
    expect(pr.comments.map((c) => c.body)).toEqual([
      body(key, 'new plan'),
      body(key, 'a bot'),
      body(key, 'someone'),
    ]);
  });
  test('new always posts; off does nothing', async () => {
    const pr = fakePr([body(key)]);
    expect((await publishComment(pr.api, opts({ mode: 'new' }), recordingLogger())).action).toBe('created');
    expect(pr.calls).toEqual(['create']);
    expect((await publishComment(pr.api, opts({ mode: 'off' }), recordingLogger())).action).toBe('skipped');
    expect(pr.calls).toEqual(['create']);
  });
  test('on-no-changes: skip posts nothing, update-existing only updates', async () => {
    const empty = fakePr([]);
    expect(
      (await publishComment(empty.api, opts({ noChanges: true, onNoChanges: 'skip' }), recordingLogger()))
        .action,
    ).toBe('skipped');
    expect(empty.calls).toEqual([]);
    const r = await publishComment(
      empty.api,
      opts({ noChanges: true, onNoChanges: 'update-existing' }),
      recordingLogger(),
    );
    expect(r).toEqual({ action: 'skipped', reason: expect.stringContaining('no earlier comment') });
    expect(empty.comments).toEqual([]);
    const pr = fakePr([body(key)]);
    const u = await publishComment(
      pr.api,
      opts({ noChanges: true, onNoChanges: 'update-existing' }),
      recordingLogger(),
    );
    expect(u.action).toBe('updated');
  });
  test('a 403 is returned as forbidden, not thrown', async () => {
    const pr = fakePr([], 2, true);
    const r = await publishComment(pr.api, opts(), recordingLogger());
    expect(r).toEqual({
      action: 'forbidden',
      status: 403,
      message: 'Resource not accessible by integration',
    });
  });
  test('other errors are thrown', async () => {
    const pr = fakePr([]);
    pr.api.create = () => Promise.reject(Object.assign(new Error('Server Error'), { status: 500 }));
    await expect(publishComment(pr.api, opts(), recordingLogger())).rejects.toThrow('Server Error');
  });
});
