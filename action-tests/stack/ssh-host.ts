import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitFor } from './util.ts';

/**
 * The sample "EC2 host": Debian's OpenSSH sshd on a loopback port, with its own host keys, one
 * deploy user whose authorized key the stack generates, sftp for scp, and nothing else.
 */
export interface SshHost {
  host: string;
  port: number;
  user: string;
  /** ssh-keyscan's output for the host: what the host-key parameter holds. */
  hostKeys: string;
  /** The client private key authorised for the deploy user (what the private-key parameter holds). */
  privateKeyPath: string;
  /** A known_hosts file for the host on its port. */
  knownHostsPath: string;
  logPath: string;
  stop(): Promise<void>;
}

export async function startSshHost(dir: string, user = 'deploy'): Promise<SshHost> {
  mkdirSync(join(dir, 'authorized_keys'), { recursive: true });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  const clientKey = join(dir, 'id_deploy');
  if (!existsSync(hostKey)) keygen(hostKey, 'sample-host');
  if (!existsSync(clientKey)) keygen(clientKey, 'deploy@sample-stack');
  const authorized = join(dir, 'authorized_keys', user);
  writeFileSync(authorized, readFileSync(`${clientKey}.pub`));
  chmodSync(authorized, 0o644);

  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys', '%u')}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      // The stack directory may sit under a group-writable path (a CI checkout); the keys in it are root-owned.
      'StrictModes no',
      'PermitRootLogin no',
      `AllowUsers ${user}`,
      'Subsystem sftp internal-sftp',
      'MaxStartups 100:30:200',
      'MaxSessions 100',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  const logPath = join(dir, 'sshd.log');
  const out = openSync(logPath, 'a');
  const child: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], {
    stdio: ['ignore', out, out],
  });
  let exited = false;
  child.on('exit', () => (exited = true));

  const hostKeys = await waitFor('sshd to accept connections', 10_000, () => {
    if (exited)
      throw new Error(`sshd exited at start; see ${logPath}:\n${readFileSync(logPath, 'utf8').slice(-2000)}`);
    try {
      const scanned = execFileSync(
        'ssh-keyscan',
        ['-T', '2', '-t', 'ed25519', '-p', String(port), '127.0.0.1'],
        {
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      ).toString();
      return scanned.trim() ? scanned : undefined;
    } catch {
      return undefined;
    }
  });
  const knownHostsPath = join(dir, 'known_hosts');
  writeFileSync(knownHostsPath, hostKeys);

  return {
    host: '127.0.0.1',
    port,
    user,
    hostKeys,
    privateKeyPath: clientKey,
    knownHostsPath,
    logPath,
    stop: async () => {
      if (exited) return;
      const done = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await done;
    },
  };
}

function keygen(path: string, comment: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path], {
    stdio: 'ignore',
  });
}
