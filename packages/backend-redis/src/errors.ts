import { isTlsFailure, isTransientSocketError, type FailureKind } from '@resultkit/core';

/**
 * Which failures are worth retrying. Core retries stores and reads that fail with one of these
 * under its `retry` policy (Celery's `retry_policy` / `result_backend_always_retry`, which
 * before 5.5 never retried reads because connection errors were not marked safe: #9613).
 */

// Server replies that mean "not now" rather than "never": a replica being promoted, a
// dataset still loading, a cluster re-sharding, a script or failover in progress. MOVED and
// ASK reach us only from a pipeline, which ioredis does not redirect (see replica-wait.ts).
const RETRYABLE_REPLIES = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|MOVED|ASK)\b/;

// What ioredis throws when a connection drops or a timeout fires (or a Cluster is between
// topologies: "Too many Cluster redirections" while a failover moves the slots, and a batch of
// writes grouped by node that no longer share one, see replica-wait.ts).
const RETRYABLE_MESSAGES = /Connection is closed|Command timed out|Socket timeout|Stream isn't writeable|Command aborted due to connection close|Failed to refresh slots cache|Too many Cluster redirections|None of the sentinels are available|All sentinels are unreachable|should belong to the same slots allocation group/i;

const RETRYABLE_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);

/** True for connection losses, timeouts and transient server states; false for everything else. */
export function isRetryableRedisError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (RETRYABLE_NAMES.has(error.name)) return true;
  // Socket-level failures (core's list): the command may not have arrived, or its reply was lost.
  if (isTransientSocketError(error)) return true;
  if (RETRYABLE_REPLIES.test(error.message) || RETRYABLE_MESSAGES.test(error.message)) return true;
  // ioredis wraps some failures (e.g. a pipeline that lost its connection); look one level down.
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error && cause instanceof Error && isRetryableRedisError(cause);
}

// Refusals a reconnect will not change: a wrong login, a db number out of range, TLS spoken to
// a server that does not (or a certificate that does not verify).
const AUTH_REPLIES = /^(WRONGPASS|NOAUTH|NOPERM)\b|invalid password|invalid username-password/i;
const CONFIGURATION_COMMANDS = new Set(['auth', 'hello', 'select']);

/** How a Redis failure reaches the user (see core's `backendError`). */
export function redisFailureKind(error: unknown): FailureKind {
  if (!(error instanceof Error)) return 'operation';
  const command = (error as { command?: { name?: unknown } }).command;
  const name = typeof command?.name === 'string' ? command.name.toLowerCase() : '';
  if (error.name === 'ReplyError' && CONFIGURATION_COMMANDS.has(name)) return 'configuration';
  if (AUTH_REPLIES.test(error.message) || /DB index is out of range/i.test(error.message)) return 'configuration';
  if (isTlsFailure(error)) return 'configuration';
  if (isRetryableRedisError(error)) return 'unavailable';
  return 'operation';
}
