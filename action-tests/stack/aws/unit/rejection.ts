import { expect } from '@jest/globals';

/**
 * The error a call rejects with, checked to be the client's service exception (a network or
 * signing error would be another type); fails the test when the call succeeds.
 */
export async function rejection<E>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(type);
    return e as E;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
