import { spawn, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, test } from '@jest/globals';
import { releaseArgs, releaseScript } from './script.ts';
import { ulid } from './ulid.ts';

/**
 * The release script itself, run locally by bash with systemctl and curl replaced by stubs: the
 * stub service is "healthy" unless the current jar's bytes contain BROKEN. Covers the host-side
 * logic (unchanged, verify, atomic switch, rollback, prune selection, lock) without a host.
 */
let dir: string;
let app: string;
let stubs: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'release-script-'));
  app = join(dir, 'app');
  stubs = join(dir, 'bin');
  mkdirSync(app);
  mkdirSync(stubs);
  writeFileSync(
    join(stubs, 'systemctl'),
    // A service started here must not inherit the lock's descriptor (it would hold the lock forever).
    `#!/bin/sh\n[ -e /proc/$$/fd/9 ] && { echo "systemctl inherited the lock fd" >&2; exit 99; }\necho "$*" >> ${dir}/systemctl.log\ncase "$1" in is-active) echo active ;; esac\nexit 0\n`,
  );
  writeFileSync(
    join(stubs, 'curl'),
    `#!/bin/sh\nif grep -q BROKEN ${app}/current.jar; then printf 503; else printf 200; fi\n`,
  );
  chmodSync(join(stubs, 'systemctl'), 0o755);
  chmodSync(join(stubs, 'curl'), 0o755);
});

let clock = Date.UTC(2026, 0, 1);
function release(
  content: string,
  opts: {
    keep?: number;
    force?: boolean;
    stdin?: string;
    id?: string;
    lockTimeout?: number;
    check?: boolean;
  } = {},
) {
  const body = Buffer.from(content);
  const id = opts.id ?? ulid((clock += 1000));
  const args = releaseArgs({
    appDir: app,
    service: 'my-api',
    releaseId: id,
    sha256: createHash('sha256').update(body).digest('hex'),
    size: body.length,
    healthUrl: 'http://127.0.0.1:8080/health',
    healthTimeout: 1,
    keepReleases: opts.keep ?? 5,
    force: opts.force ?? false,
    lockTimeout: opts.lockTimeout ?? 5,
    source: opts.check ? 'none' : 'stdin',
  });
  const run = spawnSync('bash', ['-c', releaseScript(), 'deploy-jar-release', ...args], {
    input: opts.stdin ?? body,
    env: { PATH: `${stubs}:${process.env.PATH}` },
    encoding: 'utf8',
  });
  const marks = Object.fromEntries(
    run.stdout
      .split('\n')
      .filter((l) => l.startsWith('::deploy:: '))
      .map((l) => {
        const [key, ...rest] = l.slice(11).split(' ');
        return [key!, rest.join(' ')];
      }),
  );
  return { id, status: run.status, stdout: run.stdout, stderr: run.stderr, marks };
}
const current = () => readlinkSync(join(app, 'current.jar'));
const jarsOnHost = () =>
  readdirSync(join(app, 'releases'))
    .filter((f) => f.endsWith('.jar'))
    .sort();
const restarts = () =>
  existsSync(join(dir, 'systemctl.log'))
    ? (readFileSync(join(dir, 'systemctl.log'), 'utf8').match(/^restart /gm)?.length ?? 0)
    : 0;

