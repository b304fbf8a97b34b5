// SSM Parameter Store emulation, exercised with the unmodified AWS SDK (@aws-sdk/client-ssm).
import { afterAll, beforeAll, beforeEach, expect, test } from '@jest/globals';
import {
  AccessDeniedException,
  DeleteParameterCommand,
  DeleteParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  paginateGetParametersByPath,
  ParameterAlreadyExists,
  ParameterNotFound,
  ParameterVersionNotFound,
  PutParameterCommand,
  SSMClient,
  SSMServiceException,
  ThrottlingException,
  ValidationException,
  type SSMClientConfig,
  type Parameter,
} from '@aws-sdk/client-ssm';
import { startAwsServer, type AwsServer } from '../server.ts';
import { createSsmService, type SsmService } from '../ssm.ts';
import { awsAdmin } from '../admin-client.ts';
import { seedParameters } from '../seed.ts';
import { rejection as rejectionOf } from './rejection.ts';

const ACCOUNT = '123456789012';
const CREDS = {
  accessKeyId: 'AKIAEMULATORTEST0001',
  secretAccessKey: 'emulator/Secret+Key/0123456789abcdefghij',
};
const REGION = 'eu-west-1';

let server: AwsServer;
let ssm: SsmService;
const clients: SSMClient[] = [];

function client(region = REGION, config: Partial<SSMClientConfig> = {}): SSMClient {
  const c = new SSMClient({ region, endpoint: server.url, credentials: CREDS, ...config });
  clients.push(c);
  return c;
}

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, SSMServiceException);

beforeAll(async () => {
  ssm = createSsmService({ accountId: ACCOUNT });
  server = await startAwsServer({ accountId: ACCOUNT, credentials: CREDS, services: [ssm] });
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await server.close();
});

beforeEach(() => server.reset());

