// Test helper: sign arbitrary requests with the AWS SDK's own SigV4 signer (@smithy/signature-v4,
// installed with @aws-sdk/client-ssm) and send them with node:http exactly as signed.
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { request } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { escapeUri } from '../sigv4.ts';

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    // unused by the signer
  }
}

export interface SignInput {
  url: string;
  method: string;
  /** Already percent-encoded path, as it goes on the wire. */
  path: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  body?: string;
  region: string;
  service: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** S3 signs the path as-is. */
  uriEscapePath?: boolean;
  /** Add `x-amz-content-sha256` (the signer's default: true). */
  applyChecksum?: boolean;
  signingDate?: Date;
}

export interface SignedRequest {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  body: string | undefined;
  url: string;
}

function httpRequestOf(input: SignInput) {
  const u = new URL(input.url);
  return {
    method: input.method,
    protocol: u.protocol,
    hostname: u.hostname,
    port: Number(u.port),
    path: input.path,
    query: input.query ?? {},
    headers: { host: u.host, ...(input.headers ?? {}) },
    body: input.body,
  };
}

function signer(input: SignInput): SignatureV4 {
  return new SignatureV4({
    credentials: input.credentials,
    region: input.region,
    service: input.service,
    sha256: NodeSha256,
    uriEscapePath: input.uriEscapePath ?? true,
    applyChecksum: input.applyChecksum ?? true,
  });
}

function done(
  signed: {
    method: string;
    path: string;
    query?: Record<string, unknown>;
    headers: Record<string, string>;
    body?: unknown;
  },
  url: string,
): SignedRequest {
  return {
    method: signed.method,
    path: signed.path,
    query: (signed.query ?? {}) as Record<string, string | string[]>,
    headers: signed.headers,
    body: signed.body as string | undefined,
    url,
  };
}

export async function sign(input: SignInput): Promise<SignedRequest> {
  const signed = await signer(input).sign(
    httpRequestOf(input),
    input.signingDate ? { signingDate: input.signingDate } : {},
  );
  return done(signed, input.url);
}

export async function presign(input: SignInput, expiresIn: number): Promise<SignedRequest> {
  const signed = await signer(input).presign(httpRequestOf(input), {
    expiresIn,
    ...(input.signingDate ? { signingDate: input.signingDate } : {}),
  });
  return done(signed, input.url);
}

/** Query string as the SDK's HTTP handler writes it. */
export function wireQuery(query: Record<string, string | string[]>): string {
  const parts: string[] = [];
  for (const key of Object.keys(query)) {
    const value = query[key]!;
    for (const v of Array.isArray(value) ? value : [value]) parts.push(`${escapeUri(key)}=${escapeUri(v)}`);
  }
  return parts.join('&');
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Send a request with exactly these headers (Host included). */
export function send(req: {
  url: string;
  method: string;
  path: string;
  rawQuery?: string;
  headers: Record<string, string>;
  body?: string | undefined;
}): Promise<RawResponse> {
  const u = new URL(req.url);
  const full = req.rawQuery ? `${req.path}?${req.rawQuery}` : req.path;
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host: u.hostname,
        port: Number(u.port),
        method: req.method,
        path: full,
        headers: req.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

export async function sendSigned(signed: SignedRequest): Promise<RawResponse> {
  return send({ ...signed, rawQuery: wireQuery(signed.query) });
}
