// The AWS endpoint emulator: one loopback HTTP server for every emulated service. A request is
// authenticated with SigV4 (verified against the configured secret), routed by the credential
// scope's service name to a ServiceHandler, and recorded in a call log. Tests steer it through
// `/__admin/...` (plain JSON, no auth, loopback only) or the returned handle's methods.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseSignature, verifySignature, DEFAULT_MAX_SKEW_MS } from './sigv4.ts';
import {
  AwsError,
  type AwsCredentials,
  type CallContext,
  type DecodedCall,
  type HttpResult,
  type RawRequest,
  type ServiceHandler,
} from './types.ts';

export { AwsError } from './types.ts';
export type { AwsCredentials, ServiceHandler } from './types.ts';

export interface AwsServerOptions {
  /** Interface to listen on; default 127.0.0.1 (admin routes only answer loopback clients anyway). */
  host?: string;
  /** 0 (default) = any free port. */
  port?: number;
  /** 12-digit account id used in ARNs and messages. */
  accountId: string;
  /** Accepted access key(s). */
  credentials: AwsCredentials | AwsCredentials[];
  services: ServiceHandler[];
  /** Allowed clock skew of signed requests (AWS: 15 minutes). `Infinity` disables the check. */
  maxClockSkewMs?: number;
  /** Largest accepted request body; default 32 MiB. */
  maxBodyBytes?: number;
}

/** Make the next matching calls fail (or stall). Matches on every given field. */
export interface FaultRule {
  service?: string;
  operation?: string;
  region?: string;
  /** How many matching calls to affect; default 1. Ignored with `always`. */
  count?: number;
  always?: boolean;
  /**
   * Rate-based: affect every Nth matching call (1 = all). With `count`, `count` affected calls in
   * total; with `always` (or no count), indefinitely. Deterministic, so tests stay reproducible.
   */
  every?: number;
  /** Error code to return, e.g. `ThrottlingException`, `InternalServerError`. */
  code?: string;
  /** HTTP status; default 500 for Internal... codes, 503 for ServiceUnavailable..., else 400. */
  status?: number;
  /** Error message; default by code (`Rate exceeded` for throttling), none if unknown. */
  message?: string;
  /** Wait this long before answering (alone: a slow but successful call). */
  delayMs?: number;
  /** Drop the connection without a response (the SDK sees a network error). */
  resetConnection?: boolean;
}

export interface FaultState extends FaultRule {
  id: string;
  /** Calls still to affect; `null` with `always`. */
  remaining: number | null;
  hits: number;
  /** Matching calls seen (for `every`). */
  seen: number;
}

/** Deny access to named resources (SSM: parameter names or paths; `*` and `?` are wildcards). */
export interface DenyRule {
  names: string[];
  /** Default: every service. */
  service?: string;
  /** Default: every region. */
  region?: string;
  /** Operations denied, e.g. `GetParameters`; default all. */
  operations?: string[];
  /** Word the message as an explicit deny ("with an explicit deny in an identity-based policy"). */
  explicit?: boolean;
}

export interface DenyState extends DenyRule {
  id: string;
}

export interface CallRecord {
  seq: number;
  time: string;
  requestId: string;
  /** '' when the request named no known service. */
  service: string;
  /** '' when the operation could not be decoded. */
  operation: string;
  region: string;
  accessKeyId: string;
  /** Secret-free input summary (SSM: names, paths, flags; never values). */
  input: Record<string, unknown>;
  status: number;
  /** Error code when the call failed. */
  error?: string;
  /** True when the error/delay came from an injected fault. */
  injected?: boolean;
}

export interface CallFilter {
  service?: string;
  operation?: string;
  region?: string;
}

export interface AwsServer {
  /** Base URL (`http://127.0.0.1:PORT`) for every client: `endpoint` or `AWS_ENDPOINT_URL[_<SERVICE>]`. */
  url: string;
  host: string;
  port: number;
  accountId: string;
  /** Environment for an SDK client or CLI in another process (endpoint, keys, region). */
  env(region: string, credentials?: AwsCredentials): Record<string, string>;
  /** Reset everything: service state, call log, faults, deny rules. */
  reset(): void;
  calls(filter?: CallFilter): CallRecord[];
  clearCalls(): number;
  addFault(rule: FaultRule): FaultState;
  faults(): FaultState[];
  clearFaults(): void;
  forbid(rule: DenyRule): DenyState;
  forbidden(): DenyState[];
  clearForbidden(): void;
  service(name: string): ServiceHandler | undefined;
  close(): Promise<void>;
}

