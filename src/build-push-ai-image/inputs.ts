import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import {
  InputError,
  type InputSource,
  quote,
  readBoolean,
  readChoice,
  readKeyValueLines,
  readList,
  readString,
} from '../lib/inputs.ts';
import { baseImageOf, findStage, parseDockerfile } from './dockerfile.ts';

export type Builder = 'auto' | 'buildx' | 'docker';
export type CpuOnly = 'off' | 'warn' | 'fail';
export type Registry = { kind: 'default' } | { kind: 'account'; id: string } | { kind: 'host'; host: string };
export interface KeyValue {
  key: string;
  value: string;
}

export interface Inputs {
  context: string;
  dockerfile: string;
  /** '' = the last stage. */
  target: string;
  /** The stage that is built (its name, or `stage N`), for messages. */
  stageLabel: string;
  /** The external image the built stage starts from (after ARG expansion). */
  baseImage: string;
  repository: string;
  registry: Registry;
  createRepository: boolean;
  tags: readonly string[];
  buildArgs: readonly KeyValue[];
  /** The OCI labels source, revision and created, then the user's. */
  labels: readonly KeyValue[];
  push: boolean;
  builder: Builder;
  cacheFrom: readonly string[];
  cacheTo: readonly string[];
  platform: string;
  provenance: boolean;
  /** Budget in MB (1 MB = 1,000,000 bytes, as docker prints sizes); undefined = no budget. */
  maxImageSizeMb: number | undefined;
  cpuOnly: CpuOnly;
  awsRegion: string;
}

/** What the default tags and the OCI labels are made of (the runner's GITHUB_* variables). */
export interface GitContext {
  workspace: string;
  sha: string;
  /** refs/heads/main, refs/pull/7/merge, refs/tags/v1 */
  ref: string;
  /** The PR's head branch on pull_request events. */
  headRef: string;
  defaultBranch: string;
  serverUrl: string;
  repository: string;
  /** ISO time of the commit (reproducible `created`: same commit, same labels, full cache hit). */
  commitTime: string;
}

// ECR repository names: lower-case path components of [a-z0-9] separated by . _ -, 2 to 256 characters.
export const REPOSITORY_PATTERN = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
// A Docker tag: 1 to 128 of [A-Za-z0-9_.-], not starting with . or -.
export const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const HOST_PATTERN =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d{1,5})?$/;
const PLATFORM_PATTERN = /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/;

