import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { UserError } from './errors.ts';

/**
 * SSH helpers shared by the actions that reach a host: validating hosts and users, normalising a
 * private key taken from a secret store, and turning host public keys into known_hosts lines.
 */

const DNS_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/** An IPv4 or IPv6 address, or a DNS name. Returns the host without IPv6 brackets. */
export function parseHost(raw: string): string | undefined {
  const value = raw.trim().replace(/^\[(.*)\]$/, '$1');
  if (isIPv4(value) || isIPv6(value)) return value;
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  if (name.length === 0 || name.length > 253) return undefined;
  const labels = name.split('.');
  if (!labels.every((l) => DNS_LABEL.test(l))) return undefined;
  // A name made only of digits and dots is a malformed address, not a DNS name.
  if (/^[\d.]+$/.test(name)) return undefined;
  return name;
}

export const HOST_EXPECTED =
  'an IPv4 address, an IPv6 address or a DNS name (e.g. 203.0.113.10 or ec2-203-0-113-10.compute-1.amazonaws.com)';

export const USER_PATTERN = /^[a-z_][a-z0-9_-]{0,31}$/;
export const USER_EXPECTED =
  'a Linux user name (lower-case letters, digits, _ and -, at most 32 characters), e.g. ec2-user';

export type KeyProblem = 'empty' | 'public-key' | 'encrypted' | 'unrecognised';

export type NormalisedKey = { ok: true; key: string; format: string } | { ok: false; problem: KeyProblem };

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\n([\s\S]*?)\n-----END \1-----/;

/**
 * Normalises a private key as stored in a secret (CRLF, surrounding blanks, `\n` escapes in a
 * one-line value, a missing final newline) and checks it is an unencrypted private key.
 * Never includes the value in what it returns on failure.
 */
export function normalisePrivateKey(raw: string): NormalisedKey {
  let text = raw.replace(/\r\n?/g, '\n').trim();
  if (!text) return { ok: false, problem: 'empty' };
  if (!text.includes('\n') && text.includes('\\n')) text = text.replace(/\\n/g, '\n').trim();
  if (
    /^(ssh-|ecdsa-|sk-)/.test(text) ||
    text.startsWith('---- BEGIN SSH2 PUBLIC KEY') ||
    text.includes('-----BEGIN PUBLIC KEY-----')
  ) {
    return { ok: false, problem: 'public-key' };
  }
  const block = PEM_BLOCK.exec(text);
  if (!block) return { ok: false, problem: 'unrecognised' };
  const label = block[1]!;
  const body = block[2]!;
  if (label === 'ENCRYPTED PRIVATE KEY' || /^Proc-Type:\s*4,ENCRYPTED/m.test(body))
    return { ok: false, problem: 'encrypted' };
  if (label === 'OPENSSH PRIVATE KEY') {
    const cipher = openSshCipher(body);
    if (cipher === undefined) return { ok: false, problem: 'unrecognised' };
    if (cipher !== 'none') return { ok: false, problem: 'encrypted' };
  } else if (!/^(RSA |EC |DSA )?PRIVATE KEY$/.test(label)) {
    return { ok: false, problem: 'unrecognised' };
  }
  // Keep only the key block itself, with a single trailing newline (OpenSSH refuses some keys without it).
  return { ok: true, key: `${block[0]}\n`, format: label };
}

/** The cipher name of an OpenSSH private key ("none" when it has no passphrase). */
function openSshCipher(body: string): string | undefined {
  const bytes = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  const magic = 'openssh-key-v1\0';
  if (bytes.subarray(0, magic.length).toString('latin1') !== magic) return undefined;
  const reader = sshStrings(bytes.subarray(magic.length));
  return reader.next()?.toString('latin1');
}

function sshStrings(buf: Buffer): { next(): Buffer | undefined } {
  let offset = 0;
  return {
    next() {
      if (offset + 4 > buf.length) return undefined;
      const len = buf.readUInt32BE(offset);
      if (offset + 4 + len > buf.length) return undefined;
      const out = buf.subarray(offset + 4, offset + 4 + len);
      offset += 4 + len;
      return out;
    },
  };
}

export function describeKeyProblem(problem: KeyProblem): string {
  switch (problem) {
    case 'empty':
      return 'is empty';
    case 'public-key':
      return 'holds a public key, not a private key';
    case 'encrypted':
      return 'holds a passphrase-protected private key; store an unencrypted key (e.g. ssh-keygen -p -N "" -f KEY) in a SecureString';
    case 'unrecognised':
      return 'does not hold a PEM or OpenSSH private key (expected "-----BEGIN OPENSSH PRIVATE KEY-----" or "-----BEGIN RSA PRIVATE KEY-----" ...)';
  }
}

export interface HostKey {
  marker?: '@cert-authority' | '@revoked';
  type: string;
  blob: string;
}

const KEY_TYPE =
  /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)(-cert-v01@openssh\.com)?$/;

/**
 * Parses host public keys as `ssh-keyscan` prints them (`host type base64`), or bare
 * `type base64 [comment]` lines, or known_hosts lines with a marker. Comments and blanks skipped.
 */
export function parseHostKeys(text: string): HostKey[] {
  const keys: HostKey[] = [];
  for (const [index, rawLine] of text.replace(/\r\n?/g, '\n').split('\n').entries()) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) continue;
    const tokens = line.split(/\s+/);
    let marker: HostKey['marker'];
    if (tokens[0] === '@cert-authority' || tokens[0] === '@revoked')
      marker = tokens.shift() as HostKey['marker'];
    const at = tokens.findIndex((t) => KEY_TYPE.test(t));
    if (at < 0 || at > 1 || !tokens[at + 1]) {
      throw new UserError(
        `line ${index + 1} is not a host public key (expected "[host] ssh-ed25519 AAAA...", as ssh-keyscan prints it)`,
      );
    }
    const type = tokens[at]!;
    const blob = tokens[at + 1]!;
    const decoded = Buffer.from(blob, 'base64');
    const embedded = sshStrings(decoded).next()?.toString('latin1');
    if (!/^[A-Za-z0-9+/]+=*$/.test(blob) || embedded !== type) {
      throw new UserError(`line ${index + 1} has a ${type} key whose data is not a valid ${type} public key`);
    }
    keys.push(marker ? { marker, type, blob } : { type, blob });
  }
  return keys;
}

/**
 * known_hosts lines pinning `keys` to `host` on any port: OpenSSH looks up `host` for port 22
 * and `[host]:PORT` otherwise, so both patterns are written.
 */
export function knownHostsLines(host: string, keys: readonly HostKey[]): string {
  const patterns = `${host},[${host}]:*`;
  return keys.map((k) => `${k.marker ? `${k.marker} ` : ''}${patterns} ${k.type} ${k.blob}\n`).join('');
}

/** OpenSSH's SHA256 fingerprint of a public key blob (`SHA256:...`, unpadded base64). */
export function fingerprint(blob: string): string {
  const digest = createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}
