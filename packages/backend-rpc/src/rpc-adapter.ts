import {
  BackendUnavailableError,
  NotSupportedError,
  toDocument,
  type AdapterCapabilities,
  type AdapterStoreOptions,
  type BackendAdapter,
  type Codec,
  type PushChannel,
  type PushListener,
  type TaskMeta,
  type TaskProperties,
} from '@resultkit/core';
import type { Options } from 'amqplib';
import type { AmqpSession, Channels } from './connect.js';
import { ReplyConsumer } from './reply-consumer.js';

export interface RpcAdapterInit {
  session: AmqpSession;
  codec: Codec;
  expires: number | null;
  persistent: boolean;
  maxBuffered: number;
  syncTimeoutMs: number;
}

/** The properties every result message has: all but its correlation id. */
interface ResultProperties {
  contentType: string;
  contentEncoding: string;
  deliveryMode: 1 | 2;
  priority: number;
  headers: Record<string, never>;
  mandatory: boolean;
}

/**
 * Celery's `rpc://` backend: a worker publishes each state change to the default exchange with
 * the task message's `reply_to` as routing key and its `correlation_id`; the client that sent
 * the task reads them from its own reply queue, through one consumer (`ReplyConsumer`).
 *
 * Only that client ever sees a result, and only while it runs: there is nothing to delete,
 * group or count in a chord, and no other process can read it.
 */
export class RpcAdapter implements BackendAdapter {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'rpc';
  readonly capabilities: AdapterCapabilities = {
    push: true,
    groups: false,
    chords: false,
    selfExpiry: true,
    durable: false,
    // Enforced by the reader: once a SUCCESS arrived, later states of that task are dropped.
    preservesSuccess: true,
    forget: false,
    sharedReads: false,
  };
  readonly session: AmqpSession;
  readonly replies: ReplyConsumer;
  readonly #codec: Codec;
  readonly #properties: ResultProperties;

  constructor(init: RpcAdapterInit) {
    this.session = init.session;
    this.#codec = init.codec;
    this.replies = new ReplyConsumer({
      session: init.session,
      codec: init.codec,
      expires: init.expires,
      maxBuffered: init.maxBuffered,
      syncTimeoutMs: init.syncTimeoutMs,
      durable: init.persistent,
    });
    // What Celery 5.2.6's worker sets on a result message (checked on the wire).
    this.#properties = {
      contentType: init.codec.contentType,
      contentEncoding: init.codec.contentEncoding,
      deliveryMode: init.persistent ? 2 : 1,
      priority: 0,
      headers: {},
      // An unroutable result comes back instead of being dropped (see `publish`); a flag of the
      // publish method, not a property of the message, so Celery's reader sees nothing new.
      mandatory: true,
    };
  }

  /**
   * Publishes a state change where the task's request asks (`request.replyTo`). Without one, it
   * goes to this backend's own reply queue: a process that is worker and client at once (tests,
   * a single-process app) reads its own results. A Celery worker would publish nothing then.
   */
  async store(meta: TaskMeta, options: AdapterStoreOptions): Promise<void> {
    // Encoding checks the size limit: a value over it is refused before anything is sent.
    const encoded = this.#codec.encode(toDocument(meta));
    const body = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
    const replyTo = options.request?.replyTo;
    const channels = replyTo ? (this.session.live ?? (await this.session.channels())) : await this.replies.ready();
    const routingKey = replyTo || this.replies.queue;
    // A literal, not a spread of the fixed properties plus one: in Node 20 that takes V8's slow
    // path, about a microsecond per result.
    const fixed = this.#properties;
    const properties: Options.Publish = {
      contentType: fixed.contentType,
      contentEncoding: fixed.contentEncoding,
      deliveryMode: fixed.deliveryMode,
      priority: fixed.priority,
      headers: fixed.headers,
      mandatory: fixed.mandatory,
      correlationId: options.request?.correlationId || meta.taskId,
    };
    await publish(channels, routingKey, body, properties);
  }

  load(taskId: string): Promise<TaskMeta | null> {
    return this.replies.load(taskId);
  }

  loadMany(taskIds: readonly string[]): Promise<(TaskMeta | null | Error)[]> {
    return this.replies.loadMany(taskIds);
  }

  async remove(): Promise<void> {
    throw new NotSupportedError('The rpc backend cannot forget results: each one is a message already consumed by the client that sent the task.');
  }

  /** Declares the reply queue (Celery's `on_task_call`), then names it. */
  async taskProperties(taskId: string): Promise<TaskProperties> {
    await this.replies.ready();
    return { replyTo: this.replies.queue, correlationId: taskId };
  }

  openPush(listener: PushListener): PushChannel {
    this.replies.attach(listener);
    return this.replies;
  }

  isRetryable(error: unknown): boolean {
    return error instanceof BackendUnavailableError;
  }

  async close(): Promise<void> {
    await this.replies.shutdown();
    await this.session.close();
  }
}

/**
 * Publishes one result. With confirms, it resolves once the broker has put the message in the
 * reply queue: a message the broker cannot route (no such queue) is returned (`mandatory`) and
 * rejects with a retryable `BackendUnavailableError`, as a message the broker refuses or loses
 * with the connection does. Without confirms, nothing is known and it resolves at once.
 */
function publish(channels: Channels, routingKey: string, body: Buffer, properties: Options.Publish): Promise<void> {
  if (!channels.confirms || !channels.returns) {
    channels.publisher.publish('', routingKey, body, properties);
    return Promise.resolve();
  }
  const returned = channels.returns.track(routingKey, properties.correlationId ?? '', body);
  return new Promise<void>((resolve, reject) => {
    channels.publisher.publish('', routingKey, body, properties, (error: unknown) => {
      if (returned.settled()) {
        reject(
          new BackendUnavailableError(
            `The broker has no reply queue ${routingKey} for this result: the client that sent the task is gone, or has not declared its queue again since the broker restarted.`,
          ),
        );
      } else if (error) reject(new BackendUnavailableError('The broker did not confirm the result message.', { cause: error }));
      else resolve();
    });
  });
}
