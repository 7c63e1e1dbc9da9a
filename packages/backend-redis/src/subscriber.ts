import type { Buffer } from 'node:buffer';
import type { PushChannel, PushListener, TaskMeta } from '@resultkit/core';
import type { Cluster, Redis } from 'ioredis';
import { redisFailureKind } from './errors.js';
import { hashSlot } from './hash-slot.js';
import type { RedisKeys } from './keys.js';

/** SUBSCRIBE / UNSUBSCRIBE at most this many channels per command. */
const BATCH = 1_000;

export interface SubscriberOptions {
  /** Opens the dedicated pub/sub connection (a `duplicate()` of the command connection). */
  open: () => Redis | Cluster;
  keys: RedisKeys;
  /**
   * Sharded pub/sub (SSUBSCRIBE, Redis 7), for a Cluster whose stores SPUBLISH: the connection
   * is a Cluster opened with ioredis' `shardedSubscribers`, one subscriber per primary.
   */
  sharded: boolean;
  /** Decodes a published value; an `Error` is handed to the waiters as it is. */
  decode: (bytes: Buffer, taskId: string) => TaskMeta | Error;
  listener: PushListener;
}

/**
 * The one pub/sub connection of a backend, shared by every wait. It is opened on the first
 * subscription (so a backend that never waits never holds one, and nothing is buffered for
 * nobody: celery#6963) and closed with the backend. The channel of a result is its key.
 *
 * After a reconnect the connection is a new one with no subscriptions, and anything published
 * in between is lost. So on every `ready` after the first, every channel still wanted is
 * subscribed again and, once Redis has confirmed that, `listener.resync()` makes core read
 * every pending id in one MGET: a result stored during the outage is found by that read, one
 * stored after it by its message (celery#4857). ioredis' own `autoResubscribe` is off because
 * it does not say when the resubscription is done, and reading before it is done could miss
 * a result published in the gap.
 *
 * Nothing is sent before the connection is `ready`. ioredis writes a SUBSCRIBE as soon as the
 * socket is open, during its handshake; the connection is then in subscriber mode before
 * ioredis' own ready check (INFO), which it refuses, treats as fatal, and answers by failing
 * every queued SUBSCRIBE: waits started in those few milliseconds failed. So a subscription
 * asked for before `ready` waits for it (one shared promise, not a listener per wait).
 *
 * On a Cluster (`sharded`), each channel is SSUBSCRIBEd on the primary that owns its slot. When
 * a primary is lost its subscriber goes with it, and whatever its shard publishes until the
 * slots are known again (a replica promoted) is lost: so push is reported down
 * (`listener.pushUnavailable()`, core polls every pending id) from the loss until ioredis has
 * subscribers for every primary again (`subscribersReady`); then every channel is SSUBSCRIBEd
 * again here, confirmed, and `listener.pushRestored()` reads every pending id once more.
 */
export class RedisSubscriber implements PushChannel {
  readonly #options: SubscriberOptions;
  /** Every channel a wait still needs: what is subscribed again after a reconnect. */
  readonly #channels = new Set<string>();
  #connection: Redis | Cluster | null = null;
  #readyOnce = false;
  #closed = false;
  /** Sharded only: a shard lost its subscriber, core is polling (see the class comment). */
  #pushDown = false;
  /**
   * Settled on the next `ready` (or on close), rejected by a refusal a reconnect will not
   * change (a wrong password): what subscriptions asked for before `ready` wait on.
   */
  #nextReady: { promise: Promise<void>; settle: (error?: Error) => void } | null = null;
  /** The last connection error, for diagnostics; waits end by their own timeouts. Cleared when the connection is ready. */
  lastError: Error | null = null;

  constructor(options: SubscriberOptions) {
    this.#options = options;
  }

  /** The connection, once opened (for tests and diagnostics). */
  get connection(): Redis | Cluster | null {
    return this.#connection;
  }

  /** While the connection is not ready: the last error it got (what a timed-out wait reports). */
  get connectionError(): Error | null {
    return this.#connection?.status === 'ready' ? null : this.lastError;
  }

  /** How many channels are wanted right now. */
  get channelCount(): number {
    return this.#channels.size;
  }

