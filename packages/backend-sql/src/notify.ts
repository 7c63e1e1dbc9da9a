/**
 * Push waiting on PostgreSQL: LISTEN on one dedicated connection, NOTIFY sent by every store in
 * the same statement as its upsert (payload: the task id). On a notification for an id being
 * waited on, the row is read (ids notified in the same turn share one SELECT) and handed to
 * core. Three things keep it correct when notifications do not come:
 *
 * - Writers that do not notify (Python Celery, or `notify: false`): the channel asks core to
 *   read every pending id every `notifyPollInterval` ms (`safetyPollInterval`).
 * - LISTEN that never delivers (PgBouncer in transaction mode takes LISTEN but routes the
 *   notifications elsewhere): after LISTEN, a probe NOTIFY is sent through the pool; when it
 *   does not come back within `probeTimeout`, the channel stops listening for good and tells
 *   core push is unavailable (`notify: 'auto'`): core polls, as for stores without push.
 * - A lost LISTEN connection: it is reopened with backoff; meanwhile core polls (push
 *   unavailable), and after the reconnect core re-reads every pending id (push restored).
 *
 * The channel itself never polls: every read of a pending id that is not a notification is
 * core's, so there is one polling loop with one backoff for every backend.
 */
import { randomUUID } from 'node:crypto';
import { BackendClosedError, type PushChannel, type PushListener, type TaskMeta } from '@resultkit/core';
import type { PgClient, PgNotification } from './clients/pg.js';

/** A LISTEN connection and how to give it back. */
export interface ListenConnection {
  client: PgClient;
  /** Closes the connection (or destroys the pooled client): it holds LISTEN state. */
  release(): Promise<void>;
}

export interface NotifyChannelOptions {
  channel: string;
  /** `true`: a LISTEN that fails fails the waits; `auto`: fall back to polling. */
  mode: 'auto' | true;
  /** Opens a dedicated connection. */
  connect(): Promise<ListenConnection>;
  /** Sends a NOTIFY through the pool (another connection), for the probe. */
  notify(channel: string, payload: string): Promise<void>;
  /** Reads the given ids (one SELECT); an entry is a meta, null or a decoding error. */
  load(ids: string[]): Promise<(TaskMeta | null | Error)[]>;
  isRetryable(error: unknown): boolean;
  listener: PushListener;
  /** Reads of subscribed ids while LISTEN works (ms), done by core for writers that do not notify. */
  pollInterval: number;
  /** How long the probe NOTIFY may take (ms). Default 2000. */
  probeTimeout?: number;
  onError(error: unknown): void;
}

type State = 'idle' | 'connecting' | 'listening' | 'reconnecting' | 'polling' | 'closed';

const RECONNECT_FIRST = 100;
const RECONNECT_MAX = 5000;

export class NotifyChannel implements PushChannel {
  readonly #o: NotifyChannelOptions;
  readonly #subscribed = new Set<string>();
  #state: State = 'idle';
  #connection: ListenConnection | null = null;
  #connecting: Promise<void> | null = null;
  #probe: { token: string; timer: NodeJS.Timeout; received: () => void } | null = null;
  #reconnectTimer: NodeJS.Timeout | null = null;
  #reconnectDelay = RECONNECT_FIRST;
  // Notified ids to read, collected over one turn of the event loop.
  #toRead = new Set<string>();
  #readScheduled = false;
  #failure: Error | null = null;

  constructor(options: NotifyChannelOptions) {
    this.#o = options;
  }

  /** While connecting or reads fail: the last error (what a timed-out wait reports); null once reads work. */
  get connectionError(): Error | null {
    return this.#failure;
  }

  /** `listening`, `polling` (LISTEN unavailable: core polls), `reconnecting`... for tests and diagnostics. */
  get state(): State {
    return this.#state;
  }

  /** Core reads pending ids this often while LISTEN works, for writers that do not notify. */
  get safetyPollInterval(): number {
    return this.#o.pollInterval;
  }

