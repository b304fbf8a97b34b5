// The emulator framework: auth errors, routing by credential scope, JSON 1.1 errors, admin
// routes, faults, deny rules, environment-only SDK configuration.
import { afterAll, beforeAll, beforeEach, expect, test } from '@jest/globals';
import {
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  PutParameterCommand,
  SSMClient,
  SSMServiceException,
  type SSMClientConfig,
} from '@aws-sdk/client-ssm';
import { startAwsServer, type AwsServer } from '../server.ts';
import { createSsmService, type SsmService } from '../ssm.ts';
import { awsAdmin, AdminError } from '../admin-client.ts';
import { parseQuery } from '../sigv4.ts';
import { AwsError, type ServiceHandler } from '../types.ts';
import { presign, send, sendSigned, sign, wireQuery } from './signing.ts';
import { rejection as rejectionOf } from './rejection.ts';

const ACCOUNT = '210987654321';
const CREDS = { accessKeyId: 'AKIAFRAMEWORK0001', secretAccessKey: 'framework/Secret+Key/0123456789abcdef' };
const TOKEN_CREDS = {
  accessKeyId: 'ASIATEMPORARY0001',
  secretAccessKey: 'temporary/secret',
  sessionToken: 'session-token-value',
  principalArn: `arn:aws:sts::${ACCOUNT}:assumed-role/deploy-role/GitHubActions`,
};
const REGION = 'eu-central-1';

/** A minimal REST-style service, as CloudFront/S3 modules will be: routed by scope, not by target. */
function echoService(): ServiceHandler {
  return {
    name: 'echo',
    doubleEncodePath: true,
    claims: (req) => req.rawPath.startsWith('/echo/'),
    decode: (req) => ({
      operation: `${req.method}Echo`,
      input: { path: req.rawPath, query: parseQuery(req.rawQuery), body: req.body.toString('utf8') },
    }),
    invoke: (call, ctx) =>
      Promise.resolve({
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: call.input, region: ctx.region, principal: ctx.principalArn }),
      }),
    renderError: (err) => ({
      status: err.status,
      headers: { 'content-type': 'application/xml' },
      body: `<ErrorResponse><Error><Code>${err.code}</Code><Message>${err.awsMessage ?? ''}</Message></Error></ErrorResponse>`,
    }),
    summarize: (call) => ({ path: (call.input as { path: string }).path }),
    resources: (call) => [(call.input as { path: string }).path],
    resourceArn: (name) => `arn:aws:echo:::${name}`,
    accessDenied: (message) => new AwsError('AccessDenied', 403, message),
    reset: () => undefined,
  };
}

let server: AwsServer;
let ssm: SsmService;
const clients: SSMClient[] = [];

function client(config: Partial<SSMClientConfig> = {}): SSMClient {
  const c = new SSMClient({ region: REGION, endpoint: server.url, credentials: CREDS, ...config });
  clients.push(c);
  return c;
}

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, SSMServiceException);

beforeAll(async () => {
  ssm = createSsmService({ accountId: ACCOUNT });
  server = await startAwsServer({
    accountId: ACCOUNT,
    credentials: [CREDS, TOKEN_CREDS],
    services: [ssm, echoService()],
  });
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await server.close();
});

beforeEach(() => server.reset());

