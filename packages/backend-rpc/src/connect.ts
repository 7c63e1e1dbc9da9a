import type { ConnectionOptions } from 'node:tls';
import { BackendClosedError, ResultkitError, backendError, scrubError } from '@resultkit/core';
import { connect, type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { ReturnedMessages } from './returned-messages.js';
import type { BrokerAddress } from './url.js';

/** One live connection and its two channels: one publishes (results, sync markers), one consumes. */
export interface Channels {
  readonly connection: ChannelModel;
  readonly publisher: Channel | ConfirmChannel;
  readonly consumer: Channel;
  /** Whether `publisher` is a confirm channel. */
  readonly confirms: boolean;
  /** The publisher's returned (unroutable) messages, when it is a confirm channel. */
  readonly returns: ReturnedMessages | null;
}

export interface SessionOptions {
  address: BrokerAddress;
  heartbeat: number;
  /** Milliseconds to connect (TCP, TLS and the AMQP handshake) before giving up. */
  connectTimeoutMs: number;
  confirmPublish: boolean;
  /** `connection_name` of the client properties. */
  connectionName: string;
  ssl?: ConnectionOptions;
  /** The connection was lost (not closed by us): anything in flight on it is gone. */
  onLost?: () => void;
  /** A connection was established again after a loss. */
  onReconnected?: (channels: Channels) => void;
}

// Reconnect delays after a lost connection: 100 ms, doubling, at most 2 s. Waits only learn of
// their results once the client is back (a worker reconnects on its next store, a waiting
// client only on this timer): after a broker restart of 10 s, a 5 s cap kept results that
// were already waiting in a durable reply queue from their waits for up to 5 s more.
const RECONNECT_BASE_MS = 100;
const RECONNECT_MAX_MS = 2_000;

// An orderly close is one round trip (Close, then the broker's Close-Ok). A broker that has not
// answered within this time is treated as gone and the socket is destroyed instead, which it
// handles as a dropped connection (its consumers and exclusive queues go, as on a network
// break). Without the bound, close() waited for a paused broker for as long as it was paused.
const CLOSE_TIMEOUT_MS = 2_000;

/** Closes `connection` in order, or drops its socket when the broker does not answer in time. */
async function closeConnection(connection: ChannelModel): Promise<void> {
  // A rejection means it was already closed by the broker or the network: nothing to release.
  if (!(await settlesWithin(connection.close(), CLOSE_TIMEOUT_MS))) socketOf(connection)?.destroy();
}

/**
 * Whether `operation` settles (either way) within `ms`. A broker that stopped answering must not
 * hold up a close; what was given up on is left to the broker (or to `x-expires`).
 */
export async function settlesWithin(operation: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)));
  const settled = operation.then(() => true as const, () => true as const);
  const outcome = await Promise.race([settled, gaveUp]);
  clearTimeout(timer);
  return outcome;
}

// amqplib keeps the socket as `stream` on its connection object, which its types leave out.
function socketOf(connection: ChannelModel): { destroy(): void } | undefined {
  return (connection.connection as { stream?: { destroy(): void } }).stream;
}

/**
 * The backend's AMQP connection. It is opened on first use and shared by everything; when it
 * drops (broker restart, `rabbitmqctl close_connection`, a network break), it is reopened in
 * the background with backoff until it is back or the backend is closed, and operations made
 * meanwhile wait for the next attempt. A channel that closes on its own (a channel error)
 * takes the connection with it, so there is one recovery path for every failure.
 */
export class AmqpSession {
  readonly #options: SessionOptions;
  #current: Promise<Channels> | null = null;
  #live: Channels | null = null;
  #everConnected = false;
  #reconnectTimer: NodeJS.Timeout | null = null;
  #attempt = 0;
  #closed = false;
  /** The last connection error, for diagnostics (scrubbed). */
  lastError: Error | null = null;

  constructor(options: SessionOptions) {
    this.#options = options;
  }

