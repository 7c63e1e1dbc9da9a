import { BackendOperationError, BackendUnavailableError, ConfigurationError, ResultkitError } from './errors.js';
import { redactUrl } from './url.js';

/**
 * Driver errors repeat what they were given: ioredis' `ReplyError` carries the AUTH command's
 * arguments (the password), a parser's message repeats the URL, a pool error holds its config.
 * So no driver error leaves resultkit as it is. `scrubError` makes a copy that keeps what helps
 * to diagnose a failure (name, message, stack, `code`, `errno`, SQLSTATE, address, port...) with
 * every known secret replaced by `***`, and leaves out everything else: command arguments,
 * nested objects (sockets, clients, configs), properties whose names suggest a secret.
 * `backendError` wraps such a copy in one of core's typed errors.
 */

const MASK = '***';
// Properties never copied, whatever their value: command arguments and anything named like a secret.
const DROPPED = /^(command|args|argv|parameters|values|config|options|client|connection|socket)$|pass|secret|token|auth|credential|key$/i;
const MAX_DEPTH = 8;

/** The secret strings of one backend (passwords, passphrases), to remove from anything it reports. */
export class Secrets {
  readonly #values: string[];

  constructor(values: Iterable<unknown> = []) {
    const found = new Set<string>();
    for (const value of values) {
      if (typeof value !== 'string' || value === '') continue;
      found.add(value);
      // URLs carry the password percent-encoded; a message may repeat either form.
      const encoded = encodeURIComponent(value);
      if (encoded !== value) found.add(encoded);
    }
    // Longest first, so a secret that contains another is replaced whole.
    this.#values = [...found].sort((a, b) => b.length - a.length);
  }

  /** The passwords a backend URL carries: in the user info of every `;`-separated part and in `?password=`. */
  static fromUrl(url: string, ...more: unknown[]): Secrets {
    const values: unknown[] = [...more];
    for (const match of url.matchAll(/\/\/[^/@:;?#]*:([^@/;]*)@/g)) values.push(safeDecode(match[1]!));
    for (const match of url.matchAll(/[?&](?:password|pass|pwd)=([^&#;]*)/gi)) values.push(safeDecode(match[1]!.replace(/\+/g, ' ')));
    return new Secrets(values);
  }

  /** `text` with every secret, and the password of any URL in it, replaced by `***`. */
  text(text: string): string {
    let out = text;
    for (const secret of this.#values) out = out.split(secret).join(MASK);
    return redactUrl(out);
  }
}

/**
 * A copy of `error` safe to show, log and serialise: see the top of this file. Its `cause` (and
 * an `AggregateError`'s `errors`) are scrubbed the same way. Not an `Error`? A new one with its text.
 */
export function scrubError(error: unknown, secrets: Secrets): Error {
  return scrub(error, secrets, 0, new Map());
}

function scrub(error: unknown, secrets: Secrets, depth: number, seen: Map<unknown, Error>): Error {
  if (!(error instanceof Error)) return new Error(secrets.text(String(error)));
  const done = seen.get(error);
  if (done) return done;
  const copy = new Error(secrets.text(error.message));
  seen.set(error, copy);
  // The driver's class name stays readable (`ReplyError: WRONGPASS ...`) without its prototype,
  // whose getters or custom inspection could show what was removed.
  Object.defineProperty(copy, 'name', { value: error.name, configurable: true, writable: true, enumerable: false });
  copy.stack = secrets.text(error.stack ?? `${error.name}: ${error.message}`);
  for (const key of Object.keys(error)) {
    if (DROPPED.test(key) || key === 'cause' || key === 'errors') continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    if (typeof value === 'string') (copy as unknown as Record<string, unknown>)[key] = secrets.text(value);
    else if (typeof value === 'number' || typeof value === 'boolean') (copy as unknown as Record<string, unknown>)[key] = value;
  }
  if (depth < MAX_DEPTH) {
    const cause = (error as { cause?: unknown }).cause;
    if (cause !== undefined && cause !== null) {
      Object.defineProperty(copy, 'cause', { value: scrub(cause, secrets, depth + 1, seen), configurable: true, writable: true, enumerable: false });
    }
    const errors = (error as { errors?: unknown }).errors;
    if (Array.isArray(errors)) {
      Object.defineProperty(copy, 'errors', {
        value: errors.map((e) => scrub(e, secrets, depth + 1, seen)),
        configurable: true,
        writable: true,
        enumerable: false,
      });
    }
  }
  return copy;
}

/**
 * How a driver failure reaches the user: `unavailable` (the server could not be reached),
 * `configuration` (it refused the URL's user, password, database or TLS), `operation` (anything else).
 */
export type FailureKind = 'unavailable' | 'configuration' | 'operation';

export interface BackendErrorInit {
  /** What failed, for the message: `Redis at redis://127.0.0.1:6379/0` (already redacted). */
  target: string;
  error: unknown;
  secrets: Secrets;
  /** What to do about it; a default per kind otherwise. */
  advice?: string;
}

const PHRASE: Record<FailureKind, string> = {
  unavailable: 'could not be reached',
  configuration: 'refused the connection',
  operation: 'failed the operation',
};

const ADVICE: Record<FailureKind, string> = {
  unavailable: 'Check that the server is running and reachable from here; connectTimeout sets how long an operation waits for it.',
  configuration: 'Check the user, password, database and TLS settings of the URL and options.',
  operation: 'See the cause for the server\u2019s own error.',
};

/**
 * The typed error for a driver failure: `BackendUnavailableError`, `ConfigurationError` or
 * `BackendOperationError`, its message built from `target`, the scrubbed driver message and
 * advice, its `cause` the scrubbed copy. Core's own errors are returned unchanged.
 */
export function backendError(kind: FailureKind, init: BackendErrorInit): ResultkitError {
  if (init.error instanceof ResultkitError) return init.error;
  const cause = scrubError(init.error, init.secrets);
  const detail = cause.message ? `: ${cause.message.replace(/\.$/, '')}` : '';
  const message = `${init.target} ${PHRASE[kind]}${detail}. ${init.advice ?? ADVICE[kind]}`;
  if (kind === 'unavailable') return new BackendUnavailableError(message, { cause });
  if (kind === 'configuration') return new ConfigurationError(message, { cause });
  return new BackendOperationError(message, { cause });
}

// Node's TLS errors: a certificate that does not verify, or TLS spoken to a peer that does not.
const TLS_CODES = /^(ERR_SSL_|ERR_TLS_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|CERT_)/;

/** True for Node's TLS failures (by `code`): the configuration's doing, not the network's. */
export function isTlsFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TLS_CODES.test(code);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