  async subscribe(taskIds: readonly string[]): Promise<void> {
    if (this.#closed || !taskIds.length) return;
    const channels = taskIds.map((id) => this.#options.keys.task(id));
    for (const channel of channels) this.#channels.add(channel);
    const connection = this.#connect();
    // The handshake race is a single connection's; a Cluster's sharded subscribers are their own.
    if (!this.#options.sharded && connection.status !== 'ready') {
      await this.#ready();
      if (this.#closed || this.#connection !== connection) return;
    }
    // Sent even for channels already wanted: SUBSCRIBE is idempotent, and this way the promise
    // resolves only once the server has confirmed every channel the caller asked for. A
    // channel given up while waiting for `ready` is left out.
    if (!this.#options.sharded) {
      const wanted = channels.filter((channel) => this.#channels.has(channel));
      await Promise.all(chunks(wanted).map((batch) => connection.subscribe(...batch)));
      return;
    }
    try {
      await this.#shardedSubscribe(connection, channels);
    } catch (error) {
      // A shard without a subscriber right now (its primary is failing over): the waits are
      // served by polling until every shard has one again (see the class comment).
      this.lastError = error as Error;
      this.#shardLost();
    }
  }

  async unsubscribe(taskIds: readonly string[]): Promise<void> {
    if (this.#closed || !taskIds.length || !this.#connection) return;
    const channels: string[] = [];
    for (const id of taskIds) {
      const channel = this.#options.keys.task(id);
      if (this.#channels.delete(channel)) channels.push(channel);
    }
    const connection = this.#connection;
    if (this.#options.sharded) {
      await Promise.all(bySlot(channels).map((batch) => connection.sunsubscribe(...batch)));
      return;
    }
    // A connection that is not ready holds no subscription: a new socket starts with none,
    // and nothing is subscribed before `ready` (the channel is no longer in the set, so the
    // resubscription on `ready` leaves it out).
    if (connection.status !== 'ready') return;
    await Promise.all(chunks(channels).map((batch) => connection.unsubscribe(...batch)));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#channels.clear();
    this.#settleReady();
    const connection = this.#connection;
    this.#connection = null;
    // Closing the socket drops every subscription on the server at once.
    connection?.disconnect();
  }

  #connect(): Redis | Cluster {
    if (this.#connection) return this.#connection;
    const connection = this.#options.open();
    this.#connection = connection;
    connection.on('error', (error: Error) => {
      this.lastError = error;
      // The waits fail at once with the typed refusal rather than at their timeouts.
      if (redisFailureKind(error) === 'configuration') this.#settleReady(error);
    });
    connection.on('messageBuffer', (channel: Buffer, message: Buffer) => this.#onMessage(channel, message));
    if (this.#options.sharded) {
      connection.on('smessageBuffer', (channel: Buffer, message: Buffer) => this.#onMessage(channel, message));
      // A sharded subscriber's connection ended (its primary is gone) or failed to start.
      connection.on('-node', () => this.#shardLost());
      connection.on('subscribersReady', () => void this.#resubscribeSharded(connection));
      return connection;
    }
    connection.on('ready', () => {
      this.lastError = null;
      this.#settleReady();
      if (!this.#readyOnce) {
        this.#readyOnce = true;
        return;
      }
      void this.#resubscribe(connection);
    });
    return connection;
  }

  #ready(): Promise<void> {
    if (!this.#nextReady) {
      let settle!: (error?: Error) => void;
      const promise = new Promise<void>((resolve, reject) => (settle = (error) => (error ? reject(error) : resolve())));
      this.#nextReady = { promise, settle };
    }
    return this.#nextReady.promise;
  }

  #settleReady(error?: Error): void {
    const next = this.#nextReady;
    this.#nextReady = null;
    next?.settle(error);
  }

  #onMessage(channelBytes: Buffer, message: Buffer): void {
    const channel = channelBytes.toString('utf8');
    // A message that was in flight when its channel was unsubscribed has no waiter left.
    if (!this.#channels.has(channel)) return;
    const taskId = this.#options.keys.taskIdOf(channel);
    if (taskId === null) return;
    this.#options.listener.message(taskId, this.#options.decode(message, taskId));
  }

  async #shardedSubscribe(connection: Redis | Cluster, channels: readonly string[]): Promise<void> {
    await Promise.all(bySlot(channels).map((batch) => connection.ssubscribe(...batch)));
  }

  #shardLost(): void {
    if (this.#closed || this.#pushDown) return;
    this.#pushDown = true;
    this.#options.listener.pushUnavailable();
  }

  async #resubscribeSharded(connection: Redis | Cluster): Promise<void> {
    if (this.#closed || this.#connection !== connection) return;
    this.lastError = null;
    // ioredis subscribes its own list again on the new subscribers, but without saying when the
    // server has confirmed it; reading before that could miss a result published in the gap.
    // So every wanted channel is SSUBSCRIBEd here once more (idempotent) and awaited.
    try {
      await this.#shardedSubscribe(connection, [...this.#channels]);
    } catch (error) {
      // Still not every shard has a subscriber: the next `subscribersReady` tries again.
      this.lastError = error as Error;
      this.#shardLost();
      return;
    }
    if (this.#closed || this.#connection !== connection) return;
    if (this.#pushDown) {
      this.#pushDown = false;
      this.#options.listener.pushRestored();
    } else {
      this.#options.listener.resync();
    }
  }

  async #resubscribe(connection: Redis | Cluster): Promise<void> {
    const channels = [...this.#channels];
    try {
      await Promise.all(chunks(channels).map((batch) => connection.subscribe(...batch)));
    } catch (error) {
      // The connection broke again: the next `ready` starts over.
      this.lastError = error as Error;
      return;
    }
    if (this.#closed || this.#connection !== connection) return;
    this.#options.listener.resync();
  }
}

/** SSUBSCRIBE takes channels of one slot per command (ioredis routes it to that slot's primary). */
function bySlot(channels: readonly string[]): string[][] {
  const groups = new Map<number, string[]>();
  for (const channel of channels) {
    const slot = hashSlot(channel);
    const group = groups.get(slot);
    if (group) group.push(channel);
    else groups.set(slot, [channel]);
  }
  return [...groups.values()];
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
}