export function parseInputs(get: InputSource, git: GitContext): Inputs {
  const context = resolve(git.workspace, readString(get, 'context') || '.');
  if (!existsSync(context) || !statSync(context).isDirectory()) {
    throw new InputError(
      'context',
      `${quote(shown(context, git.workspace))} is not a directory. Expected the build context folder, relative to the workspace.`,
    );
  }
  const dockerfileInput = readString(get, 'dockerfile');
  const dockerfile = dockerfileInput ? resolve(git.workspace, dockerfileInput) : defaultDockerfile(context);
  if (!existsSync(dockerfile) || !statSync(dockerfile).isFile()) {
    throw new InputError(
      'dockerfile',
      `${quote(shown(dockerfile, git.workspace))} does not exist. Expected a Dockerfile path relative to the workspace (default: <context>/Dockerfile).`,
    );
  }

  const buildArgs = readKeyValueLines(get, 'build-args', {
    keyPattern: /^[A-Za-z_][A-Za-z0-9_]*$/,
    keyExpected: 'a build argument name (letters, digits and _)',
  });
  const parsed = parseDockerfile(readFileSync(dockerfile, 'utf8'));
  if (parsed.stages.length === 0) {
    throw new InputError('dockerfile', `${quote(shown(dockerfile, git.workspace))} has no FROM line.`);
  }
  const target = readString(get, 'target');
  const stage = findStage(parsed, target);
  if (!stage) {
    const names = parsed.stages.map((s) => s.name).filter(Boolean);
    throw new InputError(
      'target',
      `no stage named ${quote(target)} in ${shown(dockerfile, git.workspace)}. Expected one of: ${names.length ? names.join(', ') : '(the file names no stages)'}.`,
    );
  }
  const baseImage = baseImageOf(parsed, stage, Object.fromEntries(buildArgs.map((a) => [a.key, a.value])));

  const repository = readString(get, 'repository', {
    required: true,
    pattern: REPOSITORY_PATTERN,
    expected: 'an ECR repository name such as myapp/ai-server (lower-case letters, digits, . _ - and /)',
  });
  if (repository.length < 2 || repository.length > 256) {
    throw new InputError('repository', `must be 2 to 256 characters long, got ${repository.length}.`);
  }
  const registryRaw = readString(get, 'registry');
  let registry: Registry = { kind: 'default' };
  if (/^\d{12}$/.test(registryRaw)) registry = { kind: 'account', id: registryRaw };
  else if (registryRaw) {
    const host = registryRaw.replace(/^https?:\/\//, '').replace(/\/+$/, '');
    if (!HOST_PATTERN.test(host)) {
      throw new InputError(
        'registry',
        `invalid value ${quote(registryRaw)}. Expected a 12-digit AWS account ID or a registry host such as 123456789012.dkr.ecr.us-east-1.amazonaws.com.`,
      );
    }
    registry = { kind: 'host', host };
  }

  const tagList = readList(get, 'tags', { commas: true });
  const tags = tagList.length ? tagList : defaultTags(git);
  for (const tag of tags) {
    if (!TAG_PATTERN.test(tag)) {
      throw new InputError(
        'tags',
        `invalid tag ${quote(tag)}. Expected a Docker tag: up to 128 letters, digits, _ . and -, not starting with . or -.`,
      );
    }
  }
  const uniqueTags = [...new Set(tags)];

  const extraLabels = readKeyValueLines(get, 'labels', {
    keyPattern: /^[A-Za-z0-9][A-Za-z0-9._/-]*$/,
    keyExpected: 'a label key such as org.opencontainers.image.title',
  });
  const labels: KeyValue[] = [
    { key: 'org.opencontainers.image.source', value: `${git.serverUrl}/${git.repository}` },
    { key: 'org.opencontainers.image.revision', value: git.sha },
    { key: 'org.opencontainers.image.created', value: git.commitTime },
  ];
  for (const l of extraLabels) {
    const i = labels.findIndex((x) => x.key === l.key);
    if (i >= 0) labels[i] = l;
    else labels.push(l);
  }

  const builder = readChoice(get, 'builder', ['auto', 'buildx', 'docker'] as const, 'auto');
  const cacheFrom = readList(get, 'cache-from');
  const cacheTo = readList(get, 'cache-to');
  const platforms = readList(get, 'platforms', { commas: true });
  if (builder === 'docker') {
    for (const name of ['cache-from', 'cache-to', 'platforms'] as const) {
      if (get(name).trim()) {
        throw new InputError(
          name,
          `needs buildx, but builder is 'docker'. Expected builder: auto or buildx, or no ${name}.`,
        );
      }
    }
  }
  if (platforms.length > 1) {
    throw new InputError(
      'platforms',
      `${platforms.length} platforms given. Expected one (e.g. linux/amd64): the image is loaded into the local engine to be measured and checked before it is pushed.`,
    );
  }
  const platform = platforms[0] ?? '';
  if (platform && !PLATFORM_PATTERN.test(platform)) {
    throw new InputError(
      'platforms',
      `invalid platform ${quote(platform)}. Expected os/arch such as linux/amd64 or linux/arm64.`,
    );
  }

  const budgetRaw = get('max-image-size-mb').trim();
  let maxImageSizeMb: number | undefined;
  if (budgetRaw) {
    const value = Number(budgetRaw);
    if (!/^\d+(\.\d+)?$/.test(budgetRaw) || !Number.isFinite(value) || value <= 0) {
      throw new InputError(
        'max-image-size-mb',
        `invalid value ${quote(budgetRaw)}. Expected a positive number of megabytes, such as 800.`,
      );
    }
    maxImageSizeMb = value;
  }

  return Object.freeze({
    context,
    dockerfile,
    target,
    stageLabel: stage.name ?? `stage ${stage.index + 1}`,
    baseImage,
    repository,
    registry,
    createRepository: readBoolean(get, 'create-repository', false),
    tags: Object.freeze(uniqueTags),
    buildArgs: Object.freeze(buildArgs),
    labels: Object.freeze(labels),
    push: readBoolean(get, 'push', true),
    builder,
    cacheFrom: Object.freeze(cacheFrom),
    cacheTo: Object.freeze(cacheTo),
    platform,
    provenance: readBoolean(get, 'provenance', false),
    maxImageSizeMb,
    cpuOnly: readChoice(get, 'cpu-only', ['off', 'warn', 'fail'] as const, 'warn'),
    awsRegion: get('aws-region').trim(),
  });
}

/** The commit SHA, the branch name (made a valid tag), and `latest` on the default branch. */
export function defaultTags(git: GitContext): string[] {
  const tags: string[] = [];
  if (git.sha) tags.push(git.sha);
  const branch =
    git.headRef || (git.ref.startsWith('refs/heads/') ? git.ref.slice('refs/heads/'.length) : '');
  const tagFromBranch = branch
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 128);
  if (tagFromBranch) tags.push(tagFromBranch);
  if (branch && !git.headRef && branch === git.defaultBranch) tags.push('latest');
  if (tags.length === 0) {
    throw new InputError(
      'tags',
      'no tags given and no commit SHA or branch to derive them from. Expected one tag per line.',
    );
  }
  return tags;
}

function shown(path: string, workspace: string): string {
  const rel = relative(workspace, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

// Not `resolve(context, 'Dockerfile')`: ncc's asset relocator rewrites that expression into a path
// inside dist/.
function defaultDockerfile(context: string): string {
  return [context, 'Dockerfile'].join(sep);
}
