/**
 * Just enough of kombu's Redis transport and Celery's task protocol 2 for a Node "worker" to
 * take part in a chord created by Python: pop one task message from a queue list, and push
 * the chord body's task message. A test helper, not a product feature.
 *
 * On the Redis transport a queue is a list: producers LPUSH, workers BRPOP. Each entry is a
 * JSON envelope whose `body` is the base64 of the JSON `[args, kwargs, embed]`, where
 * `embed = {callbacks, errbacks, chain, chord}` and `chord` is the body's signature.
 */
import { Buffer } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { parseJson } from '@resultkit/core';
import type { Redis } from 'ioredis';
import { taskBody, taskHeaders } from '../support/task-protocol.js';

export interface Signature {
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  options: Record<string, unknown> & { task_id?: string; queue?: string; reply_to?: string };
  immutable?: boolean;
}

export interface TaskMessage {
  headers: Record<string, unknown> & { id: string; task: string; group: string | null; group_index: number | null; root_id?: string | null; parent_id?: string | null; retries?: number };
  properties: Record<string, unknown> & { delivery_info: { exchange: string; routing_key: string }; reply_to?: string };
  args: unknown[];
  kwargs: Record<string, unknown>;
  embed: { callbacks: unknown; errbacks: unknown; chain: unknown; chord: Signature | null };
}

/** Pops the next task message from `queue`, waiting up to `timeoutSeconds`; null when none came. */
export async function popTaskMessage(client: Redis, queue: string, timeoutSeconds: number): Promise<TaskMessage | null> {
  const popped = await client.brpop(queue, timeoutSeconds);
  if (!popped) return null;
  const envelope = JSON.parse(popped[1]) as {
    body: string;
    'content-type': string;
    headers: TaskMessage['headers'];
    properties: TaskMessage['properties'] & { body_encoding: string };
  };
  if (envelope['content-type'] !== 'application/json' || envelope.properties.body_encoding !== 'base64') {
    throw new Error(`Unexpected task message encoding: ${envelope['content-type']} / ${envelope.properties.body_encoding}`);
  }
  const [args, kwargs, embed] = parseJson(Buffer.from(envelope.body, 'base64').toString('utf8')) as [unknown[], Record<string, unknown>, TaskMessage['embed']];
  return { headers: envelope.headers, properties: envelope.properties, args, kwargs, embed };
}

/**
 * What a Celery worker does when its part completes a chord (`callback.delay(results)`): sends
 * the body with the header results prepended to the body's own arguments, under the task id
 * the client reserved for it, with the completing part as its parent.
 */
export async function sendChordBody(client: Redis, body: Signature, results: unknown[], completing: TaskMessage): Promise<string> {
  const id = body.options.task_id ?? randomUUID();
  const queue = body.options.queue ?? 'celery';
  const args = body.immutable ? body.args : [results, ...body.args];
  const headers = taskHeaders({
    task: body.task,
    id,
    args,
    kwargs: body.kwargs,
    rootId: completing.headers.root_id ?? completing.headers.id,
    parentId: completing.headers.id,
  });
  const envelope = {
    body: Buffer.from(taskBody(args, body.kwargs)).toString('base64'),
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
    headers,
    properties: {
      correlation_id: id,
      reply_to: body.options.reply_to ?? completing.properties.reply_to ?? randomUUID(),
      delivery_mode: 2,
      delivery_info: { exchange: '', routing_key: queue },
      priority: 0,
      body_encoding: 'base64',
      delivery_tag: randomUUID(),
    },
  };
  await client.lpush(queue, JSON.stringify(envelope));
  return id;
}
