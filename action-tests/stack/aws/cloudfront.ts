// Amazon CloudFront invalidations (REST-XML, API 2020-05-31) for the AWS endpoint emulator:
// CreateInvalidation, GetInvalidation, ListInvalidations on distributions the stack creates. Every
// invalidation is recorded; it completes `completeAfterMs` after creation. The in-progress limits
// of a distribution are enforced as CloudFront documents them: at most 3,000 file paths and at most
// 15 wildcard paths in progress, beyond which CreateInvalidation fails with
// TooManyInvalidationsInProgress.
import { randomBytes } from 'node:crypto';
import { child, children, childText, parseXml, tag, XML_DECLARATION, type XmlElement } from './xml.ts';
import {
  AwsError,
  type AdminRequest,
  type AdminResult,
  type CallContext,
  type DecodedCall,
  type HttpResult,
  type RawRequest,
  type ServiceHandler,
} from './types.ts';

const VERSION = '2020-05-31';
const NS = `http://cloudfront.amazonaws.com/doc/${VERSION}/`;
export const MAX_FILE_PATHS_IN_PROGRESS = 3000;
export const MAX_WILDCARD_PATHS_IN_PROGRESS = 15;

export interface Invalidation {
  id: string;
  distributionId: string;
  callerReference: string;
  paths: string[];
  createTime: Date;
  /** When it turns Completed. */
  completesAt: number;
}

export interface Distribution {
  id: string;
  domainName: string;
  invalidations: Invalidation[];
}

export interface CloudFrontServiceOptions {
  accountId: string;
  distributions?: { id: string; domainName?: string }[];
  /** How long an invalidation stays InProgress; default 1500 ms. */
  completeAfterMs?: number;
}

export interface CloudFrontStateApi {
  distribution(id: string): Distribution | undefined;
  createDistribution(id: string, domainName?: string): Distribution;
  invalidations(distributionId?: string): (Invalidation & { status: 'InProgress' | 'Completed' })[];
  /** Complete every in-progress invalidation now. */
  completeAll(): number;
  setCompleteAfterMs(ms: number): void;
}

export type CloudFrontService = ServiceHandler & { cloudfront: CloudFrontStateApi };

interface CfInput {
  distributionId?: string;
  invalidationId?: string;
  query: URLSearchParams;
  body: string;
}

const err = (code: string, status: number, message: string) => new AwsError(code, status, message);

const DEFAULT_MESSAGES: Record<string, string> = {
  TooManyInvalidationsInProgress:
    'Your request contains too many invalidations. Processing of your invalidations is limited: wait for in-progress invalidations to complete.',
  Throttling: 'Rate exceeded',
};

