import { readFile } from 'node:fs/promises';
import * as core from '@actions/core';
import { context, getOctokit } from '@actions/github';
import { exec } from '../lib/exec.ts';
import { coreLogger } from '../lib/log.ts';
import { createSecretDir, removeSecretDirs, writeSecretFile } from '../lib/secret-files.ts';
import { coreState } from '../lib/state.ts';
import { appendSummary } from '../lib/summary.ts';
import { type CommentApi, FORBIDDEN_HELP, publishComment, type PublishResult } from './comment.ts';
import { parseInputs } from './inputs.ts';
import { summaryLine } from './plan.ts';
import { renderComment } from './render.ts';
import { buildReport } from './report.ts';

/** GitHub's job summary takes up to 1 MiB per step. */
const SUMMARY_MAX_CHARS = 1_000_000;

function runUrl(env: NodeJS.ProcessEnv): string {
  const server = env.GITHUB_SERVER_URL || 'https://github.com';
  const repo = env.GITHUB_REPOSITORY;
  const id = env.GITHUB_RUN_ID;
  if (!repo || !id) return '';
  const attempt =
    env.GITHUB_RUN_ATTEMPT && env.GITHUB_RUN_ATTEMPT !== '1' ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : '';
  return `${server}/${repo}/actions/runs/${id}${attempt}`;
}

function commentApi(token: string, issueNumber: number): CommentApi {
  // getOctokit takes the API base from GITHUB_API_URL (GitHub Enterprise Server included).
  const octokit = getOctokit(token);
  const { owner, repo } = context.repo;
  return {
    async *listPages() {
      for await (const page of octokit.paginate.iterator(octokit.rest.issues.listComments, {
        owner,
        repo,
        issue_number: issueNumber,
        per_page: 100,
      }))
        yield page.data.map((c) => ({
          id: c.id,
          body: c.body ?? '',
          html_url: c.html_url,
          user: c.user ? { login: c.user.login, type: c.user.type } : null,
        }));
    },
    async whoAmI() {
      // Works for user tokens; an installation token gets 403 (or 404 on some servers).
      try {
        const { data } = await octokit.rest.users.getAuthenticated();
        return data.login || undefined;
      } catch {
        return undefined;
      }
    },
    async create(body) {
      const { data } = await octokit.rest.issues.createComment({
        owner,
        repo,
        issue_number: issueNumber,
        body,
      });
      return { id: data.id, body: data.body ?? '', html_url: data.html_url };
    },
    async update(id, body) {
      const { data } = await octokit.rest.issues.updateComment({ owner, repo, comment_id: id, body });
      return { id: data.id, body: data.body ?? '', html_url: data.html_url };
    },
    async remove(id) {
      await octokit.rest.issues.deleteComment({ owner, repo, comment_id: id });
    },
  };
}

export async function run(): Promise<void> {
  const token = core.getInput('github-token');
  if (token.trim()) core.setSecret(token.trim());
  const inputs = parseInputs((name) => core.getInput(name));
  const env = process.env;

  const report = await buildReport(inputs, {
    exec,
    readFile: (path) => readFile(path, 'utf8'),
    privateDir: (() => {
      let dir: Promise<string> | undefined;
      return () => (dir ??= createSecretDir(coreState, 'terraform-plan-comment'));
    })(),
    writePrivateFile: writeSecretFile,
    env,
    workspaceRoot: env.GITHUB_WORKSPACE || process.cwd(),
    logger: coreLogger,
  });

  const url = runUrl(env);
  const renderInput = {
    key: report.key,
    status: report.status,
    analysis: report.analysis,
    text: report.text,
    errors: report.errors,
    redactor: report.redactor,
    footer: {
      sha: context.sha || env.GITHUB_SHA || '',
      runUrl: url,
      time: new Date(),
      tool: inputs.terraformBinary,
    },
  };
  const comment = renderComment(renderInput, {
    maxChars: inputs.maxCommentChars,
    fullRenderingHint: url
      ? `the [job summary of this run](${url}) holds the full rendering.`
      : 'the job summary of this run holds the full rendering.',
  });
  const full = renderComment(renderInput, {
    maxChars: SUMMARY_MAX_CHARS,
    fullRenderingHint:
      'the plan is larger than a job summary can hold; run terraform show locally for the rest.',
  });
  const oneLine =
    report.status === 'failed'
      ? `Plan failed: ${report.failure ?? 'see the errors'}`
      : summaryLine(report.analysis!);

  // The summary first: it is written whatever happens to the comment.
  await appendSummary(`${full.markdown}\n`);

  let published: PublishResult | undefined;
  // pull_request / pull_request_target, or an issue_comment on a pull request (ChatOps "plan" commands).
  const issue = context.payload.issue as { number?: number; pull_request?: unknown } | undefined;
  const issueNumber =
    context.payload.pull_request?.number ?? (issue?.pull_request ? issue.number : undefined);
  if (inputs.comment === 'off') {
    core.info("comment is 'off': the plan is in the job summary only.");
  } else if (typeof issueNumber !== 'number') {
    core.info(
      `No pull request in this ${context.eventName || 'unknown'} event: the plan is in the job summary only.`,
    );
  } else {
    published = await core.group(`Comment on pull request #${issueNumber}`, () =>
      publishComment(
        commentApi(inputs.githubToken, issueNumber),
        {
          key: report.key,
          body: comment.markdown,
          mode: inputs.comment,
          onNoChanges: inputs.onNoChanges,
          noChanges: report.status === 'no-changes',
        },
        coreLogger,
      ),
    );
    if (published.action === 'forbidden') {
      core.warning(
        `Could not comment on pull request #${issueNumber} (${published.status} ${published.message}). ${FORBIDDEN_HELP}`,
      );
    } else if (published.action === 'skipped') {
      core.info(`No comment: ${published.reason}.`);
    } else {
      core.info(
        `Comment ${published.action}: ${published.url}${comment.truncated ? ' (shortened to fit)' : ''}`,
      );
    }
  }

  const c = report.analysis?.counts;
  const outputs: Record<string, string | number | boolean> = {
    'has-changes': report.status === 'changes',
    add: c?.add ?? 0,
    change: c?.change ?? 0,
    destroy: c?.destroy ?? 0,
    replace: c?.replace ?? 0,
    import: c?.import ?? 0,
    move: c?.move ?? 0,
    forget: c?.forget ?? 0,
    drift: c?.drift ?? 0,
    'outputs-changed': c?.outputs ?? 0,
    'exit-code': report.exitCode,
    'comment-url': published && 'url' in published ? published.url : '',
    'comment-id': published && 'id' in published ? published.id : '',
    'plan-json-path': report.planJsonPath,
    summary: oneLine,
  };
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, String(value));
  core.info(oneLine);

  if (report.status === 'failed') {
    if (inputs.failOnError) core.setFailed(oneLine);
    else core.warning(`${oneLine} (fail-on-error is false: the step does not fail)`);
  }
}

export async function post(): Promise<void> {
  const removed = await removeSecretDirs(coreState);
  if (removed.length) core.info(`Removed the plan files (${removed.join(', ')}).`);
}
