import { readFileSync } from 'node:fs';

/**
 * The release script that runs on the host (release.sh, shipped next to the bundle). Its text is
 * constant: values travel as `--name value` arguments, each single-quoted for the remote shell.
 */
export function releaseScript(): string {
  return readFileSync(new URL('./release.sh', import.meta.url), 'utf8');
}

export interface ReleaseArgs {
  appDir: string;
  service: string;
  releaseId: string;
  sha256: string;
  size: number;
  healthUrl: string;
  healthTimeout: number;
  keepReleases: number;
  force: boolean;
  lockTimeout: number;
  /**
   * stdin (SSH: the jar follows the `send` line), a URL the host downloads (SSM, see ssmCommand),
   * or none: a check-only run that reads the current release and changes nothing.
   */
  source: 'stdin' | 'url' | 'none';
  logLines?: number;
}

/** What both transports take from the inputs (the parsed Inputs fit this shape). */
export type ReleaseSettings = Pick<
  ReleaseArgs,
  'appDir' | 'service' | 'healthUrl' | 'healthTimeout' | 'keepReleases' | 'force' | 'lockTimeout'
>;

/** The release script's argv for one release of this jar, by either transport. */
export function releaseArgsFor(
  settings: ReleaseSettings,
  release: { releaseId: string; sha256: string; size: number },
  source: ReleaseArgs['source'],
): string[] {
  return releaseArgs({
    appDir: settings.appDir,
    service: settings.service,
    releaseId: release.releaseId,
    sha256: release.sha256,
    size: release.size,
    healthUrl: settings.healthUrl,
    healthTimeout: settings.healthTimeout,
    keepReleases: settings.keepReleases,
    force: settings.force,
    lockTimeout: settings.lockTimeout,
    source,
  });
}

/** The argv of the release script (what follows `bash -c SCRIPT deploy-jar-release`). */
export function releaseArgs(a: ReleaseArgs): string[] {
  const args = [
    '--app-dir',
    a.appDir,
    '--service',
    a.service,
    '--release-id',
    a.releaseId,
    '--sha256',
    a.sha256,
    '--size',
    String(a.size),
    '--health-timeout',
    String(a.healthTimeout),
    '--keep-releases',
    String(a.keepReleases),
    '--force',
    a.force ? '1' : '0',
    '--lock-timeout',
    String(a.lockTimeout),
    '--log-lines',
    String(a.logLines ?? 30),
  ];
  if (a.healthUrl) args.push('--health-url', a.healthUrl);
  args.push('--source', a.source);
  if (a.source === 'none') args.push('--check-only', '1');
  return args;
}

/** POSIX single quoting: the value stays one word, nothing in it is interpreted. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The one command line the remote shell runs: bash with the constant script and quoted argv. */
export function remoteCommand(script: string, args: readonly string[]): string {
  return ['bash', '-c', script, 'deploy-jar-release', ...args].map(shellQuote).join(' ');
}

/**
 * The AWS-RunShellScript command line: the download URL goes in the environment of bash (an
 * assignment sh reads from the agent's 0700 _script.sh), never into a process's argv.
 */
export function ssmCommand(script: string, args: readonly string[], url: string): string {
  return `DEPLOY_JAR_SOURCE_URL=${shellQuote(url)} ${remoteCommand(script, args)}`;
}