/** A path CloudFront accepts: starts with `/`, URL-encoded (RFC 3986 characters only), `*` only last. */
export function isValidInvalidationPath(path: string): boolean {
  if (!path.startsWith('/') || path.length > 4096) return false;
  const body = path.endsWith('*') ? path.slice(0, -1) : path;
  return /^(?:[A-Za-z0-9\-._~!$&'()+,;=:@/]|%[0-9A-Fa-f]{2})*$/.test(body);
}

export function isWildcardPath(path: string): boolean {
  return path.endsWith('*');
}

export function createCloudFrontService(opts: CloudFrontServiceOptions): CloudFrontService {
  const distributions = new Map<string, Distribution>();
  let completeAfterMs = opts.completeAfterMs ?? 1500;

  const statusOf = (inv: Invalidation, now = Date.now()): 'InProgress' | 'Completed' =>
    now >= inv.completesAt ? 'Completed' : 'InProgress';

  function createDistribution(id: string, domainName?: string): Distribution {
    const d: Distribution = {
      id,
      domainName: domainName ?? `d${randomBytes(6).toString('hex')}.cloudfront.net`,
      invalidations: [],
    };
    distributions.set(id, d);
    return d;
  }
  const init = () => {
    distributions.clear();
    for (const d of opts.distributions ?? []) createDistribution(d.id, d.domainName);
  };
  init();

  function distributionOf(id: string | undefined): Distribution {
    const d = id === undefined ? undefined : distributions.get(id);
    if (d === undefined) throw err('NoSuchDistribution', 404, 'The specified distribution does not exist.');
    return d;
  }

  function batchXml(inv: Invalidation): string {
    return (
      '<InvalidationBatch>' +
      `<Paths>${tag('Quantity', inv.paths.length)}<Items>${inv.paths.map((p) => tag('Path', p)).join('')}</Items></Paths>` +
      tag('CallerReference', inv.callerReference) +
      '</InvalidationBatch>'
    );
  }

  function invalidationXml(inv: Invalidation): string {
    return (
      `<Invalidation xmlns="${NS}">${tag('Id', inv.id)}${tag('Status', statusOf(inv))}` +
      `${tag('CreateTime', inv.createTime.toISOString())}${batchXml(inv)}</Invalidation>`
    );
  }

  function xml(body: string, status = 200, headers: Record<string, string> = {}): HttpResult {
    return {
      status,
      headers: { 'content-type': 'text/xml', ...headers },
      body: `${XML_DECLARATION}\n${body}`,
    };
  }

  function parseBatch(body: string): { paths: string[]; callerReference: string } {
    if (body.trim() === '')
      throw err(
        'MissingBody',
        400,
        'This operation requires a body. Ensure that the body is present and the Content-Type header is set.',
      );
    let doc: XmlElement;
    try {
      doc = parseXml(body);
    } catch {
      throw err('MalformedInput', 400, 'The request body is not well-formed XML.');
    }
    if (doc.name !== 'InvalidationBatch')
      throw err('MalformedInput', 400, 'Expected an InvalidationBatch element.');
    const pathsEl = child(doc, 'Paths');
    const callerReference = childText(doc, 'CallerReference');
    if (pathsEl === undefined || callerReference === undefined || callerReference === '') {
      throw err('InvalidArgument', 400, 'InvalidationBatch needs Paths and a CallerReference.');
    }
    const quantity = Number(childText(pathsEl, 'Quantity'));
    const items = child(pathsEl, 'Items');
    const paths = items === undefined ? [] : children(items, 'Path').map((p) => p.text);
    if (!Number.isInteger(quantity) || quantity !== paths.length) {
      throw err('InconsistentQuantities', 400, "The value of Quantity and the size of Items don't match.");
    }
    if (paths.length === 0) throw err('InvalidArgument', 400, 'Your request contains no invalidation paths.');
    const bad = paths.find((p) => !isValidInvalidationPath(p));
    if (bad !== undefined) {
      throw err(
        'InvalidArgument',
        400,
        `Your request contains one or more invalid invalidation paths: ${bad}`,
      );
    }
    return { paths, callerReference };
  }

  function createInvalidation(input: CfInput): HttpResult {
    const d = distributionOf(input.distributionId);
    const { paths, callerReference } = parseBatch(input.body);
    const existing = d.invalidations.find((i) => i.callerReference === callerReference);
    if (existing !== undefined) {
      if (existing.paths.join('\n') === paths.join('\n')) {
        return xml(invalidationXml(existing), 201, { location: locationOf(d, existing) });
      }
      throw err(
        'InvalidationBatchAlreadyExists',
        409,
        'The caller reference you attempted to create the invalidation with is already in use by another invalidation.',
      );
    }
    const now = Date.now();
    const inProgress = d.invalidations.filter((i) => statusOf(i, now) === 'InProgress');
    const wildcards = inProgress.reduce((n, i) => n + i.paths.filter(isWildcardPath).length, 0);
    const files = inProgress.reduce((n, i) => n + i.paths.filter((p) => !isWildcardPath(p)).length, 0);
    const newWildcards = paths.filter(isWildcardPath).length;
    const newFiles = paths.length - newWildcards;
    if (
      wildcards + newWildcards > MAX_WILDCARD_PATHS_IN_PROGRESS ||
      files + newFiles > MAX_FILE_PATHS_IN_PROGRESS
    ) {
      throw err(
        'TooManyInvalidationsInProgress',
        400,
        `Processing your request would cause you to exceed the maximum number of in-progress wildcard invalidations (${MAX_WILDCARD_PATHS_IN_PROGRESS}) or file invalidations (${MAX_FILE_PATHS_IN_PROGRESS}): ${wildcards} wildcard and ${files} file paths are in progress, this request adds ${newWildcards} and ${newFiles}.`,
      );
    }
    const inv: Invalidation = {
      id: `I${randomBytes(10).toString('hex').toUpperCase().slice(0, 13)}`,
      distributionId: d.id,
      callerReference,
      paths,
      createTime: new Date(now),
      completesAt: now + completeAfterMs,
    };
    d.invalidations.push(inv);
    return xml(invalidationXml(inv), 201, { location: locationOf(d, inv) });
  }

  const locationOf = (d: Distribution, inv: Invalidation) =>
    `https://cloudfront.amazonaws.com/${VERSION}/distribution/${d.id}/invalidation/${inv.id}`;

  function listInvalidations(input: CfInput): HttpResult {
    const d = distributionOf(input.distributionId);
    const maxRaw = input.query.get('MaxItems');
    const max = maxRaw === null ? 100 : Number(maxRaw);
    if (!Number.isInteger(max) || max < 1 || max > 100)
      throw err('InvalidArgument', 400, 'MaxItems must be between 1 and 100.');
    const newestFirst = [...d.invalidations].reverse();
    const marker = input.query.get('Marker') ?? '';
    let start = 0;
    if (marker !== '') {
      start = newestFirst.findIndex((i) => i.id === marker);
      if (start < 0) throw err('InvalidArgument', 400, 'The marker is not valid.');
    }
    const page = newestFirst.slice(start, start + max);
    const next = newestFirst[start + max];
    return xml(
      `<InvalidationList xmlns="${NS}">${tag('Marker', marker)}${next ? tag('NextMarker', next.id) : ''}${tag('MaxItems', max)}` +
        `${tag('IsTruncated', next !== undefined)}${tag('Quantity', page.length)}` +
        (page.length > 0
          ? `<Items>${page.map((i) => `<InvalidationSummary>${tag('Id', i.id)}${tag('CreateTime', i.createTime.toISOString())}${tag('Status', statusOf(i))}</InvalidationSummary>`).join('')}</Items>`
          : '') +
        '</InvalidationList>',
    );
  }

  function decode(req: RawRequest): DecodedCall {
    const query = new URLSearchParams(req.rawQuery);
    const m = new RegExp(`^/${VERSION}/distribution/([^/]+)/invalidation(?:/([^/]+))?/?$`).exec(req.rawPath);
    if (m === null) {
      throw err(
        'InvalidArgument',
        400,
        `The CloudFront emulator serves only invalidations, not ${req.method} ${req.rawPath}.`,
      );
    }
    const input: CfInput = {
      distributionId: decodeURIComponent(m[1]!),
      query,
      body: req.body.toString('utf8'),
    };
    if (m[2] !== undefined) input.invalidationId = decodeURIComponent(m[2]);
    if (req.method === 'POST' && m[2] === undefined) return { operation: 'CreateInvalidation', input };
    if (req.method === 'GET' && m[2] !== undefined) return { operation: 'GetInvalidation', input };
    if (req.method === 'GET') return { operation: 'ListInvalidations', input };
    throw err('InvalidArgument', 400, `Unsupported method ${req.method} for ${req.rawPath}.`);
  }

  function invoke(call: DecodedCall, ctx: CallContext): Promise<HttpResult> {
    void ctx;
    const input = call.input as CfInput;
    switch (call.operation) {
      case 'CreateInvalidation':
        return Promise.resolve(createInvalidation(input));
      case 'GetInvalidation': {
        const d = distributionOf(input.distributionId);
        const inv = d.invalidations.find((i) => i.id === input.invalidationId);
        if (inv === undefined)
          throw err('NoSuchInvalidation', 404, 'The specified invalidation does not exist.');
        return Promise.resolve(xml(invalidationXml(inv)));
      }
      case 'ListInvalidations':
        return Promise.resolve(listInvalidations(input));
    }
    throw err('InvalidArgument', 400, `Operation ${call.operation} is not implemented by the AWS emulator.`);
  }

  function summarize(call: DecodedCall): Record<string, unknown> {
    const input = call.input as CfInput;
    const s: Record<string, unknown> = { DistributionId: input.distributionId };
    if (input.invalidationId !== undefined) s['Id'] = input.invalidationId;
    if (call.operation === 'CreateInvalidation') {
      try {
        const batch = parseBatch(input.body);
        s['Paths'] = batch.paths;
        s['CallerReference'] = batch.callerReference;
      } catch {
        // invalid: the operation reports it
      }
    }
    return s;
  }

  function renderError(e: AwsError, requestId: string): HttpResult {
    const type = e.status >= 500 ? 'Receiver' : 'Sender';
    return xml(
      `<ErrorResponse xmlns="${NS}"><Error>${tag('Type', type)}${tag('Code', e.code)}${tag('Message', e.awsMessage ?? DEFAULT_MESSAGES[e.code] ?? '')}</Error>${tag('RequestId', requestId)}</ErrorResponse>`,
      e.status,
    );
  }

  const state: CloudFrontStateApi = {
    distribution: (id) => distributions.get(id),
    createDistribution,
    invalidations: (distributionId) =>
      [...distributions.values()]
        .filter((d) => distributionId === undefined || d.id === distributionId)
        .flatMap((d) => d.invalidations.map((i) => ({ ...i, paths: [...i.paths], status: statusOf(i) }))),
    completeAll() {
      const now = Date.now();
      let n = 0;
      for (const d of distributions.values()) {
        for (const i of d.invalidations) {
          if (i.completesAt > now) {
            i.completesAt = now;
            n += 1;
          }
        }
      }
      return n;
    },
    setCompleteAfterMs(ms) {
      completeAfterMs = ms;
    },
  };

  function admin(req: AdminRequest): AdminResult | undefined {
    const route = `${req.method} ${req.path}`;
    const body = (req.body ?? {}) as Record<string, unknown>;
    switch (route) {
      case 'GET /invalidations': {
        const id = req.query.get('distribution') ?? undefined;
        return {
          status: 200,
          body: {
            invalidations: state.invalidations(id).map((i) => ({
              id: i.id,
              distributionId: i.distributionId,
              callerReference: i.callerReference,
              paths: i.paths,
              createTime: i.createTime.toISOString(),
              status: i.status,
            })),
          },
        };
      }
      case 'POST /complete':
        return { status: 200, body: { completed: state.completeAll() } };
      case 'POST /settings': {
        const ms = body['completeAfterMs'];
        if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0) {
          return { status: 400, body: { error: "'completeAfterMs' must be an integer >= 0" } };
        }
        state.setCompleteAfterMs(ms);
        return { status: 200, body: { completeAfterMs: ms } };
      }
      case 'GET /distributions':
        return {
          status: 200,
          body: {
            distributions: [...distributions.values()].map((d) => ({ id: d.id, domainName: d.domainName })),
          },
        };
    }
    return undefined;
  }

  return {
    name: 'cloudfront',
    doubleEncodePath: true,
    claims: (req) => req.rawPath.startsWith(`/${VERSION}/`),
    decode,
    invoke,
    renderError,
    summarize,
    resources: (call) => [(call.input as CfInput).distributionId ?? ''],
    resourceArn: (name, _region, accountId) => `arn:aws:cloudfront::${accountId}:distribution/${name}`,
    accessDenied: (message) => new AwsError('AccessDenied', 403, message),
    reset: () => {
      init();
      completeAfterMs = opts.completeAfterMs ?? 1500;
    },
    admin,
    cloudfront: state,
  };
}
