import { expect, test } from '@jest/globals';
import { mapPool } from './concurrency.ts';
import { retry, isTransientAwsError } from './retry.ts';

test('mapPool keeps at most `limit` calls in flight and reports every outcome in order', async () => {
  let inFlight = 0;
  let peak = 0;
  const results = await mapPool([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setTimeout(r, 5));
    inFlight--;
    if (n === 4) throw new Error('four');
    return n * 2;
  });
  expect(peak).toBe(3);
  expect(results.map((r) => (r.ok ? r.value : `error ${(r.error as Error).message}`))).toEqual([
    2,
    4,
    6,
    'error four',
    10,
    12,
    14,
  ]);
});

test('retry backs off on transient errors and gives up on others', async () => {
  const delays: number[] = [];
  let calls = 0;
  const value = await retry(
    () => {
      calls++;
      if (calls < 3)
        return Promise.reject(
          Object.assign(new Error('slow'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } }),
        );
      return Promise.resolve('ok');
    },
    {
      attempts: 5,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      isRetryable: isTransientAwsError,
      sleep: (ms) => (delays.push(ms), Promise.resolve()),
      random: () => 1,
    },
  );
  expect([value, calls, delays]).toEqual(['ok', 3, [100, 200]]);
  const denied = Object.assign(new Error('no'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
  await expect(
    retry(() => Promise.reject(denied), {
      attempts: 5,
      baseDelayMs: 1,
      maxDelayMs: 1,
      isRetryable: isTransientAwsError,
    }),
  ).rejects.toBe(denied);
  expect(isTransientAwsError(Object.assign(new Error('x'), { $metadata: { httpStatusCode: 500 } }))).toBe(
    true,
  );
  expect(isTransientAwsError(new Error('socket hang up'))).toBe(true);
});
