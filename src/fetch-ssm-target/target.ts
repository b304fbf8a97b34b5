import { UserError } from '../lib/errors.ts';
import type { Logger } from '../lib/log.ts';
import {
  describeKeyProblem,
  fingerprint,
  HOST_EXPECTED,
  knownHostsLines,
  normalisePrivateKey,
  parseHost,
  parseHostKeys,
  USER_EXPECTED,
  USER_PATTERN,
} from '../lib/ssh.ts';
import type { Inputs } from './inputs.ts';
import { type GetParametersBatch, type ParameterSet, readParameters } from './parameters.ts';

export interface TargetDeps {
  getBatch: GetParametersBatch;
  logger: Logger;
  /** Writes the key and known_hosts files; returns their paths. */
  writeFiles(files: {
    key: string;
    knownHosts?: string;
  }): Promise<{ keyPath: string; knownHostsPath?: string }>;
  region: string;
}

export interface TargetResult {
  outputs: Record<string, string>;
  host: string;
  user: string;
  hostKeyFingerprints: string[];
  parameters: Array<{ role: string; name: string; type: string; version?: number; found: boolean }>;
  calls: number;
}

export async function fetchTarget(inputs: Inputs, deps: TargetDeps): Promise<TargetResult> {
  const { logger } = deps;
  const roles: Array<{ role: string; name: string; optional: boolean }> = [
    { role: 'host', name: inputs.hostParameter, optional: false },
    { role: 'private key', name: inputs.privateKeyParameter, optional: false },
  ];
  if (inputs.userParameter) roles.push({ role: 'user', name: inputs.userParameter, optional: false });
  if (inputs.hostKeyParameter)
    roles.push({ role: 'host key', name: inputs.hostKeyParameter, optional: false });
  for (const e of inputs.extra) roles.push({ role: e.output, name: e.name, optional: e.optional });

  // The private key is masked even if someone stored it as a plain String.
  const set = await readParameters(
    roles.map((r) => r.name),
    deps.getBatch,
    (v) => logger.mask(v),
    new Set([inputs.privateKeyParameter]),
  );
  checkMissing(roles, set, deps.region);

  const value = (name: string) => set.found.get(name)?.value ?? '';

  const keyParam = set.found.get(inputs.privateKeyParameter)!;
  if (keyParam.type !== 'SecureString') {
    logger.warning(
      `The private key parameter ${inputs.privateKeyParameter} is a ${keyParam.type}; store it as a SecureString so it is encrypted at rest.`,
    );
  }
  const key = normalisePrivateKey(keyParam.value);
  if (!key.ok)
    throw new UserError(
      `The parameter ${inputs.privateKeyParameter} (private-key-parameter) ${describeKeyProblem(key.problem)}.`,
    );
  if (key.key !== keyParam.value) logger.mask(key.key);

  const host = parseHost(value(inputs.hostParameter));
  if (!host) {
    throw new UserError(
      `The parameter ${inputs.hostParameter} (host-parameter) does not hold a host. Expected ${HOST_EXPECTED}.`,
    );
  }
  let user = inputs.user;
  if (inputs.userParameter) {
    user = value(inputs.userParameter).trim();
    if (!USER_PATTERN.test(user)) {
      throw new UserError(
        `The parameter ${inputs.userParameter} (user-parameter) does not hold a user name. Expected ${USER_EXPECTED}.`,
      );
    }
  }

  let knownHosts: string | undefined;
  let hostKeyFingerprints: string[] = [];
  if (inputs.hostKeyParameter) {
    let keys;
    try {
      keys = parseHostKeys(value(inputs.hostKeyParameter));
    } catch (error) {
      throw new UserError(
        `The parameter ${inputs.hostKeyParameter} (host-key-parameter): ${(error as Error).message}.`,
      );
    }
    if (keys.length === 0)
      throw new UserError(`The parameter ${inputs.hostKeyParameter} (host-key-parameter) holds no host key.`);
    knownHosts = knownHostsLines(host, keys);
    hostKeyFingerprints = keys.map((k) => `${k.type} ${fingerprint(k.blob)}`);
  } else {
    logger.info(
      'No host-key-parameter given: no known_hosts file is written; the next step must pin the host key itself.',
    );
  }

  const files = await deps.writeFiles(knownHosts ? { key: key.key, knownHosts } : { key: key.key });

  const outputs: Record<string, string> = {
    host,
    user,
    'key-path': files.keyPath,
    'known-hosts-path': files.knownHostsPath ?? '',
  };
  for (const e of inputs.extra) {
    const p = set.found.get(e.name);
    if (!p) logger.info(`Optional parameter ${e.name} (${e.output}) does not exist; its output is empty.`);
    outputs[e.output] = p?.value ?? '';
  }

  return {
    outputs,
    host,
    user,
    hostKeyFingerprints,
    parameters: roles.map((r) => {
      const p = set.found.get(r.name);
      return { role: r.role, name: r.name, type: p?.type ?? '-', version: p?.version, found: Boolean(p) };
    }),
    calls: set.calls,
  };
}

function checkMissing(
  roles: ReadonlyArray<{ role: string; name: string; optional: boolean }>,
  set: ParameterSet,
  region: string,
): void {
  const missing = roles.filter((r) => !r.optional && set.missing.includes(r.name));
  if (missing.length === 0) return;
  const list = missing.map((r) => `${r.name} (${r.role})`).join(', ');
  const allMissing = set.found.size === 0;
  const hint = allMissing
    ? ` None of the ${roles.length} parameters exist in ${region}: check that aws-region is the region that holds them and that the names are right.`
    : ` Check the names, or list extra parameters that may be absent in optional-parameters.`;
  throw new UserError(`Missing SSM parameter${missing.length > 1 ? 's' : ''} in ${region}: ${list}.${hint}`);
}