  /** The live channels, connecting first if needed. */
  channels(): Promise<Channels> {
    if (this.#closed) return Promise.reject(new BackendClosedError());
    if (this.#live) return Promise.resolve(this.#live);
    return (this.#current ??= this.#open());
  }

  /** The live channels, or null while (re)connecting: lets the hot path skip a promise. */
  get live(): Channels | null {
    return this.#live;
  }

  /** Whether a connection is up right now. */
  get connected(): boolean {
    return this.#live !== null;
  }

  /** The live connection, if any (for tests). */
  get connection(): ChannelModel | null {
    return this.#live?.connection ?? null;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    const pending = this.#current;
    this.#current = null;
    this.#live = null;
    const channels = await pending?.catch(() => null);
    if (channels) await closeConnection(channels.connection);
  }

  async #open(): Promise<Channels> {
    const { address, heartbeat, connectTimeoutMs, confirmPublish, connectionName, ssl } = this.#options;
    let connection: ChannelModel | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const socketOptions = { ...(address.tls ? ssl : {}), timeout: connectTimeoutMs, clientProperties: { connection_name: connectionName } };
      const connecting = connect({ heartbeat, ...address.connect }, socketOptions);
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer from the broker within ${connectTimeoutMs} ms`)), connectTimeoutMs);
      });
      try {
        connection = await Promise.race([connecting, timeout]);
      } catch (error) {
        // A connection that completes after the timeout is closed rather than leaked.
        connecting.then((late) => late.close().catch(() => {}), () => {});
        throw error;
      }
      connection.on('error', (error: Error) => {
        this.lastError = scrubError(error, address.secrets);
      });
      const publisher = confirmPublish ? await connection.createConfirmChannel() : await connection.createChannel();
      const consumer = await connection.createChannel();
      const returns = confirmPublish ? new ReturnedMessages(publisher as ConfirmChannel) : null;
      coalesceFrameWrites(connection);
      const channels: Channels = { connection, publisher, consumer, confirms: confirmPublish, returns };
      const model = connection;
      model.on('close', () => this.#lost(channels));
      for (const channel of [publisher, consumer]) {
        channel.on('error', (error: Error) => {
          this.lastError = scrubError(error, address.secrets);
        });
        channel.on('close', () => {
          if (this.#live === channels) model.close().catch(() => {});
        });
      }
      if (this.#closed) {
        await closeConnection(connection);
        throw new BackendClosedError();
      }
      this.#live = channels;
      this.#attempt = 0;
      const reconnected = this.#everConnected;
      this.#everConnected = true;
      if (reconnected) queueMicrotask(() => this.#options.onReconnected?.(channels));
      return channels;
    } catch (error) {
      this.#current = null;
      if (connection && this.#live === null) await closeConnection(connection);
      if (error instanceof BackendClosedError) throw error;
      const typed = toTypedError(error, address);
      this.lastError = typed;
      throw typed;
    } finally {
      clearTimeout(timer);
    }
  }

  #lost(channels: Channels): void {
    if (this.#live !== channels) return;
    this.#live = null;
    this.#current = null;
    if (this.#closed) return;
    this.#options.onLost?.();
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#reconnectTimer) return;
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** this.#attempt++);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      if (this.#closed || this.#live) return;
      this.channels().catch(() => this.#scheduleReconnect());
    }, delay);
    // A lost broker alone does not keep a finished program alive; pending waits have their own timers.
    this.#reconnectTimer.unref();
  }
}

/**
 * amqplib queues each frame on its channel's buffer, and a multiplexer moves the queued frames to
 * the socket on a later turn of the event loop (`setImmediate`), one `socket.write()` per frame:
 * a system call each, which with many results published at once was most of the CPU a publisher
 * spent. Corking the socket for each pass of the multiplexer sends what the pass moves in one
 * write; ordering, flow control (`drain`) and confirms are unchanged. It reaches into amqplib's
 * internals (`connection.muxer`, `connection.stream`); where they are not as expected, frames
 * are written as amqplib writes them.
 */
function coalesceFrameWrites(model: ChannelModel): void {
  const internals = (model as unknown as { connection?: { stream?: Corkable; muxer?: { _readIncoming?: () => void } } }).connection;
  const stream = internals?.stream;
  const muxer = internals?.muxer;
  if (!stream || typeof stream.cork !== 'function' || typeof stream.uncork !== 'function') return;
  const pass = muxer?._readIncoming;
  if (!muxer || typeof pass !== 'function') return;
  muxer._readIncoming = function coalescedPass(this: unknown): void {
    stream.cork();
    try {
      pass.call(this);
    } finally {
      stream.uncork();
    }
  };
}

interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * What a failure of amqplib means to the caller, as one of core's errors, with a scrubbed copy
 * of it as the cause. Refused credentials or vhost are a `ConfigurationError` (retrying cannot
 * help); everything else a `BackendUnavailableError`, which core retries under its policy.
 */
export function toTypedError(error: unknown, address: BrokerAddress): ResultkitError {
  if (error instanceof ResultkitError) return error;
  const init = { target: `The AMQP broker at ${address.redacted}`, error, secrets: address.secrets };
  const detail = error instanceof Error ? error.message : String(error);
  if (/ACCESS[-_]REFUSED|\b403\b/.test(detail)) return backendError('configuration', { ...init, advice: 'Check the username or password of the broker URL.' });
  if (/NOT[-_]ALLOWED|\b530\b/.test(detail)) return backendError('configuration', { ...init, advice: 'Check the virtual host of the broker URL and the user\u2019s permissions on it.' });
  return backendError('unavailable', init);
}
