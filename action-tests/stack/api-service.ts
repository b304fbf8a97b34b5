import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';

/** The daemonless systemctl extracted by scripts/setup.sh (systemd cannot run here). */
export const SYSTEMCTL = '/opt/sample-stack/bin/systemctl';

export interface ApiService {
  service: string;
  appDir: string;
  port: number;
  healthUrl: string;
}

/**
 * Installs the sample API as a systemd unit on the sample host: `java -jar <app-dir>/current.jar`
 * as the deploy user, enabled (so `systemctl is-active` answers as on a real host). The app
 * directory starts empty: the first deploy creates the first release.
 */
export function installApiService(opts: {
  service: string;
  appDir: string;
  port: number;
  user: string;
}): ApiService {
  stopService(opts.service);
  rmSync(opts.appDir, { recursive: true, force: true });
  mkdirSync(opts.appDir, { recursive: true, mode: 0o755 });
  const uid = Number(execFileSync('id', ['-u', opts.user]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', opts.user]).toString().trim());
  chownSync(opts.appDir, uid, gid);
  writeFileSync(`/etc/default/${opts.service}`, `PORT=${opts.port}\nBIND_ADDRESS=127.0.0.1\n`);
  writeFileSync(
    `/etc/systemd/system/${opts.service}.service`,
    [
      '[Unit]',
      `Description=Sample API server (${opts.service})`,
      'After=network.target',
      '',
      '[Service]',
      `User=${opts.user}`,
      `EnvironmentFile=/etc/default/${opts.service}`,
      `WorkingDirectory=${opts.appDir}`,
      `ExecStart=/usr/bin/java -Xms32m -Xmx128m -jar ${opts.appDir}/current.jar`,
      '',
      '[Install]',
      'WantedBy=multi-user.target',
      '',
    ].join('\n'),
  );
  rmSync(`/var/log/journal/${opts.service}.service.log`, { force: true });
  execFileSync(SYSTEMCTL, ['enable', opts.service], { stdio: 'ignore' });
  return {
    service: opts.service,
    appDir: opts.appDir,
    port: opts.port,
    healthUrl: `http://127.0.0.1:${opts.port}/health`,
  };
}

export function stopService(service: string): void {
  try {
    execFileSync(SYSTEMCTL, ['stop', service], { stdio: 'ignore', timeout: 30_000 });
  } catch {
    // not installed or not running
  }
}
