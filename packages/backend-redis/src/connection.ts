import { BackendClosedError, backendError, type ResultkitError, type Secrets } from '@resultkit/core';
import type { Cluster, Redis } from 'ioredis';
import { redisFailureKind } from './errors.js';

/** What a gate needs to know about the connection it guards. */
export interface GateOptions {
  client: Redis | Cluster;
  /** The database the URL named; undefined for db 0 (and for a Cluster, which has only that). */
  db: number | undefined;
  /** Milliseconds an operation waits for the connection before failing (core's `connectTimeout`). */
  connectTimeout: number;
  /** The URL with its password replaced, for messages. */
  description: string;
  secrets: Secrets;
}

interface Pending {
  resolve(): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout;
}

/**
 * Keeps commands away from a command connection until it is really usable: connected,
 * authenticated, and in the database the URL named. ioredis sends SELECT itself but only
 * reports its failure as an `error` event and then goes `ready` anyway, in db 0, where every
 * queued command would land (a `/99` on a 16-database server wrote into db 0). So nothing is
 * handed to ioredis before `ready`, and on every `ready` the gate sends SELECT once more and
 * opens only when it succeeds. Waiting is bounded by `connectTimeout`: an unreachable server
 * fails an operation with `BackendUnavailableError`, a refused login or db number with
 * `ConfigurationError`, both carrying the scrubbed driver error.
 */
export class ConnectionGate {
  readonly #o: GateOptions;
  readonly #pending = new Set<Pending>();
  #open = false;
  #closed = false;
  /** The last driver error since the connection was last usable. */
  #lastError: unknown = null;
  /** A refusal that another attempt will not change by itself (login, db number); cleared by a good `ready`. */
  #refusal: ResultkitError | null = null;
  #epoch = 0;

  constructor(options: GateOptions) {
    this.#o = options;
    const { client } = options;
    client.on('ready', () => void this.#verify());
    client.on('error', (error: unknown) => this.#onError(error));
    // Whatever breaks the connection closes the gate until the next verified `ready`.
    client.on('close', () => this.#shut());
    client.on('reconnecting', () => this.#shut());
    client.on('end', () => this.#shut());
    if (client.status === 'ready') void this.#verify();
  }

  /** True when commands may be sent now. */
  get isOpen(): boolean {
    return this.#open;
  }

  /** Resolves when commands may be sent; rejects with a typed error after `connectTimeout`, on a refusal, or on close. */
  ready(): Promise<void> {
    if (this.#open) return Promise.resolve();
    if (this.#closed) return Promise.reject(new BackendClosedError());
    if (this.#refusal) return Promise.reject(this.#refusal);
    return new Promise<void>((resolve, reject) => {
      const pending: Pending = {
        resolve: () => finish(resolve),
        reject: (error) => finish(() => reject(error)),
        timer: setTimeout(() => pending.reject(this.#unavailable()), this.#o.connectTimeout),
      };
      const finish = (settle: () => void): void => {
        clearTimeout(pending.timer);
        this.#pending.delete(pending);
        settle();
      };
      this.#pending.add(pending);
    });
  }

  /** Rejects every waiting operation with `BackendClosedError`; the caller closes the connection. */
  close(): void {
    this.#closed = true;
    this.#open = false;
    this.#settleAll((p) => p.reject(new BackendClosedError()));
  }

  async #verify(): Promise<void> {
    const epoch = ++this.#epoch;
    const { client, db } = this.#o;
    if (db !== undefined && db !== 0 && !client.isCluster) {
      try {
        await (client as Redis).select(db);
      } catch (error) {
        if (epoch !== this.#epoch || this.#closed) return;
        // Connected, but not to the database asked for: nothing may be sent on this connection.
        this.#refuse(error);
        client.disconnect();
        return;
      }
    }
    if (epoch !== this.#epoch || this.#closed || client.status !== 'ready') return;
    this.#open = true;
    this.#lastError = null;
    this.#refusal = null;
    this.#settleAll((p) => p.resolve());
  }

  #onError(error: unknown): void {
    this.#lastError = error;
    if (redisFailureKind(error) === 'configuration') this.#refuse(error);
  }

  #refuse(error: unknown): void {
    this.#open = false;
    this.#refusal = backendError('configuration', {
      target: `Redis at ${this.#o.description}`,
      error,
      secrets: this.#o.secrets,
      advice: adviceFor(error),
    });
    const refusal = this.#refusal;
    this.#settleAll((p) => p.reject(refusal));
  }

  #shut(): void {
    this.#open = false;
    this.#epoch++;
  }

  #unavailable(): ResultkitError {
    const error = this.#lastError ?? new Error(`no connection within ${this.#o.connectTimeout} ms`);
    return backendError('unavailable', {
      target: `Redis at ${this.#o.description}`,
      error,
      secrets: this.#o.secrets,
      advice:
        `No working connection within ${this.#o.connectTimeout} ms. Check that the server is running and reachable ` +
        `(and speaks TLS, for rediss://); connectTimeout sets how long an operation waits.`,
    });
  }

  #settleAll(settle: (pending: Pending) => void): void {
    for (const pending of [...this.#pending]) settle(pending);
  }
}

function adviceFor(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : '';
  if (/DB index is out of range|invalid DB index/i.test(message)) {
    return 'The URL names a database number this server does not have (see its "databases" setting); nothing was sent to any other database.';
  }
  if (/WRONGPASS|NOAUTH|invalid password|invalid username/i.test(message)) {
    return 'Check the user name and password of the URL (or the username/password options).';
  }
  return undefined;
}