test('put and get each parameter type, with AWS shapes', async () => {
  const c = client();
  const before = Date.now();
  const put = await c.send(
    new PutParameterCommand({ Name: '/app/prod/db-host', Value: 'db.internal', Type: 'String' }),
  );
  expect(put).toMatchObject({ Version: 1, Tier: 'Standard' });
  await c.send(new PutParameterCommand({ Name: '/app/prod/hosts', Value: 'a,b,c', Type: 'StringList' }));
  await c.send(new PutParameterCommand({ Name: 'flat-name', Value: 'v', Type: 'String' }));

  const { Parameter } = await c.send(new GetParameterCommand({ Name: '/app/prod/db-host' }));
  expect(Parameter).toEqual({
    Name: '/app/prod/db-host',
    Type: 'String',
    Value: 'db.internal',
    Version: 1,
    LastModifiedDate: expect.any(Date),
    ARN: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/app/prod/db-host`,
    DataType: 'text',
  });
  expect(Parameter!.LastModifiedDate!.getTime()).toBeGreaterThanOrEqual(before - 1000);
  expect(Parameter!.LastModifiedDate!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);

  const list = await c.send(new GetParameterCommand({ Name: '/app/prod/hosts' }));
  expect(list.Parameter).toMatchObject({ Type: 'StringList', Value: 'a,b,c' });
  const flat = await c.send(new GetParameterCommand({ Name: 'flat-name' }));
  // No doubled slash in the ARN of a name without a leading slash.
  expect(flat.Parameter!.ARN).toBe(`arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/flat-name`);
});

test('SecureString: opaque without decryption, plaintext with it', async () => {
  const c = client();
  await c.send(
    new PutParameterCommand({ Name: '/app/prod/db-password', Value: 'hunter2', Type: 'SecureString' }),
  );
  const hidden = await c.send(new GetParameterCommand({ Name: '/app/prod/db-password' }));
  expect(hidden.Parameter!.Type).toBe('SecureString');
  expect(hidden.Parameter!.Value).not.toContain('hunter2');
  expect(hidden.Parameter!.Value).toMatch(/^AQICAH[A-Za-z0-9+/]{100,}={0,2}$/);
  const again = await c.send(
    new GetParameterCommand({ Name: '/app/prod/db-password', WithDecryption: false }),
  );
  expect(again.Parameter!.Value).toBe(hidden.Parameter!.Value);

  const shown = await c.send(
    new GetParameterCommand({ Name: '/app/prod/db-password', WithDecryption: true }),
  );
  expect(shown.Parameter!.Value).toBe('hunter2');

  const many = await c.send(new GetParametersCommand({ Names: ['/app/prod/db-password'] }));
  expect(many.Parameters![0]!.Value).toBe(hidden.Parameter!.Value);
  const byPath = await c.send(new GetParametersByPathCommand({ Path: '/app/prod', WithDecryption: true }));
  expect(byPath.Parameters![0]!.Value).toBe('hunter2');
});

test('versions increment with Overwrite; without it ParameterAlreadyExists', async () => {
  const c = client();
  await c.send(new PutParameterCommand({ Name: '/v/p', Value: 'one', Type: 'String' }));
  const err = await rejection(
    c.send(new PutParameterCommand({ Name: '/v/p', Value: 'two', Type: 'String' })),
  );
  expect(err).toBeInstanceOf(ParameterAlreadyExists);
  expect(err.message).toBe(
    'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
  );
  const second = await c.send(new PutParameterCommand({ Name: '/v/p', Value: 'two', Overwrite: true }));
  expect(second.Version).toBe(2);
  const third = await c.send(
    new PutParameterCommand({ Name: '/v/p', Value: 'three', Type: 'String', Overwrite: true }),
  );
  expect(third.Version).toBe(3);
  expect((await c.send(new GetParameterCommand({ Name: '/v/p' }))).Parameter).toMatchObject({
    Value: 'three',
    Version: 3,
  });
  // A version selector reads history.
  const old = await c.send(new GetParameterCommand({ Name: '/v/p:1' }));
  expect(old.Parameter).toMatchObject({ Name: '/v/p', Value: 'one', Version: 1, Selector: ':1' });
  const missing = await rejection(c.send(new GetParameterCommand({ Name: '/v/p:9' })));
  expect(missing).toBeInstanceOf(ParameterVersionNotFound);
});

test('GetParameter of a missing name: ParameterNotFound, without a message as AWS', async () => {
  const err = await rejection(client().send(new GetParameterCommand({ Name: '/nope' })));
  expect(err).toBeInstanceOf(ParameterNotFound);
  expect(err.name).toBe('ParameterNotFound');
  expect(err.$metadata.httpStatusCode).toBe(400);
  // AWS sends no message for ParameterNotFound; the SDK then says "UnknownError".
  expect(err.message).toBe('UnknownError');
});

test('GetParameters: 10 names in one call, missing names in InvalidParameters', async () => {
  const c = client();
  const names = Array.from({ length: 8 }, (_, i) => `/batch/p${i}`);
  for (const name of names)
    ssm.parameters.put(REGION, { Name: name, Value: `value-${name}`, Type: 'String' });
  const res = await c.send(new GetParametersCommand({ Names: [...names, '/batch/missing-1', 'missing-2'] }));
  expect(res.Parameters!.map((p) => p.Name).sort()).toEqual([...names].sort());
  expect(res.Parameters!.find((p) => p.Name === '/batch/p3')!.Value).toBe('value-/batch/p3');
  expect(res.InvalidParameters!.sort()).toEqual(['/batch/missing-1', 'missing-2']);
});

test('GetParameters: 11 names is a ValidationException worded as AWS', async () => {
  const names = Array.from({ length: 11 }, (_, i) => `/n/${i}`);
  const err = await rejection(client().send(new GetParametersCommand({ Names: names })));
  expect(err).toBeInstanceOf(ValidationException);
  expect(err.message).toBe(
    `1 validation error detected: Value '[${names.join(', ')}]' at 'names' failed to satisfy constraint: Member must have length less than or equal to 10`,
  );
  const empty = await rejection(client().send(new GetParametersCommand({ Names: [] })));
  expect(empty.message).toContain('Member must have length greater than or equal to 1');
});

test('GetParametersByPath: non-recursive, recursive, and pagination across pages', async () => {
  const c = client();
  const direct = Array.from({ length: 13 }, (_, i) => `/site/prod/key${String(i).padStart(2, '0')}`);
  const deep = ['/site/prod/db/host', '/site/prod/db/port', '/site/prod/db/replica/host'];
  for (const name of [...direct, ...deep, '/site/staging/key', '/site/prodx/key', '/site/prod']) {
    ssm.parameters.put(REGION, { Name: name, Value: name, Type: 'String' });
  }

  const first = await c.send(new GetParametersByPathCommand({ Path: '/site/prod' }));
  expect(first.Parameters).toHaveLength(10); // MaxResults defaults to 10
  expect(first.NextToken).toEqual(expect.any(String));
  const second = await c.send(
    new GetParametersByPathCommand({ Path: '/site/prod', NextToken: first.NextToken }),
  );
  expect(second.NextToken).toBeUndefined();
  expect([...first.Parameters!, ...second.Parameters!].map((p) => p.Name)).toEqual(direct);

  const all: Parameter[] = [];
  let pages = 0;
  for await (const page of paginateGetParametersByPath(
    { client: c, pageSize: 4 },
    { Path: '/site/prod/', Recursive: true },
  )) {
    pages += 1;
    expect(page.Parameters!.length).toBeLessThanOrEqual(4);
    all.push(...page.Parameters!);
  }
  expect(all.map((p) => p.Name).sort()).toEqual([...direct, ...deep].sort());
  expect(pages).toBe(4); // 16 parameters, 4 per page

  const calls = server.calls({ operation: 'GetParametersByPath' });
  expect(calls).toHaveLength(6);
  expect(calls[3]!.input).toEqual({ Path: '/site/prod/', Recursive: true, MaxResults: 4, NextToken: true });

  const bad = await rejection(c.send(new GetParametersByPathCommand({ Path: '/site/prod', MaxResults: 11 })));
  expect(bad.message).toBe(
    "1 validation error detected: Value '11' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10",
  );
  const token = await rejection(
    c.send(new GetParametersByPathCommand({ Path: '/site/staging', NextToken: first.NextToken })),
  );
  expect(token.name).toBe('InvalidNextToken');
  const path = await rejection(c.send(new GetParametersByPathCommand({ Path: 'site/prod' })));
  expect(path).toBeInstanceOf(ValidationException);
  expect(path.message).toMatch(/^The parameter doesn't meet the parameter name requirements/);
});

test('GetParametersByPath filters by Type', async () => {
  ssm.parameters.put(REGION, { Name: '/f/a', Value: 'x', Type: 'String' });
  ssm.parameters.put(REGION, { Name: '/f/b', Value: 'y', Type: 'SecureString' });
  const res = await client().send(
    new GetParametersByPathCommand({
      Path: '/f',
      ParameterFilters: [{ Key: 'Type', Option: 'Equals', Values: ['SecureString'] }],
    }),
  );
  expect(res.Parameters!.map((p) => p.Name)).toEqual(['/f/b']);
});

test('forbidden names fail the whole call with AccessDeniedException and AWS wording', async () => {
  const c = client();
  ssm.parameters.put(REGION, { Name: '/ok/a', Value: 'a', Type: 'String' });
  ssm.parameters.put(REGION, { Name: '/secret/b', Value: 'b', Type: 'String' });
  await awsAdmin(server.url).forbid({ service: 'ssm', names: ['/secret/*'] });

  const err = await rejection(c.send(new GetParametersCommand({ Names: ['/ok/a', '/secret/b'] })));
  expect(err).toBeInstanceOf(AccessDeniedException);
  expect(err.$metadata.httpStatusCode).toBe(400);
  expect(err.message).toBe(
    `User: arn:aws:sts::${ACCOUNT}:assumed-role/emulator-role/emulator-session is not authorized to perform: ssm:GetParameters on resource: arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/secret/b because no identity-based policy allows the ssm:GetParameters action`,
  );
  const single = await rejection(c.send(new GetParameterCommand({ Name: '/secret/b' })));
  expect(single.message).toContain('perform: ssm:GetParameter on resource');
  // Names that do not exist are denied too: IAM decides before the lookup.
  const absent = await rejection(c.send(new GetParametersCommand({ Names: ['/secret/none'] })));
  expect(absent.name).toBe('AccessDeniedException');
  // Allowed names still work, and other regions are unaffected by a region-scoped rule.
  expect((await c.send(new GetParametersCommand({ Names: ['/ok/a'] }))).Parameters).toHaveLength(1);

  server.clearForbidden();
  server.forbid({ names: ['/ok/a'], region: 'us-east-1' });
  expect((await c.send(new GetParametersCommand({ Names: ['/ok/a'] }))).Parameters).toHaveLength(1);
  const east = await rejection(client('us-east-1').send(new GetParametersCommand({ Names: ['/ok/a'] })));
  expect(east.message).toContain(`arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/ok/a`);

  const log = server.calls({ operation: 'GetParameters' });
  expect(log.map((r) => r.error ?? 'ok')).toEqual([
    'AccessDeniedException',
    'AccessDeniedException',
    'ok',
    'ok',
    'AccessDeniedException',
  ]);
});

test('injected throttling is retried by the SDK, then succeeds', async () => {
  ssm.parameters.put(REGION, { Name: '/t/a', Value: 'a', Type: 'String' });
  await awsAdmin(server.url).addFault({
    service: 'ssm',
    operation: 'GetParameters',
    code: 'ThrottlingException',
    count: 2,
  });
  const res = await client().send(new GetParametersCommand({ Names: ['/t/a'] }));
  expect(res.Parameters![0]!.Value).toBe('a');
  expect(res.$metadata.attempts).toBe(3);
  const log = server.calls({ operation: 'GetParameters' });
  expect(log.map((r) => [r.status, r.error, r.injected])).toEqual([
    [400, 'ThrottlingException', true],
    [400, 'ThrottlingException', true],
    [200, undefined, undefined],
  ]);
  expect(server.faults()[0]).toMatchObject({ remaining: 0, hits: 2 });
}, 20000);

test('exhausted retries surface ThrottlingException with "Rate exceeded"', async () => {
  server.addFault({ service: 'ssm', code: 'ThrottlingException', always: true });
  const err = await rejection(
    client(REGION, { maxAttempts: 2 }).send(new GetParameterCommand({ Name: '/x' })),
  );
  expect(err).toBeInstanceOf(ThrottlingException);
  expect(err.message).toBe('Rate exceeded');
  expect(err.$metadata.attempts).toBe(2);
  expect(server.calls()).toHaveLength(2);
}, 20000);

test('injected InternalServerError (500) is retried as a server error', async () => {
  ssm.parameters.put(REGION, { Name: '/i/a', Value: 'a', Type: 'String' });
  server.addFault({ operation: 'GetParameter', code: 'InternalServerError' });
  const res = await client().send(new GetParameterCommand({ Name: '/i/a' }));
  expect(res.$metadata.attempts).toBe(2);
  expect(server.calls().map((r) => r.status)).toEqual([500, 200]);

  server.addFault({ operation: 'GetParameter', code: 'InternalServerError', count: 5 });
  const err = await rejection(
    client(REGION, { maxAttempts: 1 }).send(new GetParameterCommand({ Name: '/i/a' })),
  );
  expect(err.name).toBe('InternalServerError');
  expect(err.$fault).toBe('server');
  expect(err.$metadata.httpStatusCode).toBe(500);
}, 20000);

test('a wrong secret key is a signature error; an unknown key is an invalid token', async () => {
  const wrong = client(REGION, { credentials: { ...CREDS, secretAccessKey: 'not-the-secret' } });
  const err = await rejection(wrong.send(new GetParameterCommand({ Name: '/x' })));
  expect(err.name).toBe('InvalidSignatureException');
  expect(err.message).toMatch(
    /^The request signature we calculated does not match the signature you provided/,
  );
  expect(err.$metadata.httpStatusCode).toBe(400);

  const unknown = client(REGION, { credentials: { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' } });
  const err2 = await rejection(unknown.send(new GetParameterCommand({ Name: '/x' })));
  expect(err2.name).toBe('UnrecognizedClientException');
  expect(err2.message).toBe('The security token included in the request is invalid.');

  const withToken = client(REGION, { credentials: { ...CREDS, sessionToken: 'unexpected' } });
  const err3 = await rejection(withToken.send(new GetParameterCommand({ Name: '/x' })));
  expect(err3.name).toBe('UnrecognizedClientException');
  expect(server.calls().map((r) => [r.operation, r.error])).toEqual([
    ['GetParameter', 'InvalidSignatureException'],
    ['GetParameter', 'UnrecognizedClientException'],
    ['GetParameter', 'UnrecognizedClientException'],
  ]);
});

test('regions are isolated', async () => {
  await client('eu-west-1').send(new PutParameterCommand({ Name: '/r/p', Value: 'eu', Type: 'String' }));
  await client('us-east-1').send(new PutParameterCommand({ Name: '/r/p', Value: 'us', Type: 'String' }));
  const eu = await client('eu-west-1').send(new GetParameterCommand({ Name: '/r/p' }));
  const us = await client('us-east-1').send(new GetParameterCommand({ Name: '/r/p' }));
  expect([eu.Parameter!.Value, us.Parameter!.Value]).toEqual(['eu', 'us']);
  expect(us.Parameter!.ARN).toBe(`arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/r/p`);
  const err = await rejection(client('ap-south-1').send(new GetParameterCommand({ Name: '/r/p' })));
  expect(err).toBeInstanceOf(ParameterNotFound);
  const missing = await client('ap-south-1').send(new GetParametersCommand({ Names: ['/r/p'] }));
  expect(missing.InvalidParameters).toEqual(['/r/p']);
  expect(server.calls({ region: 'us-east-1' }).map((r) => r.operation)).toEqual([
    'PutParameter',
    'GetParameter',
  ]);
});

test('call log: ceil(n/10) GetParameters calls for n names, inputs summarized without values', async () => {
  const c = client();
  const names = Array.from({ length: 23 }, (_, i) => `/log/p${i}`);
  await seedParameters(server.url, CREDS, REGION, [
    { Name: '/log/secret', Value: 'do-not-log-me', Type: 'SecureString' },
    ...names.map((Name) => ({ Name, Value: 'v' })),
  ]);
  const admin = awsAdmin(server.url);
  const puts = await admin.calls({ operation: 'PutParameter' });
  expect(puts).toHaveLength(24);
  expect(puts[0]).toMatchObject({
    service: 'ssm',
    operation: 'PutParameter',
    region: REGION,
    accessKeyId: CREDS.accessKeyId,
    status: 200,
    input: { Name: '/log/secret', Type: 'SecureString', Overwrite: true },
  });
  expect(JSON.stringify(await admin.calls())).not.toContain('do-not-log-me');
  expect(await admin.clearCalls()).toBe(24 + 0);

  for (let i = 0; i < names.length; i += 10) {
    await c.send(new GetParametersCommand({ Names: names.slice(i, i + 10), WithDecryption: true }));
  }
  const gets = await admin.calls({ service: 'ssm', operation: 'GetParameters' });
  expect(gets).toHaveLength(Math.ceil(names.length / 10));
  expect(gets.map((g) => g.input['Names'])).toEqual([
    names.slice(0, 10),
    names.slice(10, 20),
    names.slice(20),
  ]);
  expect(gets[0]!.input['WithDecryption']).toBe(true);
  expect(gets.map((g) => g.seq)).toEqual([...gets.map((g) => g.seq)].sort((a, b) => a - b));
  await admin.clearCalls();
  expect(await admin.calls()).toEqual([]);
});

test('parameter names are validated as AWS does', async () => {
  const c = client();
  for (const Name of ['awsome', '/ssm/x', 'a/b', '/a//b', '/with space', '/bad@char']) {
    const err = await rejection(c.send(new PutParameterCommand({ Name, Value: 'v', Type: 'String' })));
    expect(err).toBeInstanceOf(ValidationException);
    expect(err.message).toMatch(
      /^Parameter name: can't be prefixed with "aws" or "ssm" \(case-insensitive\)/,
    );
  }
  const deep = `/${Array.from({ length: 16 }, (_, i) => `l${i}`).join('/')}`;
  const depth = await rejection(c.send(new PutParameterCommand({ Name: deep, Value: 'v', Type: 'String' })));
  expect(depth.name).toBe('HierarchyLevelLimitExceededException');
  const ok15 = `/${Array.from({ length: 15 }, (_, i) => `l${i}`).join('/')}`;
  expect((await c.send(new PutParameterCommand({ Name: ok15, Value: 'v', Type: 'String' }))).Version).toBe(1);

  const noType = await rejection(c.send(new PutParameterCommand({ Name: '/new/p', Value: 'v' })));
  expect(noType.message).toBe('A parameter type is required when you create a parameter.');
  const big = await rejection(
    c.send(new PutParameterCommand({ Name: '/big', Value: 'x'.repeat(4097), Type: 'String' })),
  );
  expect(big.message).toMatch(/^Standard tier parameters support a maximum parameter value of 4096/);
  const adv = await c.send(
    new PutParameterCommand({ Name: '/big', Value: 'x'.repeat(4097), Type: 'String', Tier: 'Advanced' }),
  );
  expect(adv.Tier).toBe('Advanced');
  const badType = await rejection(
    c.send(new PutParameterCommand({ Name: '/t', Value: 'v', Type: 'Number' as unknown as 'String' })),
  );
  expect(badType.message).toBe(
    "1 validation error detected: Value 'Number' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [String, StringList, SecureString]",
  );
});

test('DeleteParameter and DeleteParameters', async () => {
  const c = client();
  ssm.parameters.put(REGION, { Name: '/d/a', Value: 'a', Type: 'String' });
  ssm.parameters.put(REGION, { Name: '/d/b', Value: 'b', Type: 'String' });
  ssm.parameters.put(REGION, { Name: '/d/c', Value: 'c', Type: 'String' });
  await c.send(new DeleteParameterCommand({ Name: '/d/a' }));
  expect(ssm.parameters.get(REGION, '/d/a')).toBeUndefined();
  expect(await rejection(c.send(new DeleteParameterCommand({ Name: '/d/a' })))).toBeInstanceOf(
    ParameterNotFound,
  );
  const res = await c.send(new DeleteParametersCommand({ Names: ['/d/b', '/d/c', '/d/zzz'] }));
  expect(res).toMatchObject({ DeletedParameters: ['/d/b', '/d/c'], InvalidParameters: ['/d/zzz'] });
  expect(ssm.parameters.list(REGION)).toEqual([]);
});

test('parameters can be read by ARN', async () => {
  ssm.parameters.put(REGION, { Name: '/arn/p', Value: 'by-arn', Type: 'String' });
  const res = await client().send(
    new GetParameterCommand({ Name: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/arn/p` }),
  );
  expect(res.Parameter).toMatchObject({ Name: '/arn/p', Value: 'by-arn' });
  const other = await rejection(
    client().send(new GetParameterCommand({ Name: `arn:aws:ssm:us-east-2:${ACCOUNT}:parameter/arn/p` })),
  );
  expect(other).toBeInstanceOf(ParameterNotFound);
});

test('admin seeding and listing over HTTP', async () => {
  const admin = awsAdmin(server.url);
  const results = await admin.ssm.put('us-west-2', [
    { Name: '/seed/a', Value: 'A' },
    { Name: '/seed/s', Value: 'S', Type: 'SecureString' },
  ]);
  expect(results).toEqual([
    { Name: '/seed/a', Version: 1, Tier: 'Standard' },
    { Name: '/seed/s', Version: 1, Tier: 'Standard' },
  ]);
  const listed = await admin.ssm.list('us-west-2');
  expect(listed.map((p) => [p.Name, p.Type, p.Value])).toEqual([
    ['/seed/a', 'String', 'A'],
    ['/seed/s', 'SecureString', 'S'],
  ]);
  const res = await client('us-west-2').send(
    new GetParameterCommand({ Name: '/seed/s', WithDecryption: true }),
  );
  expect(res.Parameter!.Value).toBe('S');
  await expect(admin.ssm.put('us-west-2', [{ Name: 'ssm-reserved', Value: 'x' }])).rejects.toMatchObject({
    status: 400,
    body: { code: 'ValidationException' },
  });
  await admin.ssm.clear('us-west-2');
  expect(await admin.ssm.list()).toEqual([]);
});
