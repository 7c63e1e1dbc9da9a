import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { BackendUnavailableError, ContentDisallowedError, RemoteTaskError, states, toDocument } from '@resultkit/core';
import type { GetMessage } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { adapterOf, until, useRawChannel, useRpcBackend } from './support.js';

// A queue of the test's own, standing in for a Celery client's reply queue.
async function useReplyQueue() {
  const { channel } = await useRawChannel();
  const { queue } = await channel.assertQueue(`rk-test-reply-${randomUUID()}`, { durable: false, autoDelete: true, exclusive: true });
  const next = async (): Promise<GetMessage> => {
    let message: GetMessage | false = false;
    await until(async () => (message = await channel.get(queue, { noAck: true })) !== false, 5_000, 'a reply');
    return message as unknown as GetMessage;
  };
  return { queue, next };
}

describe('storing a result (the worker side)', () => {
  it("publishes to the default exchange with routing key = replyTo and Celery's properties and body", async () => {
    const worker = await useRpcBackend();
    const reply = await useReplyQueue();
    const id = randomUUID();
    await worker.storeResult(id, { total: 5 }, states.SUCCESS, { request: { replyTo: reply.queue } });
    const message = await reply.next();
    expect(message.fields).toMatchObject({ exchange: '', routingKey: reply.queue });
    expect(message.properties).toMatchObject({
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      deliveryMode: 1,
      priority: 0,
      correlationId: id,
      headers: {},
    });
    // The same document the Redis backend stores: core's toDocument through the codec.
    const document = worker.codec.decode(message.content) as Record<string, unknown>;
    expect(document).toMatchObject({ status: 'SUCCESS', result: { total: 5 }, traceback: null, children: [], task_id: id });
    expect(Object.keys(document)).toEqual(Object.keys(toDocument({ taskId: id, status: 'SUCCESS', result: 1, traceback: null, children: [], dateDone: new Date() })));
  });

  it('results published in one turn leave in a few socket writes, not one each, and all arrive', async () => {
    const worker = await useRpcBackend();
    const reply = await useReplyQueue();
    const ids = Array.from({ length: 100 }, () => randomUUID());
    await worker.storeResult(randomUUID(), 0, states.SUCCESS, { request: { replyTo: reply.queue } });
    await reply.next();
    // The connection's own socket, where amqplib's frames go (see connect.ts).
    const channels = await adapterOf(worker).session.channels();
    const socket = (channels.connection as unknown as { connection: { stream: Socket } }).connection.stream;
    let writes = 0;
    const count = (): void => void writes++;
    const write = socket._write.bind(socket);
    const writev = socket._writev!.bind(socket);
    socket._write = (...args: Parameters<Socket['_write']>) => (count(), write(...args));
    socket._writev = (...args: Parameters<NonNullable<Socket['_writev']>>) => (count(), writev(...args));
    try {
      await Promise.all(ids.map((id, i) => worker.storeResult(id, i, states.SUCCESS, { request: { replyTo: reply.queue } })));
    } finally {
      delete (socket as Partial<Socket>)._write;
      delete (socket as Partial<Socket>)._writev;
    }
    // Before, every message was a write of its own (100); the frames of one pass go together.
    expect(writes).toBeGreaterThan(0);
    expect(writes).toBeLessThanOrEqual(10);
    const received = new Set<string>();
    for (let i = 0; i < ids.length; i++) received.add(String((await reply.next()).properties.correlationId));
    expect(received).toEqual(new Set(ids));
  });

  it('publishes with delivery_mode 2 when persistent (result_persistent), and uses the request correlation_id', async () => {
    const worker = await useRpcBackend({}, { persistent: true });
    const reply = await useReplyQueue();
    await worker.markAsFailure('task-1', new RemoteTaskError({ excType: 'ValueError', excModule: 'builtins', excArgs: ['bad'] }), {
      request: { replyTo: reply.queue, correlationId: 'corr-1' },
      traceback: 'Traceback ...',
    });
    const message = await reply.next();
    expect(message.properties).toMatchObject({ deliveryMode: 2, correlationId: 'corr-1' });
    expect(worker.codec.decode(message.content)).toMatchObject({
      status: 'FAILURE',
      result: { exc_type: 'ValueError', exc_message: ['bad'], exc_module: 'builtins' },
      traceback: 'Traceback ...',
    });
  });

  it("without a replyTo the result goes to the backend's own queue: only that backend reads it", async () => {
    const backend = await useRpcBackend();
    const other = await useRpcBackend();
    const id = randomUUID();
    await backend.storeResult(id, 'mine', states.SUCCESS, { request: { name: 'tasks.x' } });
    expect((await backend.getTaskMeta(id)).result).toBe('mine');
    expect((await other.getTaskMeta(id)).status).toBe(states.PENDING);
  });

  it('a result for another client reaches that client only', async () => {
    const client = await useRpcBackend();
    const worker = await useRpcBackend();
    const id = randomUUID();
    const waiting = client.asyncResult(id).get({ timeout: 5_000 });
    await worker.storeResult(id, 'yours', states.SUCCESS, { request: await client.taskProperties(id) });
    expect(await waiting).toBe('yours');
    expect((await worker.getTaskMeta(id)).status).toBe(states.PENDING);
  });

  it('a reply in a format outside accept (a pickle, by default) is refused unread with ContentDisallowedError', async () => {
    const client = await useRpcBackend();
    const { channel } = await useRawChannel();
    const id = randomUUID();
    const { replyTo } = await client.taskProperties(id);
    const waiting = client.asyncResult(id).get({ timeout: 5_000 }).catch((e: unknown) => e);
    // What a Celery worker with result_serializer='pickle' publishes: the message says its format,
    // and a pickle that would call os.system if anything ran it.
    const pickled = Buffer.from('cos\nsystem\n(Vtouch /tmp/never\ntR.', 'latin1');
    channel.sendToQueue(replyTo, pickled, { correlationId: id, contentType: 'application/x-python-serialize', contentEncoding: 'binary' });
    const error = await waiting;
    expect(error).toBeInstanceOf(ContentDisallowedError);
    expect((error as ContentDisallowedError).contentType).toBe('application/x-python-serialize');
    expect(client.codec.accept).toEqual(['application/json']);
  });

  it('a result for a reply queue that does not exist is not acknowledged: the store fails with BackendUnavailableError', async () => {
    // The broker would confirm an unroutable message and drop it; published mandatory, it comes back.
    const worker = await useRpcBackend({ retry: { maxRetries: 1, baseDelay: 5 } });
    const missing = `rk-test-missing-${randomUUID()}`;
    const error = await worker.storeResult(randomUUID(), 'nobody', states.SUCCESS, { request: { replyTo: missing } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toContain(missing);
  });

  it('returned and routed results of the same task, published together, are told apart', async () => {
    const worker = await useRpcBackend({ retry: false });
    const reply = await useReplyQueue();
    const missing = `rk-test-missing-${randomUUID()}`;
    const id = randomUUID();
    // Interleaved on one channel, same correlation id: only the stores to the missing queue fail.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        worker.storeResult(id, i, i % 2 ? states.SUCCESS : states.STARTED, { request: { replyTo: i % 2 ? reply.queue : missing, correlationId: id } }),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 ? 'fulfilled' : 'rejected')));
    for (const outcome of outcomes) if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(BackendUnavailableError);
    const received = [];
    for (let i = 0; i < 10; i++) received.push(worker.codec.decode((await reply.next()).content) as { result: number });
    expect(received.map((document) => document.result)).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
  });

  it('groups, chords and forget are NotSupportedError, said plainly', async () => {
    const backend = await useRpcBackend();
    await expect(backend.saveGroup('g', ['a'])).rejects.toMatchObject({ code: 'ERR_RESULTKIT_NOT_SUPPORTED', message: expect.stringMatching(/rpc backend/) });
    await expect(backend.setChordSize('g', 1)).rejects.toMatchObject({ code: 'ERR_RESULTKIT_NOT_SUPPORTED' });
    await expect(backend.forget('a')).rejects.toMatchObject({ code: 'ERR_RESULTKIT_NOT_SUPPORTED' });
    expect(backend.capabilities).toEqual({
      push: true, groups: false, chords: false, selfExpiry: true, durable: false, preservesSuccess: true, forget: false, sharedReads: false,
    });
  });
});
