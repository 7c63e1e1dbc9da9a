/** How long and how to wait for a result. */
export interface WaitOptions {
  /** Milliseconds to wait before giving up with `TimeoutError`; undefined waits forever. */
  timeout?: number;
  /** Cancels the wait with `AbortError`. */
  signal?: AbortSignal;
  /**
   * First polling interval in milliseconds, for backends without push (default 100). Each read
   * that finds nothing new waits 1.5 times longer, up to `maxInterval`.
   */
  interval?: number;
  /** Longest polling interval in milliseconds (default 1000). */
  maxInterval?: number;
}

export const DEFAULT_POLL_INTERVAL = 100;
export const DEFAULT_MAX_POLL_INTERVAL = 1000;
