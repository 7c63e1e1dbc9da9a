import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Retries of backend operations that failed with a retryable error (a lost connection, a
 * timeout). Celery retries only some operations and, before 5.5, not reads at all (#9613);
 * here every store and read is retried the same way.
 */
export interface RetryPolicy {
  /** Retries after the first attempt (default 5); 0 disables retrying. */
  maxRetries?: number;
  /** Delay before the first retry in milliseconds (default 10); doubled on each retry. */
  baseDelay?: number;
  /** Longest delay between two attempts in milliseconds (default 1000). */
  maxDelay?: number;
}

export const DEFAULT_RETRY_POLICY: Required<RetryPolicy> = { maxRetries: 5, baseDelay: 10, maxDelay: 1000 };

/**
 * Runs `operation`, retrying while `isRetryable(error)` and the policy allows. Once `signal` is
 * aborted no further attempt starts: the last error is thrown.
 */
export function withRetry<T>(
  operation: () => Promise<T>,
  isRetryable: (error: unknown) => boolean,
  policy: Required<RetryPolicy>,
  signal?: AbortSignal,
): Promise<T> {
  // Not `async`: the first attempt usually succeeds, and every store and read passes here, so
  // it costs one promise reaction, not a suspended frame; the loop starts only after a failure.
  return attempt(operation).then(undefined, (error: unknown) => retryAfter(error, operation, isRetryable, policy, signal));
}

/** The retries of `operation` after its first attempt failed with `error` (see `withRetry`). */
export async function retryAfter<T>(
  error: unknown,
  operation: () => Promise<T>,
  isRetryable: (error: unknown) => boolean,
  policy: Required<RetryPolicy>,
  signal?: AbortSignal,
): Promise<T> {
  for (let retries = 0; ; retries++) {
    if (retries >= policy.maxRetries || !isRetryable(error) || signal?.aborted) throw error;
    // Full jitter: retries from many clients after one outage do not arrive in lockstep.
    const ceiling = Math.min(policy.maxDelay, policy.baseDelay * 2 ** retries);
    await sleep(Math.random() * ceiling, undefined, signal ? { signal } : undefined).catch(() => {});
    if (signal?.aborted) throw error;
    try {
      return await operation();
    } catch (next) {
      error = next;
    }
  }
}

/** `operation()`, with an exception it throws before returning a promise turned into a rejection. */
export function attempt<T>(operation: () => Promise<T>): Promise<T> {
  try {
    // An adapter's plain value or foreign thenable becomes a promise; a native one is returned as it is.
    return Promise.resolve(operation());
  } catch (error) {
    return Promise.reject(error);
  }
}
