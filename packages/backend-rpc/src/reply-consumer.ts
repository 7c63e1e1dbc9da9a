import { randomUUID } from 'node:crypto';
import {
  BackendUnavailableError,
  DecodeError,
  READY_STATES,
  fromDocument,
  states,
  type Codec,
  type PushChannel,
  type PushListener,
  type TaskMeta,
} from '@resultkit/core';
import type { Channel, ConsumeMessage } from 'amqplib';
import { settlesWithin, type AmqpSession, type Channels } from './connect.js';

/** The `type` property of the marker messages `sync()` sends through the reply queue. */
const SYNC_TYPE = 'resultkit.sync';

export interface ReplyConsumerOptions {
  session: AmqpSession;
  codec: Codec;
  /** Seconds results live (`x-expires` of the queue, and how long a buffered result is kept); null: forever. */
  expires: number | null;
  /** Task ids whose results are kept once they arrived; the oldest go first. */
  maxBuffered: number;
  /** Milliseconds a `sync()` waits for its marker before the read fails (retryably). */
  syncTimeoutMs: number;
  /**
   * Results are persistent (`rpc.persistent`): the queue is durable and not auto-delete, so it
   * and the persistent results in it survive a broker restart and a dropped connection (it is
   * deleted by `close()`, or by `x-expires` once nobody has used it for `expires`), and each
   * message is acknowledged once it is in memory, so a result the broker sent just before
   * going down is delivered again instead of lost.
   */
  durable: boolean;
}

interface Buffered {
  meta: TaskMeta | Error;
  /** When it arrived (ms), for `expires`. */
  at: number;
}

interface Sync {
  id: string;
  promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
  timer?: NodeJS.Timeout;
}

/**
 * The reply queue of one backend and the one consumer that serves every reader of it.
 *
 * The queue is declared as Celery declares its own (`durable=False, auto_delete=True`,
 * `x-expires` = `expires` in ms), under a fresh UUID, so a redeclare never fails; with
 * persistent results it is durable instead (see `durable`). Messages are consumed with no-ack
 * (as Celery does; acknowledged when durable) into a bounded buffer: the latest state of each
 * task id, kept until it is `maxBuffered` ids old or `expires` seconds old. Nothing is ever
 * requeued, so a final result cannot circulate forever (celery#4830). Every state, final or
 * not, goes to the push listener as it arrives.
 *
 * A read (`load`, behind `getTaskMeta`) must see every result published before it began. A
 * marker sent through the queue (`sync()`) comes back after everything enqueued before it, so
 * a read that finds nothing ready in the buffer sends one and answers once it is back; reads
 * in the same tick share it. A wait needs no marker (see `loadMany`).
 */
export class ReplyConsumer implements PushChannel {
  /** The reply queue's name: what task messages carry as `reply_to`. */
  readonly queue = randomUUID();
  readonly #options: ReplyConsumerOptions;
  readonly #buffer = new Map<string, Buffered>();
  readonly #subscribed = new Set<string>();
  readonly #syncs = new Map<string, Sync>();
  #nextSync: Sync | null = null;
  #listener: PushListener | null = null;
  /** The channels the queue was declared and consumed on, and that setup. */
  #setupFor: Channels | null = null;
  #setup: Promise<void> | null = null;
  /** The channels the setup completed on. */
  #setupDone: Channels | null = null;
  #started = false;
  #closed = false;
  /** The last message received and not yet acknowledged, and on which channel (durable queues only). */
  #unacked: { channel: Channel; message: ConsumeMessage } | null = null;

  constructor(options: ReplyConsumerOptions) {
    this.#options = options;
  }

  /** How many task ids have a buffered result (for tests and metrics). */
  get bufferedCount(): number {
    return this.#buffer.size;
  }

  /** The arguments the queue is declared with (Celery's, for a redeclare that never fails). */
  get queueArguments(): Record<string, number> {
    const { expires } = this.#options;
    return expires === null ? {} : { 'x-expires': Math.max(1, Math.round(expires * 1000)) };
  }

