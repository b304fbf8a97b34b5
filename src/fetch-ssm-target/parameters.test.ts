import { expect, test } from '@jest/globals';
import { batches, type GetParametersBatch, readParameters } from './parameters.ts';

test('batches of at most 10', () => {
  expect(batches([...Array(25).keys()]).map((b) => b.length)).toEqual([10, 10, 5]);
  expect(batches([])).toEqual([]);
});

function fakeSsm(store: Record<string, { type: string; value: string }>) {
  const calls: string[][] = [];
  const getBatch: GetParametersBatch = async (names) => {
    calls.push(names);
    if (names.length > 10) throw new Error('more than 10 names');
    return {
      parameters: names
        .filter((n) => store[n])
        .map((n) => ({ name: n, type: store[n]!.type, value: store[n]!.value, version: 1 })),
      invalid: names.filter((n) => !store[n]),
    };
  };
  return { calls, getBatch };
}

test.each([1, 9, 10, 11, 20, 21, 35])('%i names cost ceil(n/10) calls', async (n) => {
  const names = Array.from({ length: n }, (_, i) => `/p/${i}`);
  const ssm = fakeSsm(Object.fromEntries(names.map((name) => [name, { type: 'String', value: name }])));
  const set = await readParameters(names, ssm.getBatch, () => {});
  expect(ssm.calls.length).toBe(Math.ceil(n / 10));
  expect(set.calls).toBe(Math.ceil(n / 10));
  expect(set.found.size).toBe(n);
});

test('duplicates are read once; missing names are reported', async () => {
  const ssm = fakeSsm({ '/a': { type: 'String', value: 'A' } });
  const set = await readParameters(['/a', '/a', '/b'], ssm.getBatch, () => {});
  expect(ssm.calls).toEqual([['/a', '/b']]);
  expect(set.missing).toEqual(['/b']);
});

test('SecureString values and always-secret names are masked before the call returns', async () => {
  const ssm = fakeSsm({
    '/s': { type: 'SecureString', value: 'top-secret' },
    '/k': { type: 'String', value: 'key-stored-as-string' },
    '/h': { type: 'String', value: 'host' },
  });
  const masked: string[] = [];
  const events: string[] = [];
  const getBatch: GetParametersBatch = async (names) => {
    const out = await ssm.getBatch(names);
    events.push('response');
    return out;
  };
  const set = await readParameters(
    ['/s', '/k', '/h'],
    getBatch,
    (v) => {
      masked.push(v);
      events.push('mask');
    },
    new Set(['/k']),
  );
  expect(masked.sort()).toEqual(['key-stored-as-string', 'top-secret']);
  expect(events).toEqual(['response', 'mask', 'mask']);
  expect(set.found.get('/h')?.value).toBe('host');
});
