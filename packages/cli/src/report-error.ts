import {
  AbortError,
  AdapterNotInstalledError,
  BackendUnavailableError,
  ConfigurationError,
  ContentDisallowedError,
  DecodeError,
  MigrationLossError,
  TimeoutError,
  errorChain,
  isTlsFailure,
} from '@resultkit/core';
import { CommanderError } from 'commander';
import { ExitCode } from './exit-codes.js';
import type { Output } from './output.js';
import { UsageError } from './usage-error.js';

// What drivers say when the server refused the user or password: Redis replies, PostgreSQL's
// SQLSTATE 28xxx (invalid authorization), MySQL's ER_ACCESS_DENIED_ERROR and friends.
const AUTH_CODES = new Set(['28P01', '28000', 'ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ACCESS_REFUSED']);
const AUTH_TEXT = /WRONGPASS|NOAUTH|invalid password|password authentication failed|Access denied|ACCESS_REFUSED|authentication failed/i;

/** Why a backend failed, in one line the user can act on; null when the message says it all. */
export function hintFor(error: unknown): string | null {
  const chain = errorChain(error);
  if (error instanceof AdapterNotInstalledError) {
    return `install the adapter next to @resultkit/cli: npm install ${error.packageName} (the CLI loads adapters installed beside it or in the current project).`;
  }
  const code = chain.map((e) => e.code).find((c): c is string => typeof c === 'string' && /^E[A-Z]+$/.test(c));
  if (code === 'ECONNREFUSED') return 'service down: nothing listens at that host and port. Start the server or fix the URL.';
  if (error instanceof BackendUnavailableError && !code && /\brediss:\/\//.test(error.message)) {
    // A plain Redis server never answers a TLS handshake: the connection just times out.
    return 'no answer to the TLS handshake: a TLS mismatch if the server does not speak TLS (then use redis://), or a service that is down or filtered.';
  }
  if (chain.some((e) => isTlsFailure(e) || /wrong version number|SSL routines|self[- ]signed|server does not support SSL/i.test(String(e.message ?? '')))) {
    return 'TLS mismatch: the URL asks for TLS the server does not speak, or the other way round, or the certificate does not verify (rediss:// vs redis://, ssl_cert_reqs, sslmode).';
  }
  if (chain.some((e) => (typeof e.code === 'string' && AUTH_CODES.has(e.code)) || AUTH_TEXT.test(String(e.message ?? '')))) {
    return 'wrong user or password: the server refused the credentials of the URL (check RESULTKIT_URL / CELERY_RESULT_BACKEND).';
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve: fix the URL.';
  if (code && ['ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code)) return 'the host does not answer: a firewall, a wrong address, or a server that is down.';
  if (error instanceof BackendUnavailableError) return 'the service could not be reached: is it running, and is the URL right? --connect-timeout sets how long to wait.';
  if (error instanceof ConfigurationError && /\baccept\b/.test(error.message)) {
    return 'on the command line, --accept takes the serializers to read, comma-separated (--accept pickle,json); --serializer alone accepts that serializer.';
  }
  if (error instanceof ContentDisallowedError) return `the stored value is ${error.contentType}: pass the writer's --serializer (or add it to --accept) only if you trust every writer of this backend.`;
  if (error instanceof DecodeError) return 'the stored bytes do not read in the serializer given: pass the writer\'s result_serializer with --serializer (and --accept).';
  if (error instanceof MigrationLossError) return 'pass --allow-lossy to copy such entries anyway; each one is then listed.';
  if (error instanceof TimeoutError) return 'the backend answered too slowly; --connect-timeout sets how long to wait.';
  return null;
}

/** The exit code an error ends a command with. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof UsageError || error instanceof CommanderError) return ExitCode.USAGE;
  if (error instanceof AbortError) return ExitCode.INTERRUPTED;
  if (error instanceof AdapterNotInstalledError || error instanceof BackendUnavailableError || error instanceof ConfigurationError) return ExitCode.BACKEND;
  return ExitCode.FAILURE;
}

/**
 * Prints an error the way every command does: one line with the message, a hint when one
 * applies, and the stack and causes only with `--verbose`. Returns the exit code.
 */
export function reportError(error: unknown, out: Output): ExitCode {
  const message = error instanceof Error ? error.message : String(error);
  out.note(`resultkit: ${message}`);
  const hint = hintFor(error);
  if (hint) out.note(`hint: ${hint}`);
  if (out.verbose && error instanceof Error) {
    for (const [depth, e] of errorChain(error).entries()) {
      out.note(depth === 0 ? String(e.stack ?? '') : `caused by: ${String(e.stack ?? e.message ?? '')}`);
    }
  } else if (!(error instanceof UsageError)) {
    out.note('(--verbose shows the stack and causes)');
  }
  return exitCodeFor(error);
}