  async subscribe(taskIds: readonly string[]): Promise<void> {
    if (this.#state === 'closed') throw new BackendClosedError();
    for (const id of taskIds) this.#subscribed.add(id);
    await this.#ensureListening();
  }

  async unsubscribe(taskIds: readonly string[]): Promise<void> {
    for (const id of taskIds) this.#subscribed.delete(id);
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#subscribed.clear();
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    this.#endProbe();
    await this.#connecting?.catch(() => {});
    await this.#dropConnection();
  }

  // ---- LISTEN -------------------------------------------------------------------------------

  async #ensureListening(): Promise<void> {
    if (this.#state === 'idle') this.#connecting = this.#listen(false);
    if (this.#connecting) await this.#connecting;
  }

  async #listen(isReconnect: boolean): Promise<void> {
    this.#state = isReconnect ? 'reconnecting' : 'connecting';
    let connection: ListenConnection | null = null;
    try {
      connection = await this.#o.connect();
      const { client } = connection;
      client.on('notification', (message) => this.#onNotification(message));
      client.on('error', (error) => this.#onBroken(connection!, error));
      client.on('end', () => this.#onBroken(connection!, new Error('The LISTEN connection ended.')));
      await client.query({ text: `LISTEN ${quoteIdentifier(this.#o.channel)}` });
      if (this.#isClosed()) {
        await connection.release().catch(() => {});
        return;
      }
      this.#connection = connection;
      this.#state = 'listening';
      this.#reconnectDelay = RECONNECT_FIRST;
      if (this.#o.mode === 'auto') this.#startProbe();
      // Notifications sent while the connection was down were lost: core reads every pending id.
      if (isReconnect) this.#o.listener.pushRestored();
    } catch (error) {
      this.#failure = error instanceof Error ? error : new Error(String(error));
      if (connection) await connection.release().catch(() => {});
      if (this.#isClosed()) return;
      if (this.#o.isRetryable(error)) {
        // The database is unreachable for now: poll (and fail like any read) until it is back.
        this.#state = 'reconnecting';
        this.#scheduleReconnect();
        this.#o.listener.pushUnavailable();
        if (this.#o.mode === true && !isReconnect) throw error;
        return;
      }
      if (this.#o.mode === true) {
        this.#state = 'idle';
        throw error;
      }
      this.#fallBack(error);
    } finally {
      this.#connecting = null;
    }
  }

  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  /** Stops listening for good (until close): this database cannot deliver notifications here. */
  #fallBack(reason: unknown): void {
    this.#o.onError(new Error(`LISTEN/NOTIFY is unavailable, falling back to polling: ${reason instanceof Error ? reason.message : String(reason)}`));
    this.#state = 'polling';
    this.#endProbe();
    void this.#dropConnection();
    this.#o.listener.pushUnavailable();
  }

  #startProbe(): void {
    const token = `resultkit-probe:${randomUUID()}`;
    const timer = setTimeout(() => {
      if (this.#probe?.token === token && this.#state === 'listening') this.#fallBack(new Error(`a probe NOTIFY did not arrive within ${this.#o.probeTimeout ?? 2000} ms`));
    }, this.#o.probeTimeout ?? 2000);
    timer.unref();
    this.#probe = { token, timer, received: () => this.#endProbe() };
    this.#o.notify(this.#o.channel, token).catch((error: unknown) => {
      if (this.#probe?.token === token) this.#fallBack(error);
    });
  }

  #endProbe(): void {
    if (this.#probe) clearTimeout(this.#probe.timer);
    this.#probe = null;
  }

  #onBroken(connection: ListenConnection, error: unknown): void {
    if (this.#connection !== connection || this.#isClosed() || this.#state === 'polling') return;
    this.#o.onError(error);
    this.#connection = null;
    void connection.release().catch(() => {});
    this.#endProbe();
    this.#state = 'reconnecting';
    this.#scheduleReconnect();
    // Until LISTEN is back, waits are served by polling.
    this.#o.listener.pushUnavailable();
  }

  #scheduleReconnect(): void {
    if (this.#reconnectTimer || this.#isClosed()) return;
    const delay = this.#reconnectDelay;
    this.#reconnectDelay = Math.min(RECONNECT_MAX, this.#reconnectDelay * 2);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      if (this.#isClosed() || this.#connecting) return;
      this.#connecting = this.#listen(true);
    }, delay);
    this.#reconnectTimer.unref();
  }

  async #dropConnection(): Promise<void> {
    const connection = this.#connection;
    this.#connection = null;
    if (!connection) return;
    connection.client.removeAllListeners('notification');
    await connection.release().catch(() => {});
  }

  #onNotification(message: PgNotification): void {
    const payload = message.payload ?? '';
    if (this.#probe && payload === this.#probe.token) {
      this.#probe.received();
      return;
    }
    if (!this.#subscribed.has(payload)) return;
    this.#toRead.add(payload);
    if (this.#readScheduled) return;
    this.#readScheduled = true;
    setImmediate(() => {
      this.#readScheduled = false;
      const ids = [...this.#toRead].filter((id) => this.#subscribed.has(id));
      this.#toRead.clear();
      if (ids.length) void this.#readAndDeliver(ids);
    });
  }

  // ---- reads --------------------------------------------------------------------------------

  async #readAndDeliver(ids: string[]): Promise<void> {
    let metas: (TaskMeta | null | Error)[];
    try {
      metas = await this.#o.load(ids);
      this.#failure = null;
    } catch (error) {
      // Core's next read of pending ids (a safety poll, or polling while push is down) reads them again.
      this.#failure = error instanceof Error ? error : new Error(String(error));
      return;
    }
    ids.forEach((id, i) => {
      const meta = metas[i];
      if (meta && this.#subscribed.has(id)) this.#o.listener.message(id, meta);
    });
  }
}

/** A channel name as a quoted identifier (LISTEN takes an identifier, pg_notify a string). */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