  /** Declares the queue and starts consuming (once per connection), then returns the channels. */
  ready(): Promise<Channels> {
    // The hot path (every wait and read): the queue is already set up on the live connection.
    const live = this.#options.session.live;
    if (live !== null && live === this.#setupDone) return Promise.resolve(live);
    return this.#ready();
  }

  async #ready(): Promise<Channels> {
    this.#started = true;
    const channels = await this.#options.session.channels();
    if (this.#setupFor !== channels) {
      this.#setupFor = channels;
      this.#setup = this.#declareAndConsume(channels).then(() => {
        if (this.#setupFor === channels) this.#setupDone = channels;
      });
      this.#setup.catch(() => {
        // The next caller tries again on whatever connection is live then.
        if (this.#setupFor === channels) this.#setupFor = null;
      });
    }
    await this.#setup;
    return channels;
  }

  /**
   * The connection came back: declare again, consume again, and have core read every pending id.
   * (While it is down, push is not reported unavailable: results arrive only through this queue,
   * so polling could not find anything a resync after the reconnect does not.)
   */
  reconnected(): void {
    if (!this.#started || this.#closed) return;
    this.ready().then(
      () => this.#listener?.resync(),
      () => {
        // The connection broke again; the session retries and calls this once more.
      },
    );
  }

  /** The connection was lost: markers in flight will never come back. */
  lost(): void {
    const error = new BackendUnavailableError('The connection to the broker was lost while reading the reply queue.');
    for (const sync of [...this.#syncs.values()]) this.#settleSync(sync, error);
  }

  /** The latest state of `taskId` received, after every message enqueued before this call arrived. */
  async load(taskId: string): Promise<TaskMeta | null> {
    const early = this.#read(taskId);
    // A ready state is final for this reader: no need to look for a later one.
    if (early && !(early instanceof Error) && READY_STATES.has(early.status)) return early;
    await this.sync();
    const meta = this.#read(taskId);
    if (meta instanceof Error) throw meta;
    return meta;
  }

  /**
   * What has arrived for each id, without a marker. Core reads many ids only for waits, right
   * after subscribing them (and after a reconnect): a result not in the buffer yet is still on
   * its way through the consumer and reaches the listener, so no marker is needed, and a wait
   * costs no extra message.
   */
  async loadMany(taskIds: readonly string[]): Promise<(TaskMeta | null | Error)[]> {
    await this.ready();
    return taskIds.map((id) => this.#read(id));
  }

  /** Resolves once everything enqueued on the reply queue before this call has been consumed. */
  sync(): Promise<void> {
    if (this.#nextSync) return this.#nextSync.promise;
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const sync: Sync = { id: randomUUID(), promise, resolve, reject };
    this.#nextSync = sync;
    // Calls in this tick share the marker; a call after it is sent needs a marker of its own.
    queueMicrotask(() => {
      if (this.#nextSync === sync) this.#nextSync = null;
      void this.#sendSync(sync);
    });
    return promise;
  }

  // ---- PushChannel ----------------------------------------------------------------------

  /** Used by core's waiters: `listener` receives every state of a subscribed id. */
  attach(listener: PushListener): void {
    this.#listener = listener;
  }

  async subscribe(taskIds: readonly string[]): Promise<void> {
    for (const id of taskIds) this.#subscribed.add(id);
    await this.ready();
  }

  async unsubscribe(taskIds: readonly string[]): Promise<void> {
    for (const id of taskIds) this.#subscribed.delete(id);
  }

  /** Stops delivering to core's waiters; the queue lives on until the backend closes. */
  async close(): Promise<void> {
    this.#subscribed.clear();
    this.#listener = null;
  }

  /**
   * The backend is closing: the connection's close removes the consumer and an auto-delete
   * queue. A durable queue is deleted here, while the connection is still up; when it is not,
   * `x-expires` deletes it later.
   */
  async shutdown(): Promise<void> {
    this.#closed = true;
    for (const sync of [...this.#syncs.values()]) this.#settleSync(sync, new BackendUnavailableError('The backend was closed.'));
    this.#buffer.clear();
    this.#acknowledge();
    const live = this.#options.session.live;
    if (this.#options.durable && live !== null && live === this.#setupDone) {
      // Bounded: x-expires removes the queue when this delete does not happen.
      await settlesWithin(live.consumer.deleteQueue(this.queue), this.#options.syncTimeoutMs);
    }
  }

  // ---- internals ------------------------------------------------------------------------

  async #declareAndConsume(channels: Channels): Promise<void> {
    const { durable } = this.#options;
    await channels.consumer.assertQueue(this.queue, {
      durable,
      autoDelete: !durable,
      exclusive: false,
      arguments: this.queueArguments,
    });
    const { consumer } = channels;
    await consumer.consume(this.queue, (message) => this.#onMessage(message, consumer), { noAck: !durable });
  }

  /**
   * Acknowledges every message received so far on the channel of the last one, in one frame
   * per turn of the event loop rather than one per message.
   */
  #acknowledgeLater(channel: Channel, message: ConsumeMessage): void {
    const scheduled = this.#unacked !== null;
    this.#unacked = { channel, message };
    if (!scheduled) process.nextTick(() => this.#acknowledge());
  }

  #acknowledge(): void {
    const unacked = this.#unacked;
    this.#unacked = null;
    if (!unacked) return;
    try {
      unacked.channel.ack(unacked.message, true);
    } catch {
      // The channel closed: the broker delivers the unacknowledged messages again, and a
      // result received twice is the same result (a SUCCESS is never replaced).
    }
  }

  async #sendSync(sync: Sync): Promise<void> {
    this.#syncs.set(sync.id, sync);
    try {
      const channels = await this.ready();
      sync.timer = setTimeout(
        () => this.#settleSync(sync, new BackendUnavailableError(`The reply queue did not answer within ${this.#options.syncTimeoutMs} ms.`)),
        this.#options.syncTimeoutMs,
      );
      channels.publisher.publish('', this.queue, Buffer.alloc(0), { correlationId: sync.id, type: SYNC_TYPE });
    } catch (error) {
      this.#settleSync(sync, error);
    }
  }

  #settleSync(sync: Sync, error?: unknown): void {
    if (!this.#syncs.delete(sync.id)) return;
    clearTimeout(sync.timer);
    if (error === undefined) sync.resolve();
    else sync.reject(error);
  }

  #onMessage(message: ConsumeMessage | null, channel: Channel): void {
    if (message === null) {
      // The broker cancelled the consumer (someone deleted the queue): declare and consume
      // again on this connection, and have core read every pending id.
      this.#setupFor = null;
      this.#setupDone = null;
      this.reconnected();
      return;
    }
    // Taken into memory below, synchronously: from here on the broker may forget it.
    if (this.#options.durable) this.#acknowledgeLater(channel, message);
    const { correlationId, type, contentType, contentEncoding } = message.properties as {
      correlationId?: string;
      type?: string;
      contentType?: string;
      contentEncoding?: string;
    };
    if (type === SYNC_TYPE) {
      const sync = correlationId === undefined ? undefined : this.#syncs.get(correlationId);
      if (sync) this.#settleSync(sync);
      return;
    }
    const meta = this.#decode(message.content, contentType, contentEncoding, correlationId);
    const taskId = correlationId ?? (meta instanceof Error ? undefined : meta.taskId);
    if (!taskId) return;
    const previous = this.#buffer.get(taskId);
    // A SUCCESS is final: a later state of the same task (a duplicate delivery, a late RETRY) is dropped.
    if (previous && !(previous.meta instanceof Error) && previous.meta.status === states.SUCCESS) return;
    this.#buffer.delete(taskId);
    this.#buffer.set(taskId, { meta, at: Date.now() });
    while (this.#buffer.size > this.#options.maxBuffered) this.#buffer.delete(this.#buffer.keys().next().value!);
    if (this.#subscribed.has(taskId)) this.#listener?.message(taskId, meta);
  }

  #decode(content: Buffer, contentType: string | undefined, contentEncoding: string | undefined, taskId: string | undefined): TaskMeta | Error {
    try {
      // The message says how it was serialized (RPC is the one backend where each result does).
      const document = this.#options.codec.decode(content, contentType ?? this.#options.codec.contentType);
      return fromDocument(document, taskId ?? '');
    } catch (error) {
      if (error instanceof Error) return error;
      return new DecodeError(`A reply for ${taskId ?? 'an unknown task'} (${contentType}/${contentEncoding}) could not be decoded.`, { cause: error });
    }
  }

  #read(taskId: string): TaskMeta | Error | null {
    const entry = this.#buffer.get(taskId);
    if (!entry) return null;
    const { expires } = this.#options;
    if (expires !== null && Date.now() - entry.at > expires * 1000) {
      this.#buffer.delete(taskId);
      return null;
    }
    return entry.meta;
  }
}
