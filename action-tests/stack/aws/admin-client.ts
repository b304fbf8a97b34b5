// Typed client for the emulator's `/__admin/...` routes, for tests in another process than the
// server (jest workers, the e2e runner). In the server's own process the handle returned by
// `startAwsServer` has the same methods.
import type { CallFilter, CallRecord, DenyRule, DenyState, FaultRule, FaultState } from './server.ts';
import type { PutParameterInput } from './ssm.ts';
import type { ManagedInstance } from './ssm-run-command.ts';

/** A Run Command command as the admin route shows it (dates as epoch seconds). */
export interface AdminCommand {
  CommandId: string;
  Region: string;
  Status: string;
  StatusDetails: string;
  TargetCount: number;
  ErrorCount: number;
  MaxConcurrency: string;
  MaxErrors: string;
  Invocations: Array<{
    InstanceId: string;
    Status: string;
    StatusDetails: string;
    ResponseCode: number;
    Start?: number;
    End?: number;
    Directory: string;
  }>;
}

export interface AdminParameter {
  Region: string;
  Name: string;
  Type: string;
  Value: string;
  Version: number;
  /** Epoch seconds. */
  LastModifiedDate: number;
  ARN: string;
  DataType: string;
  Tier: string;
}

/** An object as `GET /__admin/s3/objects` describes it. */
export interface AdminS3Object {
  key: string;
  size: number;
  /** Quoted, as S3 returns it. */
  etag: string;
  lastModified: string;
  contentType: string;
  cacheControl: string | null;
  contentEncoding: string | null;
  metadata: Record<string, string>;
  checksum: { algorithm: string; value: string; type: string } | null;
  parts: number | null;
}

/** An invalidation as `GET /__admin/cloudfront/invalidations` describes it. */
export interface AdminInvalidation {
  id: string;
  distributionId: string;
  callerReference: string;
  paths: string[];
  createTime: string;
  status: 'InProgress' | 'Completed';
}

