import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ConfigurationError, redactUrl, schemeOf, stringifyPython, type TaskProperties } from '@resultkit/core';
import { Redis } from 'ioredis';

/**
 * Sends task messages to Python Celery workers through a Redis broker, as `apply_async` does:
 * Celery's task protocol 2, in the envelope of kombu's Redis transport, pushed onto the queue's
 * list. The results do not come back this way: the worker stores them in the result backend,
 * where the app awaits them like any other.
 */
export class CelerySender {
  readonly queue: string;
  readonly #redis: Redis;

  private constructor(redis: Redis, queue: string) {
    this.#redis = redis;
    this.queue = queue;
  }

  /** Connects to the broker; only kombu's Redis transport (`redis://`) is spoken here. */
  static async connect(brokerUrl: string, queue: string): Promise<CelerySender> {
    if (!['redis', 'rediss'].includes(schemeOf(brokerUrl))) {
      throw new ConfigurationError(`The demo sends Celery tasks through a Redis broker only, not ${redactUrl(brokerUrl)}.`);
    }
    const redis = new Redis(brokerUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
    await redis.connect();
    return new CelerySender(redis, queue);
  }

  /** Queues `task(...args)` under `taskId`; `properties` say where an `rpc://` result goes. */
  async send(taskId: string, task: string, args: unknown[], properties: TaskProperties): Promise<void> {
    const kwargs = {};
    const body = stringifyPython([args, kwargs, { callbacks: null, errbacks: null, chain: null, chord: null }]);
    const envelope = {
      body: Buffer.from(body).toString('base64'),
      'content-encoding': 'utf-8',
      'content-type': 'application/json',
      headers: {
        lang: 'py', task, id: taskId, shadow: null, eta: null, expires: null, group: null, group_index: null,
        retries: 0, timelimit: [null, null], root_id: taskId, parent_id: null,
        argsrepr: stringifyPython(args), kwargsrepr: stringifyPython(kwargs), origin: `node@${hostname()}`, ignore_result: false,
      },
      properties: {
        correlation_id: properties.correlationId,
        reply_to: properties.replyTo,
        delivery_mode: 2,
        delivery_info: { exchange: '', routing_key: this.queue },
        priority: 0,
        body_encoding: 'base64',
        delivery_tag: randomUUID(),
      },
    };
    // A kombu Redis queue is a list: producers LPUSH, workers BRPOP from the other end.
    await this.#redis.lpush(this.queue, JSON.stringify(envelope));
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}
