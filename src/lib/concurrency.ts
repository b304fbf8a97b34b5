/** Outcome of one item of `mapPool`. */
export type Settled<T, R> = { item: T; ok: true; value: R } | { item: T; ok: false; error: unknown };

/**
 * Runs `fn` over `items` with at most `limit` calls in flight; never rejects: every item's outcome is
 * returned, in input order, so a caller can finish a phase and then report every failure.
 */
export async function mapPool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<Settled<T, R>[]> {
  const results: Settled<T, R>[] = new Array<Settled<T, R>>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const index = next++;
      if (index >= items.length) return;
      const item = items[index]!;
      try {
        results[index] = { item, ok: true, value: await fn(item, index) };
      } catch (error) {
        results[index] = { item, ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
