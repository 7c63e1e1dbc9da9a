import { parseJson, type TaskRequest } from '@resultkit/core';
import { Redis } from 'ioredis';
import type { TaskMessage } from '../task-message.js';
import { tasks, type TaskName } from '../tasks.js';

/** The prefix of the Node tasks' Celery names: a Python client sends `demo.divide`. */
const TASK_PREFIX = 'demo.';

/** What a task message sent by Python carries (protocol 2 in kombu's Redis envelope). */
interface Envelope {
  body: string;
  'content-type': string;
  headers: { id: string; task: string; group?: string | null; group_index?: number | null; parent_id?: string | null };
  properties: { body_encoding: string; reply_to?: string; correlation_id?: string };
}

/**
 * Takes task messages that Python Celery clients send to the Node workers' queue
 * (`send_task('demo.divide', args=[1, 0], queue='demo-node')`). Its own Redis connection
 * blocks in BRPOP a second at a time, so that stopping never waits longer than that.
 */
export class CeleryConsumer {
  readonly queue: string;
  readonly #redis: Redis;
  /** Called with every message taken, before it runs (the app lists these jobs too). */
  readonly #onTake: (message: TaskMessage) => void;

  private constructor(redis: Redis, queue: string, onTake: (message: TaskMessage) => void) {
    this.#redis = redis;
    this.queue = queue;
    this.#onTake = onTake;
  }

  static async connect(brokerUrl: string, queue: string, onTake: (message: TaskMessage) => void): Promise<CeleryConsumer> {
    const redis = new Redis(brokerUrl, { lazyConnect: true });
    await redis.connect();
    return new CeleryConsumer(redis, queue, onTake);
  }

  /** The next task for a Node worker; null once `signal` aborts. */
  async take(signal: AbortSignal): Promise<TaskMessage | null> {
    while (!signal.aborted) {
      const popped = await this.#redis.brpop(this.queue, 1);
      if (!popped) continue;
      const message = toTaskMessage(JSON.parse(popped[1]) as Envelope);
      this.#onTake(message);
      return message;
    }
    return null;
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}

/**
 * A Celery message as the workers' own `TaskMessage`. A task name the Node side does not have
 * still becomes a message: running it fails, and that failure is stored for the sender to see.
 */
function toTaskMessage(envelope: Envelope): TaskMessage {
  if (envelope['content-type'] !== 'application/json' || envelope.properties.body_encoding !== 'base64') {
    throw new Error(`task ${envelope.headers.id}: only JSON task messages are accepted, not ${envelope['content-type']}`);
  }
  const [args] = parseJson(Buffer.from(envelope.body, 'base64').toString('utf8')) as [unknown[], Record<string, unknown>, unknown];
  const { headers, properties } = envelope;
  const request: TaskRequest = {
    ...(headers.group ? { group: headers.group } : {}),
    ...(typeof headers.group_index === 'number' ? { groupIndex: headers.group_index } : {}),
    ...(headers.parent_id ? { parentId: headers.parent_id } : {}),
    ...(properties.reply_to ? { replyTo: properties.reply_to } : {}),
    ...(properties.correlation_id ? { correlationId: properties.correlation_id } : {}),
  };
  const name = headers.task.startsWith(TASK_PREFIX) ? headers.task.slice(TASK_PREFIX.length) : headers.task;
  return { taskId: headers.id, task: (Object.hasOwn(tasks, name) ? name : headers.task) as TaskName, args, request };
}