test('an unsigned request: MissingAuthenticationTokenException, JSON 1.1 error shape, request id', async () => {
  const res = await send({
    url: server.url,
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameter' },
    body: '{"Name":"/x"}',
  });
  expect(res.status).toBe(400);
  expect(res.headers['content-type']).toBe('application/x-amz-json-1.1');
  expect(res.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');
  expect(res.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
  expect(JSON.parse(res.body)).toEqual({
    __type: 'MissingAuthenticationTokenException',
    message: 'Missing Authentication Token',
  });
  expect(server.calls()).toMatchObject([
    {
      service: 'ssm',
      operation: 'GetParameter',
      region: '',
      error: 'MissingAuthenticationTokenException',
      status: 400,
    },
  ]);
  // A request no service claims still gets a JSON error.
  const other = await send({ url: server.url, method: 'GET', path: '/whatever', headers: {} });
  expect([other.status, JSON.parse(other.body)]).toEqual([
    400,
    { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' },
  ]);
});

test('every response carries x-amzn-RequestId, which the SDK reports and the log records', async () => {
  const put = await client().send(new PutParameterCommand({ Name: '/rid', Value: 'v', Type: 'String' }));
  const err = await rejection(client().send(new GetParameterCommand({ Name: '/missing' })));
  const ids = server.calls().map((c) => c.requestId);
  expect([put.$metadata.requestId, err.$metadata.requestId]).toEqual(ids);
});

test('requests are routed by the credential scope service; REST paths and queries verify', async () => {
  const signed = await sign({
    url: server.url,
    method: 'POST',
    path: '/echo/2020-05-31/distribution/E1%2BX/invalidation',
    query: { Marker: 'a b', 'max-items': '5' },
    headers: { 'content-type': 'text/xml' },
    body: '<x/>',
    region: 'us-east-1',
    service: 'echo',
    credentials: CREDS,
  });
  const res = await sendSigned(signed);
  expect(res.status).toBe(200);
  expect(JSON.parse(res.body)).toEqual({
    input: {
      path: '/echo/2020-05-31/distribution/E1%2BX/invalidation',
      query: [
        ['Marker', 'a b'],
        ['max-items', '5'],
      ],
      body: '<x/>',
    },
    region: 'us-east-1',
    principal: `arn:aws:sts::${ACCOUNT}:assumed-role/emulator-role/emulator-session`,
  });
  // Its errors use its own protocol (here XML), including auth errors and deny rules.
  const bad = await send({ ...signed, rawQuery: wireQuery({ ...signed.query, Marker: 'changed' }) });
  expect(bad.status).toBe(400);
  expect(bad.body).toContain('<Code>InvalidSignatureException</Code>');
  server.forbid({ service: 'echo', names: ['/echo/2020-05-31/*'] });
  const denied = await sendSigned(signed);
  expect(denied.status).toBe(403);
  expect(denied.body).toContain(
    `<Code>AccessDenied</Code><Message>User: arn:aws:sts::${ACCOUNT}:assumed-role/emulator-role/emulator-session is not authorized to perform: echo:POSTEcho on resource: arn:aws:echo:::/echo/2020-05-31/distribution/E1%2BX/invalidation because no identity-based policy allows the echo:POSTEcho action</Message>`,
  );
  // Presigned (query-string) authentication works through the server too.
  server.clearForbidden();
  const url = await presign(
    {
      url: server.url,
      method: 'GET',
      path: '/echo/object',
      region: 'us-east-1',
      service: 'echo',
      credentials: CREDS,
    },
    60,
  );
  expect((await sendSigned(url)).status).toBe(200);
  expect(server.calls({ service: 'echo' }).map((c) => [c.operation, c.region, c.status])).toEqual([
    ['POSTEcho', 'us-east-1', 200],
    ['POSTEcho', 'us-east-1', 400],
    ['POSTEcho', 'us-east-1', 403],
    ['GETEcho', 'us-east-1', 200],
  ]);
});

test('a scope naming a service the emulator does not serve', async () => {
  const signed = await sign({
    url: server.url,
    method: 'POST',
    path: '/',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AWSSecurityTokenServiceV20110615.GetCallerIdentity',
    },
    body: '{}',
    region: REGION,
    service: 'sts',
    credentials: CREDS,
  });
  const res = await sendSigned(signed);
  expect(res.status).toBe(400);
  expect(JSON.parse(res.body)).toEqual({
    __type: 'UnknownOperationException',
    message: "The AWS emulator serves no service 'sts' (it serves: ssm, echo).",
  });
});

test('unknown operations and malformed bodies', async () => {
  const unknown = await rejection(client().send(new DescribeParametersCommand({})));
  expect(unknown.name).toBe('UnknownOperationException');
  expect(unknown.message).toBe(
    'Operation AmazonSSM.DescribeParameters is not implemented by the AWS emulator.',
  );

  const signedJson = (body: string) =>
    sign({
      url: server.url,
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameters' },
      body,
      region: REGION,
      service: 'ssm',
      credentials: CREDS,
    });
  const malformed = await sendSigned(await signedJson('{"Names": ['));
  expect([malformed.status, (JSON.parse(malformed.body) as { __type: string }).__type]).toEqual([
    400,
    'SerializationException',
  ]);
  const wrongType = await sendSigned(await signedJson('{"Names": "/a"}'));
  expect(JSON.parse(wrongType.body)).toEqual({
    __type: 'SerializationException',
    message: "Member 'Names' must be a list of strings.",
  });
  const missing = await sendSigned(await signedJson('{}'));
  expect(JSON.parse(missing.body)).toEqual({
    __type: 'ValidationException',
    message:
      "1 validation error detected: Value null at 'names' failed to satisfy constraint: Member must not be null",
  });
});

test('session tokens must match; the principal comes from the credentials', async () => {
  ssm.parameters.put(REGION, { Name: '/tok/a', Value: 'a', Type: 'String' });
  const good = client({ credentials: TOKEN_CREDS });
  expect((await good.send(new GetParameterCommand({ Name: '/tok/a' }))).Parameter!.Value).toBe('a');
  const noToken = client({
    credentials: { accessKeyId: TOKEN_CREDS.accessKeyId, secretAccessKey: TOKEN_CREDS.secretAccessKey },
  });
  const err = await rejection(noToken.send(new GetParameterCommand({ Name: '/tok/a' })));
  expect([err.name, err.message]).toEqual([
    'UnrecognizedClientException',
    'The security token included in the request is invalid.',
  ]);
  const wrongToken = client({ credentials: { ...TOKEN_CREDS, sessionToken: 'stale' } });
  expect((await rejection(wrongToken.send(new GetParameterCommand({ Name: '/tok/a' })))).name).toBe(
    'UnrecognizedClientException',
  );

  server.forbid({ names: ['/tok/*'], explicit: true });
  const denied = await rejection(good.send(new GetParameterCommand({ Name: '/tok/a' })));
  expect(denied.message).toBe(
    `User: ${TOKEN_CREDS.principalArn} is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/tok/a with an explicit deny in an identity-based policy`,
  );
});

test('a skewed client clock: AWS-style rejection, then the SDK corrects its clock and retries', async () => {
  ssm.parameters.put(REGION, { Name: '/skew', Value: 'ok', Type: 'String' });
  const skewed = client({ systemClockOffset: -60 * 60 * 1000 });
  const res = await skewed.send(new GetParameterCommand({ Name: '/skew' }));
  expect(res.Parameter!.Value).toBe('ok');
  expect(res.$metadata.attempts).toBe(2);
  expect(server.calls().map((c) => c.error)).toEqual(['InvalidSignatureException', undefined]);
}, 20000);

test('deny rules can be limited to operations; GetParametersByPath is authorized on the path only', async () => {
  ssm.parameters.put(REGION, { Name: '/app/public', Value: 'p', Type: 'String' });
  ssm.parameters.put(REGION, { Name: '/app/secret', Value: 's', Type: 'String' });
  server.forbid({ service: 'ssm', names: ['/app/secret'], operations: ['GetParameter', 'GetParameters'] });
  expect((await rejection(client().send(new GetParameterCommand({ Name: '/app/secret' })))).name).toBe(
    'AccessDeniedException',
  );
  // PutParameter is not in the rule.
  await client().send(new PutParameterCommand({ Name: '/app/secret', Value: 's2', Overwrite: true }));
  // As in IAM: permission on the path lets GetParametersByPath return every parameter below it.
  const byPath = await client().send(new GetParametersByPathCommand({ Path: '/app' }));
  expect(byPath.Parameters!.map((p) => p.Name)).toEqual(['/app/public', '/app/secret']);
  server.forbid({ service: 'ssm', names: ['/app'] });
  const err = await rejection(client().send(new GetParametersByPathCommand({ Path: '/app/' })));
  expect(err.message).toContain(
    `ssm:GetParametersByPath on resource: arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/app because`,
  );
});

test('faults: delays, dropped connections (retried by the SDK), region scoping', async () => {
  ssm.parameters.put(REGION, { Name: '/f/a', Value: 'a', Type: 'String' });
  server.addFault({ operation: 'GetParameter', delayMs: 300 });
  const started = Date.now();
  await client().send(new GetParameterCommand({ Name: '/f/a' }));
  expect(Date.now() - started).toBeGreaterThanOrEqual(290);

  server.addFault({ operation: 'GetParameter', resetConnection: true });
  const res = await client().send(new GetParameterCommand({ Name: '/f/a' }));
  expect(res.$metadata.attempts).toBe(2);

  server.addFault({ region: 'us-west-1', code: 'ThrottlingException', always: true });
  expect((await client().send(new GetParameterCommand({ Name: '/f/a' }))).Parameter!.Value).toBe('a');
  expect(server.calls().map((c) => [c.status, c.error ?? null, c.injected ?? false])).toEqual([
    [200, null, true],
    [0, 'ConnectionReset', true],
    [200, null, false],
    [200, null, false],
  ]);
}, 20000);

test('admin routes: health, validation, 404, reset', async () => {
  const admin = awsAdmin(server.url);
  expect(await admin.health()).toEqual({ ok: true, accountId: ACCOUNT, services: ['ssm', 'echo'] });
  await expect(admin.addFault({})).rejects.toBeInstanceOf(AdminError);
  await expect(admin.addFault({ code: 'X', count: 0 })).rejects.toMatchObject({
    status: 400,
    body: { error: "'count' must be an integer >= 1" },
  });
  await expect(admin.forbid({ names: [] })).rejects.toMatchObject({ status: 400 });
  const missingRoute = await fetch(`${server.url}/__admin/nothing`);
  expect(missingRoute.status).toBe(404);

  const fault = await admin.addFault({ service: 'ssm', code: 'ThrottlingException', count: 3 });
  expect(fault).toMatchObject({ id: expect.any(String), remaining: 3, hits: 0, code: 'ThrottlingException' });
  await admin.forbid({ names: ['/x'] });
  await admin.ssm.put(REGION, [{ Name: '/reset/me', Value: 'v' }]);
  await client({ maxAttempts: 1 })
    .send(new GetParameterCommand({ Name: '/reset/me' }))
    .catch(() => undefined);
  expect(await admin.calls()).toHaveLength(1);
  await admin.reset();
  expect([
    await admin.calls(),
    await admin.faults(),
    await admin.forbidden(),
    await admin.ssm.list(),
  ]).toEqual([[], [], [], []]);
});

test('an SDK client configured only through the environment reaches the emulator', async () => {
  ssm.parameters.put('ap-northeast-1', { Name: '/env/p', Value: 'from-env', Type: 'String' });
  const env = server.env('ap-northeast-1');
  expect(env['AWS_ENDPOINT_URL_SSM']).toBe(server.url);
  const saved = { ...process.env };
  try {
    for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
    Object.assign(process.env, env);
    delete process.env['AWS_ENDPOINT_URL']; // only the service-specific variable
    const fromEnv = new SSMClient({});
    clients.push(fromEnv);
    const res = await fromEnv.send(new GetParameterCommand({ Name: '/env/p' }));
    expect(res.Parameter).toMatchObject({
      Value: 'from-env',
      ARN: `arn:aws:ssm:ap-northeast-1:${ACCOUNT}:parameter/env/p`,
    });
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
});
