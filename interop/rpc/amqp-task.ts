/**
 * Celery's task protocol 2 over AMQP, with amqplib: what the backend-rpc README's example does
 * to send a task (and, for the Node worker, to take one). A test helper, not a product feature.
 *
 * A task message is published to the default exchange with the queue as routing key; its body
 * is the JSON `[args, kwargs, embed]`, its headers name the task and id, and its properties
 * carry `correlation_id` and `reply_to` from `backend.taskProperties(id)`.
 */
import { parseJson, type ResultBackend, type TaskRequest } from '@resultkit/core';
import type { Channel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { taskBody, taskHeaders } from '../support/task-protocol.js';

/** How a Celery worker declares the queue it consumes (`-Q name`): durable, not auto-delete. */
export const CELERY_QUEUE_OPTIONS = { durable: true, autoDelete: false, exclusive: false } as const;

export interface SendTask {
  task: string;
  id: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  queue: string;
}

/** Sends one task the way Celery's `apply_async` does, so its result comes back over `backend`. */
export async function sendTask(channel: ConfirmChannel, backend: ResultBackend, { task, id, args = [], kwargs = {}, queue }: SendTask): Promise<void> {
  const { replyTo, correlationId } = await backend.taskProperties(id);
  const headers = taskHeaders({ task, id, args, kwargs });
  const body = Buffer.from(taskBody(args, kwargs));
  channel.publish('', queue, body, {
    headers,
    correlationId,
    replyTo,
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    deliveryMode: 2,
    priority: 0,
  });
  await channel.waitForConfirms();
}

/** A task message a Node worker took from a queue. */
export interface ReceivedTask {
  task: string;
  id: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  /** What `storeResult(..., { request })` needs: where the result goes, and the task's name. */
  request: TaskRequest;
  message: ConsumeMessage;
}

/** Reads a protocol-2 task message (JSON only). */
export function readTask(message: ConsumeMessage): ReceivedTask {
  const headers = message.properties.headers as { task: string; id: string; retries?: number };
  if (message.properties.contentType !== 'application/json') throw new Error(`Unexpected task content type ${message.properties.contentType}`);
  const [args, kwargs] = parseJson(message.content.toString('utf8')) as [unknown[], Record<string, unknown>];
  return {
    task: headers.task,
    id: headers.id,
    args,
    kwargs,
    message,
    request: {
      name: headers.task,
      args,
      kwargs,
      retries: headers.retries ?? 0,
      routingKey: message.fields.routingKey,
      replyTo: message.properties.replyTo as string | undefined,
      correlationId: message.properties.correlationId as string | undefined,
    },
  };
}

/** Consumes `queue` (declared as Celery declares it), calling `run` for each task and acking it after. */
export async function consumeTasks(channel: Channel, queue: string, run: (task: ReceivedTask) => Promise<void>): Promise<string> {
  await channel.assertQueue(queue, CELERY_QUEUE_OPTIONS);
  await channel.prefetch(1);
  const { consumerTag } = await channel.consume(queue, (message) => {
    if (!message) return;
    run(readTask(message)).then(
      () => channel.ack(message),
      () => channel.nack(message, false, false),
    );
  });
  return consumerTag;
}
