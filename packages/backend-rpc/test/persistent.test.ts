/**
 * Persistent results (`rpc.persistent`, Celery's `result_persistent`): the reply queue is
 * durable, so persistent results published while the client is away are kept for it, and each
 * is acknowledged once the client has it in memory. The broker's own restart is in
 * reliability/faults/rpc.test.ts, against a broker of its own.
 */
import { randomUUID } from 'node:crypto';
import { states } from '@resultkit/core';
import { describe, expect, it } from 'vitest';
import { adapterOf, killConnections, listQueue, until, useRawChannel, useRpcBackend } from './support.js';

describe('persistent results', () => {
  it('go to a durable, not auto-delete reply queue with x-expires, which close() deletes', async () => {
    const client = await useRpcBackend({ expires: 60 }, { persistent: true });
    const { replyTo } = await client.taskProperties(randomUUID());
    expect(listQueue(replyTo)).toMatchObject({ durable: true, auto_delete: false, exclusive: false, arguments: { 'x-expires': 60_000 } });
    await client.close();
    expect(listQueue(replyTo)).toBeUndefined();
  });

  it('published while the client is disconnected, are kept in its queue and read once it is back', async () => {
    const name = `rk-test-${randomUUID()}`;
    const client = await useRpcBackend({}, { persistent: true, connectionName: name });
    const worker = await useRpcBackend({}, { persistent: true });
    const ids = Array.from({ length: 20 }, () => randomUUID());
    const request = await client.taskProperties(ids[0]!);
    expect(await killConnections(name)).toBe(1);
    // The queue outlived the connection: every store is routed, and acknowledged by the broker.
    await Promise.all(ids.map((id) => worker.storeResult(id, `kept ${id}`, states.SUCCESS, { request: { ...request, correlationId: id } })));
    await until(() => adapterOf(client).session.connected, 10_000, 'the reconnect');
    const values = await Promise.all(ids.map((id) => client.asyncResult(id).get({ timeout: 10_000 })));
    expect(values).toEqual(ids.map((id) => `kept ${id}`));
  });

  it('are acknowledged once received: nothing is left in the queue, ready or unacknowledged', async () => {
    const client = await useRpcBackend({}, { persistent: true });
    const ids = Array.from({ length: 50 }, () => randomUUID());
    await Promise.all(ids.map((id) => client.storeResult(id, id)));
    expect(await Promise.all(ids.map((id) => client.asyncResult(id).get({ timeout: 5_000 })))).toEqual(ids);
    const { replyTo } = await client.taskProperties(ids[0]!);
    const { channel } = await useRawChannel();
    // A redeclare with the same arguments answers with the counts; the consumer is the client's.
    await until(async () => {
      const queue = await channel.checkQueue(replyTo);
      return queue.messageCount === 0 && queue.consumerCount === 1 && listQueue(replyTo)?.messages_unacknowledged === 0;
    }, 5_000, 'every message acknowledged');
  });
});
