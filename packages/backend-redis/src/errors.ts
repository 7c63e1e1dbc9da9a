/**
 * Which failures are worth retrying. Core retries stores and reads that fail with one of these
 * under its `retry` policy (Celery's `retry_policy` / `result_backend_always_retry`, which
 * before 5.5 never retried reads because connection errors were not marked safe: #9613).
 */

// Socket-level failures: the command may not have reached the server, or its reply was lost.
const RETRYABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTCONN',
  'ESOCKETTIMEDOUT',
]);

// Server replies that mean "not now" rather than "never": a replica being promoted, a
// dataset still loading, a cluster re-sharding, a script or failover in progress.
const RETRYABLE_REPLIES = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY)\b/;

// What ioredis throws when a connection drops or a timeout fires.
const RETRYABLE_MESSAGES = /Connection is closed|Command timed out|Socket timeout|Stream isn't writeable|Command aborted due to connection close|Failed to refresh slots cache|None of the sentinels are available|All sentinels are unreachable/i;

const RETRYABLE_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);

/** True for connection losses, timeouts and transient server states; false for everything else. */
export function isRetryableRedisError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (RETRYABLE_NAMES.has(error.name)) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && RETRYABLE_CODES.has(code)) return true;
  if (RETRYABLE_REPLIES.test(error.message) || RETRYABLE_MESSAGES.test(error.message)) return true;
  // ioredis wraps some failures (e.g. a pipeline that lost its connection); look one level down.
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error && cause instanceof Error && isRetryableRedisError(cause);
}