export class AdminError extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, body: unknown, route: string) {
    super(`${route} -> HTTP ${status}: ${JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

export interface AwsAdminClient {
  health(): Promise<{ ok: boolean; accountId: string; services: string[] }>;
  reset(): Promise<void>;
  calls(filter?: CallFilter): Promise<CallRecord[]>;
  clearCalls(): Promise<number>;
  addFault(rule: FaultRule): Promise<FaultState>;
  faults(): Promise<FaultState[]>;
  clearFaults(): Promise<void>;
  forbid(rule: DenyRule): Promise<DenyState>;
  forbidden(): Promise<DenyState[]>;
  clearForbidden(): Promise<void>;
  ssm: {
    /** Create/overwrite parameters directly (Type defaults to String, Overwrite to true). */
    put(
      region: string,
      parameters: (Omit<PutParameterInput, 'Type'> & { Type?: string })[],
    ): Promise<{ Name: string; Version: number; Tier: string }[]>;
    /** Current versions with plaintext values; all regions when `region` is omitted. */
    list(region?: string): Promise<AdminParameter[]>;
    clear(region?: string): Promise<void>;
    /** Run Command: register managed nodes (all run their commands on this machine). */
    registerInstances(instances: ManagedInstance[]): Promise<ManagedInstance[]>;
    instances(): Promise<ManagedInstance[]>;
    /** Run Command: every command sent, with its invocations. */
    commands(): Promise<AdminCommand[]>;
  };
  s3: {
    buckets(): Promise<{ name: string; region: string; objects: number; bytes: number; uploads: number }[]>;
    createBucket(name: string, region: string): Promise<void>;
    /** Objects sorted by key (UTF-8 byte order). */
    objects(bucket: string, prefix?: string): Promise<AdminS3Object[]>;
    object(bucket: string, key: string): Promise<(AdminS3Object & { bodyBase64: string }) | undefined>;
    putObject(input: {
      bucket: string;
      key: string;
      text?: string;
      base64?: string;
      contentType?: string;
      cacheControl?: string;
      metadata?: Record<string, string>;
    }): Promise<AdminS3Object>;
    /** Deletes the objects under `prefix` (all when omitted); returns how many. */
    clear(bucket: string, prefix?: string): Promise<number>;
  };
  cloudfront: {
    /** Every invalidation recorded (oldest first), of one distribution or all. */
    invalidations(distributionId?: string): Promise<AdminInvalidation[]>;
    /** Complete every in-progress invalidation now; returns how many. */
    completeAll(): Promise<number>;
    /** How long new invalidations stay InProgress. */
    setCompleteAfterMs(ms: number): Promise<void>;
  };
}

export function awsAdmin(baseUrl: string): AwsAdminClient {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(new URL(path, baseUrl), {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const parsed: unknown = text === '' ? null : JSON.parse(text);
    if (!res.ok) throw new AdminError(res.status, parsed, `${method} ${path}`);
    return parsed as T;
  }
  const qs = (params: Record<string, string | undefined>): string => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
    const s = q.toString();
    return s === '' ? '' : `?${s}`;
  };
  return {
    health: () => call('GET', '/__admin/health'),
    reset: async () => {
      await call('POST', '/__admin/reset');
    },
    calls: async (filter = {}) =>
      (await call<{ calls: CallRecord[] }>('GET', `/__admin/calls${qs({ ...filter })}`)).calls,
    clearCalls: async () => (await call<{ cleared: number }>('DELETE', '/__admin/calls')).cleared,
    addFault: (rule) => call('POST', '/__admin/faults', rule),
    faults: async () => (await call<{ faults: FaultState[] }>('GET', '/__admin/faults')).faults,
    clearFaults: async () => {
      await call('DELETE', '/__admin/faults');
    },
    forbid: (rule) => call('POST', '/__admin/forbidden', rule),
    forbidden: async () => (await call<{ rules: DenyState[] }>('GET', '/__admin/forbidden')).rules,
    clearForbidden: async () => {
      await call('DELETE', '/__admin/forbidden');
    },
    ssm: {
      put: async (region, parameters) =>
        (
          await call<{ results: { Name: string; Version: number; Tier: string }[] }>(
            'POST',
            '/__admin/ssm/parameters',
            { region, parameters },
          )
        ).results,
      list: async (region) =>
        (await call<{ parameters: AdminParameter[] }>('GET', `/__admin/ssm/parameters${qs({ region })}`))
          .parameters,
      clear: async (region) => {
        await call('DELETE', `/__admin/ssm/parameters${qs({ region })}`);
      },
      registerInstances: async (instances) =>
        (await call<{ instances: ManagedInstance[] }>('POST', '/__admin/ssm/instances', { instances }))
          .instances,
      instances: async () =>
        (await call<{ instances: ManagedInstance[] }>('GET', '/__admin/ssm/instances')).instances,
      commands: async () =>
        (await call<{ commands: AdminCommand[] }>('GET', '/__admin/ssm/commands')).commands,
    },
    s3: {
      buckets: async () => (await call<{ buckets: never[] }>('GET', '/__admin/s3/buckets')).buckets,
      createBucket: async (name, region) => {
        await call('POST', '/__admin/s3/buckets', { name, region });
      },
      objects: async (bucket, prefix) =>
        (await call<{ objects: AdminS3Object[] }>('GET', `/__admin/s3/objects${qs({ bucket, prefix })}`))
          .objects,
      object: async (bucket, key) => {
        try {
          return await call<AdminS3Object & { bodyBase64: string }>(
            'GET',
            `/__admin/s3/object${qs({ bucket, key })}`,
          );
        } catch (e) {
          if (e instanceof AdminError && e.status === 404) return undefined;
          throw e;
        }
      },
      putObject: (input) => call('PUT', '/__admin/s3/object', input),
      clear: async (bucket, prefix) =>
        (await call<{ deleted: number }>('DELETE', `/__admin/s3/objects${qs({ bucket, prefix })}`)).deleted,
    },
    cloudfront: {
      invalidations: async (distribution) =>
        (
          await call<{ invalidations: AdminInvalidation[] }>(
            'GET',
            `/__admin/cloudfront/invalidations${qs({ distribution })}`,
          )
        ).invalidations,
      completeAll: async () =>
        (await call<{ completed: number }>('POST', '/__admin/cloudfront/complete')).completed,
      setCompleteAfterMs: async (ms) => {
        await call('POST', '/__admin/cloudfront/settings', { completeAfterMs: ms });
      },
    },
  };
}
