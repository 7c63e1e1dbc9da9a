/**
 * Every error resultkit throws is a `ResultkitError` with a stable `code`, a message that says
 * what to do, and the underlying error attached as `cause`.
 */
export class ResultkitError extends Error {
  /** A stable identifier callers can branch on without parsing messages. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Stored bytes could not be decoded: corrupt data, a foreign serializer, a malformed document. */
export class DecodeError extends ResultkitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_RESULTKIT_DECODE', message, options);
  }
}

/** A value could not be encoded by the configured serializer. */
export class EncodeError extends ResultkitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_RESULTKIT_ENCODE', message, options);
  }
}

/** A stored value's content type is not in the `accept` whitelist; it was not decoded. */
export class ContentDisallowedError extends ResultkitError {
  readonly contentType: string;

  constructor(contentType: string, accepted: readonly string[]) {
    super(
      'ERR_RESULTKIT_CONTENT_DISALLOWED',
      `Refusing to decode content of type ${contentType}: it is not in accept [${accepted.join(', ')}]. ` +
        `Add its serializer to the "accept" option only if you trust every writer of this backend.`,
    );
    this.contentType = contentType;
  }
}

/** An encoded value is larger than a backend can store (512 MiB, as in Celery). Nothing was sent. */
export class ValueTooLargeError extends ResultkitError {
  readonly size: number;
  readonly limit: number;

  constructor(size: number, limit: number) {
    super(
      'ERR_RESULTKIT_VALUE_TOO_LARGE',
      `The encoded result is ${size} bytes, over the limit of ${limit} bytes; nothing was stored. ` +
        `Store large payloads elsewhere and return a reference.`,
    );
    this.size = size;
    this.limit = limit;
  }
}

/**
 * A wait (`get()`, `join()`) or a call given `{ timeout }` did not finish in time. When the
 * backend was failing meanwhile, the message says so and `cause` is the last (scrubbed) failure.
 */
export class TimeoutError extends ResultkitError {
  constructor(message = 'The operation timed out.', options?: { cause?: unknown }) {
    super('ERR_RESULTKIT_TIMEOUT', message, options);
  }
}

/** A wait was cancelled through its `AbortSignal`; `cause` is the signal's reason. */
export class AbortError extends ResultkitError {
  constructor(reason?: unknown) {
    super('ERR_RESULTKIT_ABORTED', 'The wait was aborted.', { cause: reason });
  }
}

/**
 * A backend URL or option is invalid, or the server refused what it says: a wrong user or
 * password, an unknown database, a Redis db number out of range, TLS asked of a server that does
 * not speak it. Retrying does not help; the configuration must change. The message never
 * contains a password; `cause` is a scrubbed copy of the driver's error, where there was one.
 */
export class ConfigurationError extends ResultkitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_RESULTKIT_CONFIGURATION', message, options);
  }
}

/** The adapter package a URL names is not installed. */
export class AdapterNotInstalledError extends ResultkitError {
  readonly packageName: string;

  constructor(scheme: string, packageName: string, cause?: unknown) {
    super(
      'ERR_RESULTKIT_ADAPTER_NOT_INSTALLED',
      `The "${scheme}" result backend needs the package ${packageName}. Install it: npm install ${packageName}`,
      { cause },
    );
    this.packageName = packageName;
  }
}

/**
 * The backend could not be reached: the connection was refused, timed out or broke, and did not
 * come back within `connectTimeout` (after retries, where the policy allows them). `cause` is a
 * scrubbed copy of the driver's error.
 */
export class BackendUnavailableError extends ResultkitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_RESULTKIT_UNAVAILABLE', message, options);
  }
}

/**
 * The backend was reached but failed an operation for another reason than the connection (a
 * server-side error, a constraint, a script error). `cause` is a scrubbed copy of the driver's error.
 */
export class BackendOperationError extends ResultkitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_RESULTKIT_BACKEND_OPERATION', message, options);
  }
}

/** A stored result kept changing while it was being stored, more times than a store tries; nothing was written. */
export class StoreContendedError extends ResultkitError {
  readonly taskId: string;

  constructor(taskId: string) {
    super(
      'ERR_RESULTKIT_CONTENDED',
      `The result of task ${taskId} kept changing while it was being stored; nothing was written. Try again.`,
    );
    this.taskId = taskId;
  }
}

/** The operation is not something this backend can do (for example groups over `rpc://`). */
export class NotSupportedError extends ResultkitError {
  constructor(message: string) {
    super('ERR_RESULTKIT_NOT_SUPPORTED', message);
  }
}

/** The backend was closed; no further operation is possible. */
export class BackendClosedError extends ResultkitError {
  constructor() {
    super('ERR_RESULTKIT_CLOSED', 'The result backend is closed.');
  }
}

/**
 * The `TimeoutError` of `what` after `timeout` ms. When the backend was failing meanwhile
 * (`lastFailure`, already typed and scrubbed), the message says how and `cause` is that failure:
 * a wait on a dead server should not look like a slow task.
 */
export function timeoutError(what: string, timeout: number, lastFailure: unknown): TimeoutError {
  const base = `${what} within ${timeout} ms`;
  if (lastFailure === null || lastFailure === undefined) return new TimeoutError(`${base}.`);
  const detail = lastFailure instanceof Error ? lastFailure.message : String(lastFailure);
  const how = lastFailure instanceof BackendUnavailableError ? 'the backend could not be reached' : 'the backend was failing';
  return new TimeoutError(`${base}: ${how}. Last error: ${detail}`, { cause: lastFailure });
}
