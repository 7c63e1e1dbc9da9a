import { randomUUID } from 'node:crypto';
import { states } from '@resultkit/core';
import { describe, expect, it } from 'vitest';
import { adapterOf, listQueue, recordPushedStates, sleep, useRawChannel, useRpcBackend } from './support.js';

describe('the reply queue', () => {
  it("is declared as Celery declares its own: non-durable, auto-delete, not exclusive, x-expires from expires, and Celery's redeclare succeeds", async () => {
    const backend = await useRpcBackend({ expires: 120 });
    const { replyTo, correlationId } = await backend.taskProperties('t-1');
    expect(correlationId).toBe('t-1');
    expect(replyTo).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(listQueue(replyTo)).toMatchObject({ durable: false, auto_delete: true, exclusive: false, arguments: { 'x-expires': 120_000 } });
    // kombu's declaration (Queue(oid, durable=False, auto_delete=True, expires=...)) of the same name.
    const { channel } = await useRawChannel();
    await expect(channel.assertQueue(replyTo, { durable: false, autoDelete: true, exclusive: false, arguments: { 'x-expires': 120_000 } })).resolves.toMatchObject({
      queue: replyTo,
    });
    // One queue per backend: every task gets the same one.
    expect((await backend.taskProperties('t-2')).replyTo).toBe(replyTo);
  });

  it('has no x-expires when results never expire (expires: null)', async () => {
    const backend = await useRpcBackend({ expires: null });
    const { replyTo } = await backend.taskProperties('t');
    expect(listQueue(replyTo)?.arguments).toEqual({});
  });

  it('keeps results nobody asked for yet, up to maxBuffered task ids, dropping the oldest first', async () => {
    const backend = await useRpcBackend({}, { maxBuffered: 3 });
    const ids = Array.from({ length: 5 }, (_, i) => `buffered-${i}-${randomUUID()}`);
    for (const [i, id] of ids.entries()) await backend.storeResult(id, i);
    const metas = await Promise.all(ids.map((id) => backend.getTaskMeta(id)));
    expect(metas.map((m) => m.status)).toEqual([states.PENDING, states.PENDING, states.SUCCESS, states.SUCCESS, states.SUCCESS]);
    expect(metas.slice(2).map((m) => m.result)).toEqual([2, 3, 4]);
    expect(adapterOf(backend).replies.bufferedCount).toBe(3);
  });

  it('reading the state of a final result again and again never requeues it (celery#4830)', async () => {
    const backend = await useRpcBackend();
    const id = randomUUID();
    await backend.storeResult(id, 'done');
    for (let i = 0; i < 20; i++) expect((await backend.getTaskMeta(id)).result).toBe('done');
    await backend.markAsStarted(randomUUID()); // a state for another id goes by meanwhile
    expect(await backend.asyncResult(id).get({ timeout: 1_000 })).toBe('done');
    const { channel } = await useRawChannel();
    const { replyTo } = await backend.taskProperties(id);
    // Nothing is left circulating in the queue, and the buffer holds one entry per task.
    expect((await channel.checkQueue(replyTo)).messageCount).toBe(0);
    expect(adapterOf(backend).replies.bufferedCount).toBe(2);
  });

  it('non-final states (STARTED, RETRY, custom progress) reach the waiters as they arrive, and getTaskMeta returns the latest', async () => {
    const backend = await useRpcBackend();
    const seen = recordPushedStates(backend);
    const id = randomUUID();
    const waiting = backend.asyncResult(id).get({ timeout: 10_000 });
    await sleep(50);
    await backend.markAsStarted(id);
    await backend.updateState(id, 'PROGRESS', { done: 1, total: 2 });
    expect(await backend.getTaskMeta(id)).toMatchObject({ status: 'PROGRESS', result: { done: 1, total: 2 } });
    await backend.markAsRetry(id, new Error('again'));
    await backend.updateState(id, 'PROGRESS', { done: 2, total: 2 });
    expect(await backend.getTaskMeta(id)).toMatchObject({ status: 'PROGRESS', result: { done: 2, total: 2 } });
    await backend.storeResult(id, 'finished');
    expect(await waiting).toBe('finished');
    expect(seen.get(id)).toEqual([states.STARTED, 'PROGRESS', states.RETRY, 'PROGRESS', states.SUCCESS]);
  });

  it('a result published by a worker after the client asked, before it waits, is served from the buffer', async () => {
    const client = await useRpcBackend();
    const worker = await useRpcBackend();
    const id = randomUUID();
    const request = await client.taskProperties(id);
    expect((await client.getTaskMeta(id)).status).toBe(states.PENDING);
    await worker.storeResult(id, 42, states.SUCCESS, { request });
    expect(await client.asyncResult(id).get({ timeout: 5_000 })).toBe(42);
  });
});
