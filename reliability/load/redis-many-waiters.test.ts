/**
 * 100,000 concurrent waits on one backend share one Redis pub/sub connection: one connection on
 * the server holds every subscription, the heap each wait costs is printed, every wait resolves
 * with its own value once stored, and then every subscription, wait and handle is released.
 * `RESULTKIT_WAITERS` changes the count.
 */
import { randomUUID } from 'node:crypto';
import { createBackend } from '@resultkit/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heapAfterGc, mib } from '../support/heap.js';
import { activeResources, expectResourcesReleased, watchWarnings } from '../support/leaks.js';
import { redisInternals, serverSubscriptions } from '../support/redis-internals.js';
import { skipWithout } from '../support/servers/availability.js';
import { waitUntil } from '../support/servers/loopback.js';
import { OwnedRedis } from '../support/servers/redis-server.js';

const COUNT = Number(process.env.RESULTKIT_WAITERS ?? 100_000);
const STORE_SLICE = 5_000;

describe.skipIf(skipWithout('redis'))(`${COUNT} concurrent waits on one Redis pub/sub connection`, () => {
  let server: OwnedRedis;
  let raw: Redis;
  beforeAll(async () => {
    // Nothing needs to survive a restart here: no append-only file to write.
    server = await OwnedRedis.start({ appendOnly: false });
    raw = new Redis(server.url, { connectionName: 'rk-load-observer' });
    raw.on('error', () => {});
  });
  afterAll(async () => {
    raw?.disconnect();
    await server?.dispose();
  });

  it('all resolve with their values, on one connection, and everything is released', { timeout: 180_000 }, async () => {
    const before = activeResources();
    const warnings = watchWarnings();
    const backend = await createBackend(server.url);
    const internals = redisInternals(backend);
    const run = randomUUID().slice(0, 8);
    try {
      // Open the pub/sub connection first, so its own cost is not counted per wait.
      const warm = backend.asyncResult(`rk-many-${run}-warm`).get({ timeout: 5_000 });
      await waitUntil(() => internals.subscriber?.channelCount === 1, 5_000, 'the warm-up subscription');
      await backend.storeResult(`rk-many-${run}-warm`, 'warm');
      await warm;
      const ids = Array.from({ length: COUNT }, (_, i) => `rk-many-${run}-${i}`);
      const heapBefore = await heapAfterGc();

      let resolved = 0;
      const wrong: string[] = [];
      let waits: Promise<void>[] | null = ids.map((id, i) =>
        backend.asyncResult(id).get({ timeout: 150_000 }).then((value) => (value === i ? void resolved++ : void wrong.push(id))),
      );
      const subscribing = performance.now();
      await waitUntil(async () => internals.subscriber?.channelCount === COUNT && (await serverSubscriptions(raw))[0] === COUNT, 60_000, 'every channel subscribed');
      const subscribedMs = performance.now() - subscribing;
      const heapWaiting = await heapAfterGc();
      // One pub/sub connection on the server holds every channel.
      expect(await serverSubscriptions(raw)).toEqual([COUNT]);
      expect(backend.pendingWaits).toBe(COUNT);

      const storing = performance.now();
      for (let start = 0; start < COUNT; start += STORE_SLICE) {
        await Promise.all(ids.slice(start, start + STORE_SLICE).map((id, k) => backend.storeResult(id, start + k)));
      }
      await Promise.all(waits);
      const resolvedMs = performance.now() - storing;
      waits = null;
      expect(wrong).toEqual([]);
      expect(resolved).toBe(COUNT);

      expect(backend.pendingWaits).toBe(0);
      // A settled wait unsubscribes on the next turn of the event loop, after its caller ran.
      await waitUntil(() => internals.subscriber?.channelCount === 0, 10_000, 'the backend to want no channel');
      await waitUntil(async () => (await serverSubscriptions(raw)).length === 0, 10_000, 'every channel unsubscribed on the server');
      const heapAfter = await heapAfterGc();
      const perWait = (heapWaiting - heapBefore) / COUNT;
      console.log(
        `[load] ${COUNT} waits on one pub/sub connection: subscribed in ${Math.round(subscribedMs)} ms, heap ${mib(heapBefore)} -> ${mib(heapWaiting)} ` +
          `(${Math.round(perWait)} bytes per wait), stored and resolved in ${Math.round(resolvedMs)} ms, heap after ${mib(heapAfter)}`,
      );
      // Released: what the waits held is back to within 5 % of it (the ids array is still held here).
      expect(heapAfter - heapBefore).toBeLessThan((heapWaiting - heapBefore) * 0.05);
      await raw.flushdb();
    } finally {
      await backend.close();
      warnings.stop();
    }
    await expectResourcesReleased(before);
    expect(warnings.warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
  });
});
