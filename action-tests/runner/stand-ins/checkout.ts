// actions/checkout: copies the repository's working tree as git sees it (tracked files plus untracked,
// non-ignored ones; uncommitted edits included, files deleted on disk left out) into the workspace.
import { execFileSync } from 'node:child_process';
import { cpSync, lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { StandIn } from './types.ts';

/** The file the runner writes at the top of each workDir (see run-job.ts). */
export const WORKDIR_MARKER = '.local-runner-workdir';

function isUnder(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export const checkout: StandIn = {
  name: 'actions/checkout',
  description:
    "copies repoRoot's working tree (git ls-files --cached --others --exclude-standard) to the workspace",
  inputs: {
    repository: {},
    ref: {},
    token: {},
    'ssh-key': {},
    'ssh-known-hosts': {},
    'ssh-strict': { default: 'true' },
    'ssh-user': { default: 'git' },
    'persist-credentials': { default: 'true' },
    path: {},
    clean: { default: 'true' },
    filter: {},
    'sparse-checkout': {},
    'sparse-checkout-cone-mode': { default: 'true' },
    'fetch-depth': { default: '1' },
    'fetch-tags': { default: 'false' },
    'show-progress': { default: 'true' },
    lfs: { default: 'false' },
    submodules: { default: 'false' },
    'set-safe-directory': { default: 'true' },
    'github-server-url': {},
  },
  run(ctx) {
    const repository = ctx.getInput('repository');
    const current = ctx.env.GITHUB_REPOSITORY ?? '';
    if (repository && repository.toLowerCase() !== current.toLowerCase()) {
      throw new Error(
        `The actions/checkout stand-in can only check out the repository under test (${current}), not '${repository}'`,
      );
    }
    const target = path.resolve(ctx.workspace, ctx.getInput('path'));
    if (!isUnder(target, ctx.workspace)) {
      throw new Error(`Repository path '${target}' is not under '${ctx.workspace}'`);
    }
    for (const name of ['ref', 'sparse-checkout', 'filter']) {
      if (ctx.getInput(name))
        ctx.log(`note: input '${name}' is ignored: the working tree of ${ctx.repoRoot} is used`);
    }

    let listing: string;
    try {
      listing = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
        cwd: ctx.repoRoot,
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      throw new Error(
        `${ctx.repoRoot} is not a git working tree (git ls-files failed: ${(err as Error).message})`,
      );
    }

    mkdirSync(target, { recursive: true });
    if (ctx.getInput('clean') !== 'false') {
      for (const entry of readdirSync(target))
        rmSync(path.join(target, entry), { recursive: true, force: true });
    }
    const files = [...new Set(listing.split('\0').filter((f) => f !== ''))];
    // Work folders of local-runner jobs inside the repository (untracked, not ignored) are not part of it:
    // copying them would nest every earlier run's workspace into this one.
    const workDirs = files
      .filter((f) => path.basename(f) === WORKDIR_MARKER)
      .map((f) => path.dirname(f) + '/');
    let copied = 0;
    let deleted = 0;
    let skipped = 0;
    for (const rel of files) {
      if (workDirs.some((d) => d === './' || rel.startsWith(d))) {
        skipped++;
        continue;
      }
      const src = path.join(ctx.repoRoot, rel);
      const dst = path.join(target, rel);
      try {
        lstatSync(src);
        mkdirSync(path.dirname(dst), { recursive: true });
        cpSync(src, dst, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
        copied++;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        deleted++; // tracked but deleted on disk (or removed while copying)
      }
    }
    if (workDirs.length) {
      ctx.warning(
        `Skipped ${workDirs.length} local-runner work folder(s) inside ${ctx.repoRoot} (${skipped} files), e.g. ${workDirs[0]}: ` +
          'put workDir outside the repository or in a git-ignored folder',
      );
    }
    ctx.setOutput('ref', ctx.env.GITHUB_REF ?? '');
    ctx.setOutput('commit', ctx.env.GITHUB_SHA ?? '');
    return (
      `copied ${copied} files of ${ctx.repoRoot}'s working tree (tracked + untracked non-ignored` +
      `${deleted ? `; ${deleted} deleted on disk left out` : ''}) to ${target}`
    );
  },
};
