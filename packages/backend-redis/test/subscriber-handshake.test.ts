/**
 * Waits that start while the pub/sub connection is still in its handshake (connected, not yet
 * ready: CLIENT SETNAME and the ready check in flight). A SUBSCRIBE written then put the
 * connection in subscriber mode before ioredis' own ready check (INFO), which ioredis then
 * refused ("Connection in subscriber mode"), treated as fatal, and answered by failing every
 * queued SUBSCRIBE: those waits ended with BackendOperationError instead of their results.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { adapterOf, openRedisBackend, testId, useRawClient } from './support.js';

let raw: Redis;
useRawClient((client) => (raw = client));

describe('a wait started during the pub/sub connection handshake', () => {
  it('is subscribed once the connection is ready, and resolves', async () => {
    const backend = await openRedisBackend();
    onTestFinished(() => backend.close());
    const [a, b] = [testId('handshake'), testId('handshake')];
    const first = backend.asyncResult(a).get({ timeout: 5_000 });
    // The first wait opens the pub/sub connection on the next microtask.
    await Promise.resolve();
    await Promise.resolve();
    const connection = adapterOf(backend).subscriber!.connection!;
    const second = new Promise<unknown>((resolve, reject) => {
      connection.once('connect', () => {
        // 'connect': the socket is open, the handshake is not done yet.
        expect(connection.status).toBe('connect');
        backend.asyncResult(b).get({ timeout: 5_000 }).then(resolve, reject);
      });
    });
    // Give both waits time to subscribe, then store their results.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await backend.storeResult(a, 'first');
    await backend.storeResult(b, 'second');
    await expect(first).resolves.toBe('first');
    await expect(second).resolves.toBe('second');
    await raw.del(`celery-task-meta-${a}`, `celery-task-meta-${b}`);
  });
});