describe('release.sh', () => {
  test('first deploy, then an identical jar is unchanged: no upload, no restart', () => {
    const a = release('jar-a');
    expect(a.status).toBe(0);
    expect(a.marks.status).toBe('deployed');
    expect(a.marks.send).toBe('5');
    expect(current()).toBe(`releases/${a.id}.jar`);
    expect(readFileSync(join(app, 'releases', `${a.id}.jar.sha256`), 'utf8').trim()).toMatch(
      /^[0-9a-f]{64}$/,
    );
    expect(restarts()).toBe(1);
    const again = release('jar-a');
    expect(again.status).toBe(0);
    expect(again.marks.status).toBe('unchanged');
    expect(again.marks.send).toBeUndefined();
    expect(again.marks.release).toBe(a.id);
    expect(restarts()).toBe(1);
    const forced = release('jar-a', { force: true });
    expect(forced.marks.status).toBe('deployed');
    expect(restarts()).toBe(2);
  });

  test('--check-only: reports unchanged or changed and changes nothing on the host', () => {
    const listing = () =>
      spawnSync('find', [app, '-printf', '%P %y %l\n'], { encoding: 'utf8' }).stdout.split('\n').sort();
    // Nothing deployed yet: no releases folder, no lock file; neither is created.
    const first = release('jar-a', { check: true });
    expect([first.status, first.marks.check, first.marks.status]).toEqual([0, 'changed', undefined]);
    expect(listing()).toEqual(['', ' d ']);
    const a = release('jar-a');
    const before = listing();
    const same = release('jar-a', { check: true });
    expect([same.status, same.marks.status, same.marks.release]).toEqual([0, 'unchanged', a.id]);
    expect(same.marks.check).toBeUndefined();
    const other = release('jar-b', { check: true });
    expect([other.status, other.marks.check, other.marks.current]).toEqual([0, 'changed', a.id]);
    expect(other.marks.send).toBeUndefined();
    expect(listing()).toEqual(before);
    expect(restarts()).toBe(1);
    // A jar copied in place by an older method is left as it is (the deploy adopts it).
    spawnSync('rm', ['-rf', join(app, 'releases'), join(app, 'current.jar')]);
    writeFileSync(join(app, 'current.jar'), 'jar-a');
    expect(release('jar-a', { check: true }).marks.check).toBe('changed');
    expect(existsSync(join(app, 'releases'))).toBe(false);
  });

  test('--check-only waits for a deploy holding the lock', async () => {
    release('jar-a');
    const lock = join(app, '.deploy.lock');
    const holder = spawn('flock', [lock, 'sleep', '5'], { stdio: 'ignore' });
    while (spawnSync('flock', ['-n', lock, 'true']).status === 0) await sleep(20);
    const waited = release('jar-a', { check: true, lockTimeout: 1 });
    holder.kill();
    expect(waited.marks['waiting-for-lock']).toBe(lock);
    expect(waited.marks.error).toMatch(/timed out after 1s waiting for the deploy lock/);
  });

  test('an unhealthy release is rolled back: current and previous restored, its jar removed', () => {
    const a = release('jar-a');
    const b = release('jar-b');
    const broken = release('jar-BROKEN');
    expect(broken.status).toBe(3);
    expect(broken.marks.status).toBe('rolled-back');
    expect(broken.marks['rollback-health']).toBe('HTTP 200');
    expect(current()).toBe(`releases/${b.id}.jar`);
    expect(readlinkSync(join(app, 'previous.jar'))).toBe(`releases/${a.id}.jar`);
    expect(jarsOnHost()).toEqual([`${a.id}.jar`, `${b.id}.jar`]);
  });

  test('any command failing after the switch rolls back (ERR trap), not only restart or health', () => {
    const a = release('jar-a');
    const b = release('jar-b');
    // mv fails once, when it moves the new previous.jar link into place (right after the switch).
    const realMv = spawnSync('bash', ['-c', 'command -v mv'], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(join(dir, 'fail-mv-once'), '');
    writeFileSync(
      join(stubs, 'mv'),
      `#!/bin/sh
for last; do :; done
if [ "$last" = previous.jar ] && [ -e ${dir}/fail-mv-once ]; then rm -f ${dir}/fail-mv-once; echo "mv: disk on fire" >&2; exit 1; fi
exec ${realMv} "$@"
`,
    );
    chmodSync(join(stubs, 'mv'), 0o755);
    const c = release('jar-c');
    expect(c.status).toBe(3);
    expect(c.marks.switched).toBe(c.id);
    expect(c.marks.status).toBe('rolled-back');
    expect(c.marks.cause).toMatch(/^command failed after the switch \(exit 1, line \d+\): mv -fT -- /);
    expect(c.marks['rollback-health']).toBe('HTTP 200');
    expect(current()).toBe(`releases/${b.id}.jar`);
    expect(readlinkSync(join(app, 'previous.jar'))).toBe(`releases/${a.id}.jar`);
    expect(jarsOnHost()).toEqual([`${a.id}.jar`, `${b.id}.jar`]);
    expect(restarts()).toBe(3); // a, b, then the rollback's restart of b (c was never restarted)
  });

  test('an unhealthy first release has nothing to return to: failed, service stopped, no current.jar', () => {
    const broken = release('jar-BROKEN');
    expect(broken.status).toBe(4);
    expect(broken.marks.status).toBe('failed');
    expect(existsSync(join(app, 'current.jar'))).toBe(false);
    expect(readFileSync(join(dir, 'systemctl.log'), 'utf8')).toMatch(/^stop my-api$/m);
  });

  test('a short upload fails before the switch and leaves no .part', () => {
    const a = release('jar-a');
    const cut = release('jar-bbbbbbbb', { stdin: 'jar-b' });
    expect(cut.status).toBe(1);
    expect(cut.marks.error).toMatch(/upload incomplete: received 5 of 12 bytes; nothing was switched/);
    expect(current()).toBe(`releases/${a.id}.jar`);
    expect(readdirSync(join(app, 'releases')).filter((f) => f.includes('.part'))).toEqual([]);
  });

  test('a corrupted upload fails the sha256 check before the switch', () => {
    const a = release('jar-a');
    const bad = release('jar-b', { stdin: 'jar-c' });
    expect(bad.status).toBe(1);
    expect(bad.marks.error).toMatch(/checksum mismatch on the host/);
    expect(current()).toBe(`releases/${a.id}.jar`);
  });

  test('prune keeps keep-releases newest, and never the current or previous even when older', () => {
    mkdirSync(join(app, 'releases'));
    const ids = [1, 2, 3, 4, 5].map((i) => ulid(Date.UTC(2025, 0, i)));
    for (const id of ids) writeFileSync(join(app, 'releases', `${id}.jar`), id);
    // The running release is an old one (e.g. after a manual switch back).
    symlinkSync(`releases/${ids[1]}.jar`, join(app, 'current.jar'));
    symlinkSync(`releases/${ids[0]}.jar`, join(app, 'previous.jar'));
    const next = release('jar-new', { keep: 2 });
    expect(next.marks.status).toBe('deployed');
    expect(next.marks.previous).toBe(ids[1]);
    expect(jarsOnHost()).toEqual([`${ids[1]}.jar`, `${next.id}.jar`]);
    expect(next.marks.pruned!.split(' ').sort()).toEqual([ids[0], ids[2], ids[3], ids[4]].sort());
  });

  test('prune with room keeps the newest others too', () => {
    const made = [1, 2, 3, 4, 5].map((i) => release(`jar-${i}`, { keep: 3 }).id);
    expect(jarsOnHost()).toEqual(made.slice(2).map((id) => `${id}.jar`));
  });

  test('a held lock makes the deploy wait, then time out', async () => {
    release('jar-a');
    const lock = join(app, '.deploy.lock');
    const holder = spawn('flock', [lock, 'sleep', '5'], { stdio: 'ignore' });
    while (spawnSync('flock', ['-n', lock, 'true']).status === 0) await sleep(20);
    const waited = release('jar-b', { lockTimeout: 1 });
    holder.kill();
    expect(waited.marks['waiting-for-lock']).toBe(lock);
    expect(waited.status).toBe(1);
    expect(waited.marks.error).toMatch(/timed out after 1s waiting for the deploy lock/);
  });

  test.each([
    ['restart is-active stop', ''],
    ['restart stop', "may not run 'sudo systemctl is-active my-api' without a password"],
    ['restart is-active', "may not run 'sudo systemctl stop my-api' without a password"],
    [
      '',
      "may not run 'sudo systemctl restart my-api' 'sudo systemctl is-active my-api' 'sudo systemctl stop my-api'",
    ],
  ])(
    'as a non-root user with sudo rules for [%s], the sudo check passes or fails before any upload',
    (allowed, error) => {
      // id says uid 1000; sudo -l allows only the listed verbs; sudo -n runs the command.
      writeFileSync(
        join(stubs, 'id'),
        `#!/bin/sh
case "$1" in -u) echo 1000 ;; *) echo deploy ;; esac
`,
      );
      writeFileSync(
        join(stubs, 'sudo'),
        `#!/bin/sh
[ "$1" = -n ] && shift
if [ "$1" = -l ]; then for v in ${allowed}; do [ "$3" = "$v" ] && exit 0; done; exit 1; fi
exec "$@"
`,
      );
      chmodSync(join(stubs, 'id'), 0o755);
      chmodSync(join(stubs, 'sudo'), 0o755);
      const run = release('jar-a');
      if (!error) {
        expect(run.marks.status).toBe('deployed');
        return;
      }
      expect(run.status).toBe(1);
      expect(run.marks.error).toContain(`user deploy ${error}`);
      expect(run.marks.error).toContain(
        'NOPASSWD: /usr/bin/systemctl restart my-api, /usr/bin/systemctl is-active my-api, /usr/bin/systemctl stop my-api',
      );
      expect(run.marks.send).toBeUndefined();
      expect(existsSync(join(app, 'releases'))).toBe(false);
      expect(restarts()).toBe(0);
    },
  );

  test.each([
    ['--service', 'a;b'],
    ['--app-dir', '/opt/../etc'],
    ['--release-id', 'not-a-ulid'],
    ['--health-url', "http://x/'$(id)'"],
    ['--source', 'none'], // only with --check-only 1
  ])('the host refuses %s %p on its own', (flag, value) => {
    const args = releaseArgs({
      appDir: app,
      service: 'my-api',
      releaseId: ulid(),
      sha256: 'a'.repeat(64),
      size: 1,
      healthUrl: 'http://127.0.0.1/health',
      healthTimeout: 1,
      keepReleases: 2,
      force: false,
      lockTimeout: 1,
      source: 'stdin',
    });
    args[args.indexOf(flag) + 1] = value;
    const run = spawnSync('bash', ['-c', releaseScript(), 'x', ...args], {
      encoding: 'utf8',
      env: { PATH: `${stubs}:${process.env.PATH}` },
    });
    expect(run.status).toBe(2);
    expect(run.stdout).toContain(`::deploy:: error invalid ${flag}`);
    expect(existsSync(join(app, 'releases'))).toBe(false);
  });
});
