import {
  InputError,
  type InputSource,
  quote,
  readBoolean,
  readChoice,
  readList,
  readNumber,
  readString,
} from '../lib/inputs.ts';
import { HOST_EXPECTED, parseHost, USER_EXPECTED, USER_PATTERN } from '../lib/ssh.ts';

export type Transport = 'ssh' | 'ssm';

export interface SsmTarget {
  Key: string;
  Values: string[];
}

export interface Inputs {
  jar: string;
  transport: Transport;
  hosts: string[];
  user: string;
  keyPath: string;
  knownHostsPath: string;
  hostKeyFingerprints: string[];
  port: number;
  insecureSkipHostKeyCheck: boolean;
  service: string;
  appDir: string;
  keepReleases: number;
  healthUrl: string;
  healthTimeout: number;
  lockTimeout: number;
  force: boolean;
  instanceIds: string[];
  targets: SsmTarget[];
  artifactBucket: string;
  artifactPrefix: string;
  maxConcurrency: string;
  maxErrors: string;
  awsRegion: string;
}

/** Characters that mean something to a shell: none of them may reach the host in a value. */
const SHELL_META = /[;&|`$<>(){}'"\\!#~\s]/;

// A systemd unit name: letters, digits and _ . @ -, optionally ending in .service.
export const SERVICE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,200}$/;
const SERVICE_EXPECTED = 'a systemd unit name such as my-api or my-api.service (letters, digits, _ . @ -)';
export const APP_DIR_PATTERN = /^\/[A-Za-z0-9._/-]{0,200}$/;
const APP_DIR_EXPECTED = 'an absolute directory such as /opt/app (letters, digits, . _ - and /, no ..)';
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
const JAR_PATTERN = /^[A-Za-z0-9._/*?[\]@+,=:-]+$/;
export const HEALTH_URL_PATTERN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~/%?&=+:@,-]*)?$/;
const INSTANCE_ID = /^(i|mi)-[0-9a-f]{8,17}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const RATE = /^([1-9]\d{0,4}|[1-9]\d?%|100%)$/;
const ERRORS = /^(\d{1,5}|\d{1,2}%|100%)$/;

export function parseInputs(get: InputSource): Inputs {
  const jar = readString(get, 'jar', {
    required: true,
    expected:
      'the path (or a glob matching exactly one file) of the jar to deploy, e.g. build/libs/app-*.jar',
  });
  if (!JAR_PATTERN.test(jar)) {
    throw new InputError(
      'jar',
      `invalid value ${quote(jar)}. Expected a path or glob of letters, digits and . _ - / * ? [ ] @ + , = : (no spaces or shell metacharacters).`,
    );
  }
  const transport = readChoice(get, 'transport', ['ssh', 'ssm'] as const, 'ssh');
  const service = readString(get, 'service', {
    required: true,
    pattern: SERVICE_PATTERN,
    expected: SERVICE_EXPECTED,
  });
  const appDir =
    readString(get, 'app-dir', { pattern: APP_DIR_PATTERN, expected: APP_DIR_EXPECTED }) || '/opt/app';
  if (appDir === '/' || appDir.split('/').some((s, i) => (i > 0 && s === '') || s === '.' || s === '..')) {
    throw new InputError('app-dir', `invalid value ${quote(appDir)}. Expected ${APP_DIR_EXPECTED}.`);
  }
  const healthUrl = readString(get, 'health-url', {
    pattern: HEALTH_URL_PATTERN,
    expected: 'an http(s) URL checked from the host itself, e.g. http://127.0.0.1:8080/health',
  });
  const keepReleases = readNumber(get, 'keep-releases', 5, { min: 1, max: 100 });
  const healthTimeout = readNumber(get, 'health-timeout', 60, { min: 1, max: 3600, unit: 'seconds' });
  const lockTimeout = readNumber(get, 'lock-timeout', 600, { min: 0, max: 7200, unit: 'seconds' });
  const force = readBoolean(get, 'force', false);
  const insecureSkipHostKeyCheck = readBoolean(get, 'insecure-skip-host-key-check', false);
  const port = readNumber(get, 'port', 22, { min: 1, max: 65535 });

  const user = readString(get, 'user', { pattern: USER_PATTERN, expected: USER_EXPECTED }) || 'ec2-user';
  const keyPath = readString(get, 'key-path');
  if (keyPath && (SHELL_META.test(keyPath) || keyPath.startsWith('-'))) {
    throw new InputError(
      'key-path',
      `invalid value ${quote(keyPath)}. Expected a file path without spaces or shell metacharacters.`,
    );
  }
  const knownHostsPath = readString(get, 'known-hosts-path');
  if (knownHostsPath && (SHELL_META.test(knownHostsPath) || knownHostsPath.startsWith('-'))) {
    throw new InputError(
      'known-hosts-path',
      `invalid value ${quote(knownHostsPath)}. Expected a file path without spaces or shell metacharacters.`,
    );
  }
  const hostKeyFingerprints = readList(get, 'host-key-fingerprint', { commas: true });
  for (const f of hostKeyFingerprints) {
    if (!FINGERPRINT.test(f)) {
      throw new InputError(
        'host-key-fingerprint',
        `invalid value ${quote(f)}. Expected an OpenSSH SHA256 fingerprint such as SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s (ssh-keygen -lf KEY.pub).`,
      );
    }
  }

  const hosts: string[] = [];
  for (const raw of readList(get, 'host', { commas: true }).flatMap((h) => h.split(/\s+/))) {
    const host = parseHost(raw);
    if (!host)
      throw new InputError('host', `invalid value ${quote(raw)}. Expected ${HOST_EXPECTED}, one per line.`);
    if (!hosts.includes(host)) hosts.push(host);
  }

  const instanceIds = readList(get, 'instance-ids', { commas: true }).flatMap((h) => h.split(/\s+/));
  for (const id of instanceIds) {
    if (!INSTANCE_ID.test(id)) {
      throw new InputError(
        'instance-ids',
        `invalid value ${quote(id)}. Expected EC2 instance ids such as i-0123456789abcdef0.`,
      );
    }
  }
  const targets = readList(get, 'targets').map((line) => parseTarget(line));
  const artifactBucket = readString(get, 'artifact-bucket', {
    pattern: BUCKET,
    expected: 'an S3 bucket name such as my-deploy-artifacts',
  });
  const artifactPrefix = readString(get, 'artifact-prefix', {
    pattern: /^[A-Za-z0-9!_.*'()/-]{0,200}$/,
    expected: "an S3 key prefix such as deploy-jar-ec2/ (letters, digits, / ! _ . * ' ( ) -)",
  });
  const maxConcurrency = readString(get, 'max-concurrency', {
    pattern: RATE,
    expected: 'a number of instances (e.g. 1) or a percentage (e.g. 25%)',
  });
  const maxErrors = readString(get, 'max-errors', {
    pattern: ERRORS,
    expected: 'a number of failed instances (e.g. 0) or a percentage (e.g. 10%)',
  });

  if (transport === 'ssh') {
    if (hosts.length === 0) {
      throw new InputError(
        'host',
        `is required with transport ssh: ${HOST_EXPECTED}; several hosts one per line.`,
      );
    }
    if (!knownHostsPath && hostKeyFingerprints.length === 0 && !insecureSkipHostKeyCheck) {
      throw new InputError(
        'known-hosts-path',
        'no host key is pinned, so the host cannot be told from an impostor. Set known-hosts-path (e.g. the known-hosts-path output of fetch-ssm-target) or host-key-fingerprint (SHA256:..., from ssh-keygen -lf). Only for throwaway hosts: insecure-skip-host-key-check: true.',
      );
    }
  } else {
    if (instanceIds.length === 0 && targets.length === 0) {
      throw new InputError(
        'instance-ids',
        'transport ssm needs instance-ids (i-0123...) or targets (tag:Role=api).',
      );
    }
    if (instanceIds.length > 0 && targets.length > 0) {
      throw new InputError(
        'targets',
        'give either instance-ids or targets, not both (SendCommand accepts one of them).',
      );
    }
    if (instanceIds.length > 50)
      throw new InputError('instance-ids', 'at most 50 instance ids; use targets for larger fleets.');
    if (targets.length > 5)
      throw new InputError('targets', 'at most 5 target lines (the SendCommand limit).');
    if (!artifactBucket) {
      throw new InputError(
        'artifact-bucket',
        'is required with transport ssm: the S3 bucket the instances download the jar from.',
      );
    }
  }

  return Object.freeze({
    jar,
    transport,
    hosts,
    user,
    keyPath,
    knownHostsPath,
    hostKeyFingerprints,
    port,
    insecureSkipHostKeyCheck,
    service,
    appDir,
    keepReleases,
    healthUrl,
    healthTimeout,
    lockTimeout,
    force,
    instanceIds,
    targets,
    artifactBucket,
    artifactPrefix: artifactPrefix || 'deploy-jar-ec2/',
    maxConcurrency: maxConcurrency || '1',
    maxErrors: maxErrors || '0',
    awsRegion: get('aws-region').trim(),
  });
}

/** `tag:Role=api,web` or `InstanceIds=i-1,i-2` or `resource-groups:Name=g` -> a SendCommand target. */
export function parseTarget(line: string): SsmTarget {
  const m = /^(tag:[A-Za-z0-9 _.:/+@-]{1,128}|tag-key|InstanceIds|resource-groups:Name)=([^=]+)$/.exec(
    line.trim(),
  );
  const values = m
    ? m[2]!
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
    : [];
  if (!m || values.length === 0 || values.some((v) => !/^[A-Za-z0-9 _.:/+@-]{1,256}$/.test(v))) {
    throw new InputError(
      'targets',
      `invalid line ${quote(line)}. Expected tag:KEY=VALUE[,VALUE...] (e.g. tag:Role=api), tag-key=KEY or InstanceIds=i-...,i-..., one per line.`,
    );
  }
  return { Key: m[1]!, Values: values };
}