const DEFAULT_MESSAGES: Record<string, string> = {
  ThrottlingException: 'Rate exceeded',
  Throttling: 'Rate exceeded',
  TooManyRequestsException: 'Too Many Requests',
  InternalServerError: 'An internal error occurred.',
  InternalFailure: 'The request processing has failed because of an unknown error, exception or failure.',
  ServiceUnavailable: 'Service Unavailable',
  ServiceUnavailableException: 'Service Unavailable',
  // S3
  InternalError: 'We encountered an internal error. Please try again.',
  SlowDown: 'Please reduce your request rate.',
};

function defaultStatus(code: string): number {
  if (/^Internal/.test(code)) return 500;
  if (/^ServiceUnavailable/.test(code) || code === 'SlowDown') return 503;
  return 400;
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

function isLoopback(address: string | undefined): boolean {
  return (
    address !== undefined &&
    (address.startsWith('127.') || address === '::1' || address === '::ffff:127.0.0.1')
  );
}

class BadAdminRequest extends Error {}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new BadAdminRequest(`${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function optString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '')
    throw new BadAdminRequest(`'${key}' must be a non-empty string`);
  return value;
}

function optNumber(body: Record<string, unknown>, key: string, min: number): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new BadAdminRequest(`'${key}' must be an integer >= ${min}`);
  }
  return value;
}

function optBoolean(body: Record<string, unknown>, key: string): boolean | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new BadAdminRequest(`'${key}' must be a boolean`);
  return value;
}

function optStringList(body: Record<string, unknown>, key: string): string[] | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
    throw new BadAdminRequest(`'${key}' must be a list of non-empty strings`);
  }
  return value as string[];
}

/** Validate a fault rule (from JSON or code). */
export function parseFaultRule(input: unknown): FaultRule {
  const body = asRecord(input, 'fault rule');
  const rule: FaultRule = {};
  const service = optString(body, 'service');
  const operation = optString(body, 'operation');
  const region = optString(body, 'region');
  const count = optNumber(body, 'count', 1);
  const always = optBoolean(body, 'always');
  const every = optNumber(body, 'every', 1);
  const code = optString(body, 'code');
  const status = optNumber(body, 'status', 100);
  const message = body['message'];
  const delayMs = optNumber(body, 'delayMs', 0);
  const resetConnection = optBoolean(body, 'resetConnection');
  if (message !== undefined && typeof message !== 'string')
    throw new BadAdminRequest("'message' must be a string");
  if (status !== undefined && status > 599) throw new BadAdminRequest("'status' must be an HTTP status");
  if (code === undefined && !resetConnection && delayMs === undefined) {
    throw new BadAdminRequest("a fault needs 'code', 'resetConnection' or 'delayMs'");
  }
  if (code !== undefined && resetConnection)
    throw new BadAdminRequest("'code' and 'resetConnection' exclude each other");
  if (service !== undefined) rule.service = service;
  if (operation !== undefined) rule.operation = operation;
  if (region !== undefined) rule.region = region;
  if (count !== undefined) rule.count = count;
  if (always !== undefined) rule.always = always;
  if (every !== undefined) rule.every = every;
  if (code !== undefined) rule.code = code;
  if (status !== undefined) rule.status = status;
  if (typeof message === 'string') rule.message = message;
  if (delayMs !== undefined) rule.delayMs = delayMs;
  if (resetConnection !== undefined) rule.resetConnection = resetConnection;
  return rule;
}

/** Validate a deny rule (from JSON or code). */
export function parseDenyRule(input: unknown): DenyRule {
  const body = asRecord(input, 'deny rule');
  const names = optStringList(body, 'names');
  if (names === undefined || names.length === 0)
    throw new BadAdminRequest("'names' must list at least one name");
  const rule: DenyRule = { names };
  const service = optString(body, 'service');
  const region = optString(body, 'region');
  const operations = optStringList(body, 'operations');
  const explicit = optBoolean(body, 'explicit');
  if (service !== undefined) rule.service = service;
  if (region !== undefined) rule.region = region;
  if (operations !== undefined) rule.operations = operations;
  if (explicit !== undefined) rule.explicit = explicit;
  return rule;
}

function defaultErrorResult(err: AwsError): HttpResult {
  const body: Record<string, unknown> = { __type: err.code };
  if (err.awsMessage !== undefined) body['message'] = err.awsMessage;
  return {
    status: err.status,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': err.code },
    body: JSON.stringify(body),
  };
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new AwsError('RequestEntityTooLarge', 413, `Request body larger than ${limit} bytes.`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function toRawRequest(req: IncomingMessage, body: Buffer): RawRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return {
    method: req.method ?? 'GET',
    rawPath: q < 0 ? url : url.slice(0, q),
    rawQuery: q < 0 ? '' : url.slice(q + 1),
    headers,
    body,
  };
}

export async function startAwsServer(opts: AwsServerOptions): Promise<AwsServer> {
  const host = opts.host ?? '127.0.0.1';
  const accountId = opts.accountId;
  const credentialList = Array.isArray(opts.credentials) ? opts.credentials : [opts.credentials];
  const keys = new Map(credentialList.map((c) => [c.accessKeyId, c]));
  const services = new Map(opts.services.map((s) => [s.name, s]));
  if (services.size !== opts.services.length) throw new Error('two services share a signing name');
  const maxSkewMs = opts.maxClockSkewMs ?? DEFAULT_MAX_SKEW_MS;
  const maxBodyBytes = opts.maxBodyBytes ?? 32 * 1024 * 1024;

  let calls: CallRecord[] = [];
  let seq = 0;
  let faults: FaultState[] = [];
  let denies: DenyState[] = [];
  let nextId = 1;

  const principalOf = (c: AwsCredentials): string =>
    c.principalArn ?? `arn:aws:sts::${accountId}:assumed-role/emulator-role/emulator-session`;

  const matchesCall = (
    rule: { service?: string; operation?: string; region?: string },
    c: CallFilter,
  ): boolean =>
    (rule.service === undefined || rule.service === c.service) &&
    (rule.operation === undefined || rule.operation === c.operation) &&
    (rule.region === undefined || rule.region === c.region);

  function takeFault(ctx: CallFilter): FaultState | undefined {
    for (const f of faults) {
      if ((f.remaining !== null && f.remaining <= 0) || !matchesCall(f, ctx)) continue;
      f.seen += 1;
      if (f.every !== undefined && f.seen % f.every !== 0) continue;
      return hit(f);
    }
    return undefined;
  }

  function hit(fault: FaultState): FaultState {
    fault.hits += 1;
    if (fault.remaining !== null) fault.remaining -= 1;
    return fault;
  }

  function checkAccess(service: ServiceHandler, call: DecodedCall, ctx: CallContext): void {
    const names = service.resources(call);
    if (names.length === 0 || denies.length === 0) return;
    for (const name of names) {
      const rule = denies.find(
        (d) =>
          matchesCall({ service: d.service, region: d.region }, ctx) &&
          (d.operations === undefined || d.operations.includes(ctx.operation)) &&
          d.names.some((pattern) => globToRegExp(pattern).test(name)),
      );
      if (rule === undefined) continue;
      const action = `${service.name}:${ctx.operation}`;
      const why = rule.explicit
        ? 'with an explicit deny in an identity-based policy'
        : `because no identity-based policy allows the ${action} action`;
      const message = `User: ${ctx.principalArn} is not authorized to perform: ${action} on resource: ${service.resourceArn(name, ctx.region, accountId)} ${why}`;
      throw service.accessDenied?.(message) ?? new AwsError('AccessDeniedException', 400, message);
    }
  }

  const controls = {
    reset(): void {
      for (const s of services.values()) s.reset();
      calls = [];
      faults = [];
      denies = [];
    },
    calls(filter: CallFilter = {}): CallRecord[] {
      return calls.filter((c) => matchesCall(filter, c)).map((c) => structuredClone(c));
    },
    clearCalls(): number {
      const n = calls.length;
      calls = [];
      return n;
    },
    addFault(rule: FaultRule): FaultState {
      const parsed = parseFaultRule(rule);
      const state: FaultState = {
        ...parsed,
        id: `fault-${nextId++}`,
        remaining:
          parsed.always || (parsed.every !== undefined && parsed.count === undefined)
            ? null
            : (parsed.count ?? 1),
        hits: 0,
        seen: 0,
      };
      faults.push(state);
      return { ...state };
    },
    faults: (): FaultState[] => faults.map((f) => ({ ...f })),
    clearFaults(): void {
      faults = [];
    },
    forbid(rule: DenyRule): DenyState {
      const state: DenyState = { ...parseDenyRule(rule), id: `deny-${nextId++}` };
      denies.push(state);
      return { ...state };
    },
    forbidden: (): DenyState[] => denies.map((d) => ({ ...d })),
    clearForbidden(): void {
      denies = [];
    },
  };

  async function handleAdmin(
    req: IncomingMessage,
    raw: RawRequest,
  ): Promise<{ status: number; body: unknown }> {
    if (!isLoopback(req.socket.remoteAddress))
      return { status: 403, body: { error: 'admin routes are loopback-only' } };
    const path = raw.rawPath.replace(/\/+$/, '');
    const query = new URLSearchParams(raw.rawQuery);
    let body: unknown = undefined;
    if (raw.body.length > 0) {
      try {
        body = JSON.parse(raw.body.toString('utf8'));
      } catch {
        throw new BadAdminRequest('body is not valid JSON');
      }
    }
    const route = `${raw.method} ${path}`;
    const filter = (): CallFilter => {
      const f: CallFilter = {};
      for (const key of ['service', 'operation', 'region'] as const) {
        const v = query.get(key);
        if (v !== null) f[key] = v;
      }
      return f;
    };
    switch (route) {
      case 'GET /__admin/health':
        return { status: 200, body: { ok: true, accountId, services: [...services.keys()] } };
      case 'POST /__admin/reset':
        controls.reset();
        return { status: 200, body: { ok: true } };
      case 'GET /__admin/calls':
        return { status: 200, body: { calls: controls.calls(filter()) } };
      case 'DELETE /__admin/calls':
        return { status: 200, body: { cleared: controls.clearCalls() } };
      case 'GET /__admin/faults':
        return { status: 200, body: { faults: controls.faults() } };
      case 'POST /__admin/faults':
        return { status: 200, body: controls.addFault(parseFaultRule(body)) };
      case 'DELETE /__admin/faults':
        controls.clearFaults();
        return { status: 200, body: { ok: true } };
      case 'GET /__admin/forbidden':
        return { status: 200, body: { rules: controls.forbidden() } };
      case 'POST /__admin/forbidden':
        return { status: 200, body: controls.forbid(parseDenyRule(body)) };
      case 'DELETE /__admin/forbidden':
        controls.clearForbidden();
        return { status: 200, body: { ok: true } };
    }
    const m = /^\/__admin\/([^/]+)(\/.*)?$/.exec(path);
    const service = m ? services.get(m[1]!) : undefined;
    if (m && service?.admin) {
      const result = await service.admin({ method: raw.method, path: m[2] ?? '/', query, body });
      if (result !== undefined) return result;
    }
    return { status: 404, body: { error: `no admin route ${route}` } };
  }

  function send(res: ServerResponse, requestId: string, result: HttpResult): void {
    const body = typeof result.body === 'string' ? Buffer.from(result.body, 'utf8') : result.body;
    // A HEAD result may declare the length of the entity it describes (S3 HeadObject).
    res.writeHead(result.status, {
      'content-length': String(body.length),
      ...result.headers,
      'x-amzn-requestid': requestId,
    });
    res.end(body);
  }

  async function handleAws(raw: RawRequest, res: ServerResponse, requestId: string): Promise<void> {
    const record: CallRecord = {
      seq: ++seq,
      time: new Date().toISOString(),
      requestId,
      service: '',
      operation: '',
      region: '',
      accessKeyId: '',
      input: {},
      status: 0,
    };
    calls.push(record);
    let service: ServiceHandler | undefined = [...services.values()].find((s) => s.claims(raw));
    let call: DecodedCall | undefined;
    const describe = (): void => {
      if (service === undefined) return;
      record.service = service.name;
      try {
        call ??= service.decode(raw);
        record.operation = call.operation;
        record.input = service.summarize(call);
      } catch {
        // undecodable: leave operation empty
      }
    };
    const fail = (err: AwsError, injected = false): void => {
      if (record.operation === '') describe();
      record.status = err.status;
      record.error = err.code;
      if (injected) record.injected = true;
      send(res, requestId, service ? service.renderError(err, requestId) : defaultErrorResult(err));
    };

    try {
      const sig = parseSignature(raw);
      if (sig === undefined)
        throw new AwsError('MissingAuthenticationTokenException', 400, 'Missing Authentication Token');
      record.region = sig.region;
      record.accessKeyId = sig.accessKeyId;
      const scoped = services.get(sig.service);
      if (scoped === undefined) {
        throw new AwsError(
          'UnknownOperationException',
          400,
          `The AWS emulator serves no service '${sig.service}' (it serves: ${[...services.keys()].join(', ')}).`,
        );
      }
      service = scoped;
      const cred = keys.get(sig.accessKeyId);
      if (cred === undefined || (cred.sessionToken ?? undefined) !== sig.securityToken) {
        throw new AwsError(
          'UnrecognizedClientException',
          400,
          'The security token included in the request is invalid.',
        );
      }
      verifySignature(raw, sig, cred.secretAccessKey, {
        doubleEncodePath: service.doubleEncodePath ?? true,
        maxSkewMs,
      });
      call = service.decode(raw);
      describe();
      const ctx: CallContext = {
        service: service.name,
        operation: call.operation,
        region: sig.region,
        accountId,
        accessKeyId: sig.accessKeyId,
        principalArn: principalOf(cred),
        requestId,
      };
      const fault = takeFault(ctx);
      if (fault !== undefined) {
        record.injected = true;
        if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
        if (fault.resetConnection) {
          record.status = 0;
          record.error = 'ConnectionReset';
          record.injected = true;
          res.socket?.destroy();
          return;
        }
        if (fault.code !== undefined) {
          const err = new AwsError(
            fault.code,
            fault.status ?? defaultStatus(fault.code),
            fault.message ?? DEFAULT_MESSAGES[fault.code],
          );
          fail(err, true);
          return;
        }
      }
      checkAccess(service, call, ctx);
      const result = await service.invoke(call, ctx);
      record.status = result.status;
      send(res, requestId, result);
    } catch (e) {
      if (e instanceof AwsError) {
        fail(e);
        return;
      }
      const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
      process.stderr.write(
        `aws emulator: internal error in ${record.service}.${record.operation}: ${message}\n`,
      );
      fail(
        new AwsError(
          'InternalFailure',
          500,
          `AWS emulator internal error: ${e instanceof Error ? e.message : String(e)}`,
        ),
      );
    }
  }

  const server = createServer((req, res) => {
    const requestId = randomUUID();
    readBody(req, maxBodyBytes)
      .then(async (body) => {
        const raw = toRawRequest(req, body);
        if (raw.rawPath === '/__admin' || raw.rawPath.startsWith('/__admin/')) {
          let result: { status: number; body: unknown };
          try {
            result = await handleAdmin(req, raw);
          } catch (e) {
            if (!(e instanceof BadAdminRequest || e instanceof AwsError)) throw e;
            result = {
              status: 400,
              body: { error: e.message, ...(e instanceof AwsError ? { code: e.code } : {}) },
            };
          }
          send(res, requestId, {
            status: result.status,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(result.body ?? null),
          });
          return;
        }
        await handleAws(raw, res, requestId);
      })
      .catch((e: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const err = e instanceof AwsError ? e : new AwsError('InternalFailure', 500, String(e));
        send(res, requestId, defaultErrorResult(err));
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    host,
    port,
    accountId,
    env(region: string, credentials: AwsCredentials = credentialList[0]!): Record<string, string> {
      const env: Record<string, string> = {
        AWS_ENDPOINT_URL: url,
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_EC2_METADATA_DISABLED: 'true',
      };
      for (const name of services.keys()) env[`AWS_ENDPOINT_URL_${name.toUpperCase()}`] = url;
      if (credentials.sessionToken !== undefined) env['AWS_SESSION_TOKEN'] = credentials.sessionToken;
      return env;
    },
    ...controls,
    service: (name) => services.get(name),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
