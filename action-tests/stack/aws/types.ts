// Shared types of the AWS endpoint emulator: the framework (server.ts) talks to each service
// module through `ServiceHandler`; protocol helpers (json-protocol.ts, later rest-xml) build one.

/** An access key the emulator accepts. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** When set, requests must carry exactly this `X-Amz-Security-Token`; when unset, they must carry none. */
  sessionToken?: string;
  /** Principal named in AccessDenied messages; default `arn:aws:sts::ACCOUNT:assumed-role/emulator-role/emulator-session`. */
  principalArn?: string;
}

/** An AWS error as a service returns it; protocols render it (JSON 1.1: `{"__type", "message"}`). */
export class AwsError extends Error {
  readonly code: string;
  readonly status: number;
  /** `undefined` = the response carries no message member (as SSM's ParameterNotFound). */
  readonly awsMessage: string | undefined;
  /** Extra members of the error shape (JSON body members / XML elements). */
  readonly fields: Record<string, unknown>;

  constructor(code: string, status: number, message?: string, fields: Record<string, unknown> = {}) {
    super(message ?? code);
    this.name = code;
    this.code = code;
    this.status = status;
    this.awsMessage = message;
    this.fields = fields;
  }
}

/** The raw request, as received (header names lower-case; duplicate headers joined with ","). */
export interface RawRequest {
  method: string;
  /** Path exactly as on the wire (still percent-encoded), without the query. */
  rawPath: string;
  /** Query string as on the wire, without `?` ('' if none). */
  rawQuery: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** What the framework knows about an authenticated call. */
export interface CallContext {
  service: string;
  operation: string;
  region: string;
  accountId: string;
  accessKeyId: string;
  principalArn: string;
  requestId: string;
}

export interface DecodedCall {
  operation: string;
  input: unknown;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

/** A `/__admin/<service>/...` request routed to a service. */
export interface AdminRequest {
  method: string;
  /** Path below `/__admin/<service>`, e.g. `/parameters`. */
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export interface AdminResult {
  status: number;
  body: unknown;
}

/** One AWS service the emulator serves. Build JSON 1.1 ones with `jsonService()` (json-protocol.ts). */
export interface ServiceHandler {
  /** SigV4 signing name = the credential scope's service (`ssm`, `ecr`, `cloudfront`, `s3`). */
  readonly name: string;
  /** SigV4 canonical URI: every service but S3 encodes the path a second time (default true). */
  readonly doubleEncodePath?: boolean;
  /** For requests without a usable credential scope: is this request addressed to this service? */
  claims(req: RawRequest): boolean;
  /** Operation name and input of a request. Throws `AwsError` (e.g. SerializationException). */
  decode(req: RawRequest): DecodedCall;
  invoke(call: DecodedCall, ctx: CallContext): Promise<HttpResult>;
  renderError(err: AwsError, requestId: string): HttpResult;
  /** Small, secret-free summary of the input for the call log. */
  summarize(call: DecodedCall): Record<string, unknown>;
  /** Resource names the call touches, for the deny rules (`/__admin/forbidden`). */
  resources(call: DecodedCall): string[];
  /** ARN of a named resource, for AccessDenied messages. */
  resourceArn(name: string, region: string, accountId: string): string;
  /** The service's AccessDenied error (default: `AccessDeniedException`, HTTP 400, as JSON services). */
  accessDenied?(message: string): AwsError;
  /** Forget all state (every region). */
  reset(): void;
  /** Optional service-specific test routes under `/__admin/<name>/...`; `undefined` = not found. */
  admin?(req: AdminRequest): Promise<AdminResult | undefined> | AdminResult | undefined;
}

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}
