import { awsErrorInfo, isThrottling } from './aws.ts';

export interface RetryOptions {
  /** Total attempts, the first included. */
  attempts: number;
  /** Delay before the first retry; doubles each time (full jitter), capped at `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  isRetryable: (error: unknown) => boolean;
  /** Called before each retry with the attempt that failed (1-based) and the delay. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls `fn` until it succeeds, a non-retryable error, or `attempts` runs out (then the last error). */
export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const wait = opts.sleep ?? sleep;
  const random = opts.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= opts.attempts || !opts.isRetryable(error)) throw error;
      const cap = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** (attempt - 1));
      const delay = Math.round(cap / 2 + (random() * cap) / 2);
      opts.onRetry?.(error, attempt, delay);
      await wait(delay);
    }
  }
}

/**
 * Transient AWS failures worth another try after the SDK's own retries gave up: throttling, 5xx,
 * timeouts and dropped connections. Client errors (4xx: access, validation) are not.
 */
export function isTransientAwsError(error: unknown): boolean {
  const info = awsErrorInfo(error);
  if (isThrottling(error)) return true;
  if (info.status !== undefined && info.status >= 500) return true;
  return /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|socket hang up|TimeoutError|RequestTimeout|NetworkingError|No retry token available/i.test(
    `${info.name} ${info.message}`,
  );
}
