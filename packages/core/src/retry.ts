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
export async function withRetry<T>(
  operation: () => Promise<T>,
  isRetryable: (error: unknown) => boolean,
  policy: Required<RetryPolicy>,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= policy.maxRetries || !isRetryable(error) || signal?.aborted) throw error;
      // Full jitter: retries from many clients after one outage do not arrive in lockstep.
      const ceiling = Math.min(policy.maxDelay, policy.baseDelay * 2 ** attempt);
      await sleep(Math.random() * ceiling, undefined, signal ? { signal } : undefined).catch(() => {});
      if (signal?.aborted) throw error;
    }
  }
}
