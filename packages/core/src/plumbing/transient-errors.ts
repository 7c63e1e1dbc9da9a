/**
 * Failures worth retrying that every networked driver shares: Node's socket errors. Each
 * adapter adds what only its store says ("LOADING" from Redis, SQLSTATE 08xxx from PostgreSQL)
 * and asks `errorChain` for the same walk through wrapped errors.
 */

/** Node's socket error codes that mean "the request may not have arrived; try again". */
export const TRANSIENT_SOCKET_CODES: ReadonlySet<string> = new Set([
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

/** The error and its causes (drivers and pools wrap errors), outermost first, at most 5 deep. */
export function errorChain(error: unknown): Record<string, unknown>[] {
  const chain: Record<string, unknown>[] = [];
  let current: unknown = error;
  while (current && typeof current === 'object' && chain.length < 5 && !chain.includes(current as Record<string, unknown>)) {
    chain.push(current as Record<string, unknown>);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

/** True when the error, or one of its causes, is a transient socket failure. */
export function isTransientSocketError(error: unknown): boolean {
  return errorChain(error).some((e) => typeof e.code === 'string' && TRANSIENT_SOCKET_CODES.has(e.code));
}
