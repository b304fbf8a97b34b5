// The CloudFront invalidation endpoint, driven by the unmodified @aws-sdk/client-cloudfront.
import { afterAll, beforeAll, beforeEach, expect, test } from '@jest/globals';
import {
  CloudFrontClient,
  CloudFrontServiceException,
  CreateInvalidationCommand,
  GetInvalidationCommand,
  ListInvalidationsCommand,
  waitUntilInvalidationCompleted,
} from '@aws-sdk/client-cloudfront';
import { startAwsServer, type AwsServer } from '../server.ts';
import { createCloudFrontService, isValidInvalidationPath, type CloudFrontService } from '../cloudfront.ts';
import { awsAdmin } from '../admin-client.ts';
import { rejection as rejectionOf } from './rejection.ts';

const ACCOUNT = '444455556666';
const CREDS = { accessKeyId: 'AKIACFTEST00000001', secretAccessKey: 'cf/Secret+Key' };
const DIST = 'E1TESTDIST0001';

let server: AwsServer;
let cf: CloudFrontService;
let client: CloudFrontClient;

beforeAll(async () => {
  cf = createCloudFrontService({ accountId: ACCOUNT, distributions: [{ id: DIST }], completeAfterMs: 300 });
  server = await startAwsServer({ accountId: ACCOUNT, credentials: CREDS, services: [cf] });
  client = new CloudFrontClient({
    region: 'us-east-1',
    endpoint: server.url,
    credentials: CREDS,
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await server.close();
});

beforeEach(() => server.reset());

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, CloudFrontServiceException);

const create = (paths: string[], ref = `ref-${Math.random()}`) =>
  client.send(
    new CreateInvalidationCommand({
      DistributionId: DIST,
      InvalidationBatch: { CallerReference: ref, Paths: { Quantity: paths.length, Items: paths } },
    }),
  );

test('CreateInvalidation records paths; GetInvalidation turns Completed after the delay; the SDK waiter works', async () => {
  const created = await create(['/', '/index.html', '/about/', '/about/index.html', '/a%20b.html']);
  expect(created.Location).toBe(
    `https://cloudfront.amazonaws.com/2020-05-31/distribution/${DIST}/invalidation/${created.Invalidation!.Id}`,
  );
  expect(created.Invalidation).toMatchObject({
    Status: 'InProgress',
    InvalidationBatch: {
      Paths: { Quantity: 5, Items: ['/', '/index.html', '/about/', '/about/index.html', '/a%20b.html'] },
    },
  });
  const id = created.Invalidation!.Id!;
  const got = await client.send(new GetInvalidationCommand({ DistributionId: DIST, Id: id }));
  expect(got.Invalidation!.Status).toBe('InProgress');
  const waited = await waitUntilInvalidationCompleted(
    { client, maxWaitTime: 10, minDelay: 1, maxDelay: 1 },
    { DistributionId: DIST, Id: id },
  );
  expect(waited.state).toBe('SUCCESS');
  expect(cf.cloudfront.invalidations(DIST).map((i) => [i.id, i.status])).toEqual([[id, 'Completed']]);
  expect(server.calls({ service: 'cloudfront' })[0]).toMatchObject({
    operation: 'CreateInvalidation',
    input: {
      DistributionId: DIST,
      Paths: ['/', '/index.html', '/about/', '/about/index.html', '/a%20b.html'],
    },
  });
});

test('ListInvalidations pages newest first', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await create([`/p${i}`])).Invalidation!.Id!);
  const first = await client.send(new ListInvalidationsCommand({ DistributionId: DIST, MaxItems: 2 }));
  expect(first.InvalidationList).toMatchObject({ IsTruncated: true, Quantity: 2, NextMarker: ids[0] });
  expect(first.InvalidationList!.Items!.map((i) => i.Id)).toEqual([ids[2], ids[1]]);
  const second = await client.send(
    new ListInvalidationsCommand({
      DistributionId: DIST,
      MaxItems: 2,
      Marker: first.InvalidationList!.NextMarker,
    }),
  );
  expect(second.InvalidationList!.Items!.map((i) => i.Id)).toEqual([ids[0]]);
});

test('in-progress limits: 3,000 file paths and 15 wildcard paths -> TooManyInvalidationsInProgress', async () => {
  const files = Array.from({ length: 3000 }, (_, i) => `/f${i}.html`);
  await create(files);
  const over = await rejection(create(['/one-more.html']));
  expect([over.name, over.$metadata.httpStatusCode]).toEqual(['TooManyInvalidationsInProgress', 400]);
  const wild = Array.from({ length: 15 }, (_, i) => `/d${i}/*`);
  await create(wild);
  expect((await rejection(create(['/x/*']))).name).toBe('TooManyInvalidationsInProgress');
  // Completed invalidations free the budget.
  await awsAdmin(server.url).cloudfront.completeAll();
  await create(['/x/*', '/one-more.html']);
});

test('errors: unknown distribution, invalid paths, inconsistent quantity, reused caller reference, forced fault', async () => {
  const nd = await rejection(
    client.send(
      new CreateInvalidationCommand({
        DistributionId: 'ENOPE',
        InvalidationBatch: { CallerReference: 'r', Paths: { Quantity: 1, Items: ['/'] } },
      }),
    ),
  );
  expect([nd.name, nd.$metadata.httpStatusCode]).toEqual(['NoSuchDistribution', 404]);
  for (const bad of ['no-slash', '/a b.html', '/ü.html', '/a*b', '/#x', '/100%.txt']) {
    expect(isValidInvalidationPath(bad)).toBe(false);
  }
  expect((await rejection(create(['/a b.html']))).name).toBe('InvalidArgument');
  const inconsistent = await rejection(
    client.send(
      new CreateInvalidationCommand({
        DistributionId: DIST,
        InvalidationBatch: { CallerReference: 'q', Paths: { Quantity: 2, Items: ['/'] } },
      }),
    ),
  );
  expect(inconsistent.name).toBe('InconsistentQuantities');
  const first = await create(['/a'], 'same');
  expect((await create(['/a'], 'same')).Invalidation!.Id).toBe(first.Invalidation!.Id);
  expect((await rejection(create(['/b'], 'same'))).name).toBe('InvalidationBatchAlreadyExists');
  const nsi = await rejection(client.send(new GetInvalidationCommand({ DistributionId: DIST, Id: 'INOPE' })));
  expect(nsi.name).toBe('NoSuchInvalidation');

  server.addFault({
    service: 'cloudfront',
    operation: 'CreateInvalidation',
    code: 'TooManyInvalidationsInProgress',
  });
  const forced = await rejection(create(['/c']));
  expect([forced.name, forced.message]).toEqual([
    'TooManyInvalidationsInProgress',
    'Your request contains too many invalidations. Processing of your invalidations is limited: wait for in-progress invalidations to complete.',
  ]);
  const admin = awsAdmin(server.url);
  expect((await admin.cloudfront.invalidations(DIST)).map((i) => i.paths)).toEqual([['/a']]);
});
