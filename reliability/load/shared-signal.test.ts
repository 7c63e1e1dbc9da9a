/**
 * One `AbortSignal` shared by 10,000 waits on a Redis backend: the signal carries one listener
 * however many waits use it (so no `MaxListenersExceededWarning`), aborting it ends every wait
 * with `AbortError` and unsubscribes every channel, and a long-lived signal reused by round
 * after round of waits that resolve keeps no listener and no memory.
 */
import { randomUUID } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { AbortError, createBackend, type ResultBackend } from '@resultkit/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heapAfterGc, mib } from '../support/heap.js';
import { activeResources, expectResourcesReleased, watchWarnings } from '../support/leaks.js';
import { redisInternals, serverSubscriptions } from '../support/redis-internals.js';
import { skipWithout } from '../support/servers/availability.js';
import { waitUntil } from '../support/servers/loopback.js';
import { OwnedRedis } from '../support/servers/redis-server.js';

const WAITS = 10_000;
const ROUNDS = 4;

describe.skipIf(skipWithout('redis'))(`one AbortSignal shared by ${WAITS} waits`, () => {
  let server: OwnedRedis;
  let raw: Redis;
  beforeAll(async () => {
    server = await OwnedRedis.start({ appendOnly: false });
    raw = new Redis(server.url, { connectionName: 'rk-signal-observer' });
    raw.on('error', () => {});
  });
  afterAll(async () => {
    raw?.disconnect();
    await server?.dispose();
  });

  /** Runs `work` on a fresh backend; afterwards nothing of it may remain, and no warning was printed. */
  async function withBackend(work: (backend: ResultBackend) => Promise<void>): Promise<void> {
    const before = activeResources();
    const warnings = watchWarnings();
    const backend = await createBackend(server.url);
    try {
      await work(backend);
      expect(backend.pendingWaits).toBe(0);
      // A settled wait unsubscribes on the next turn of the event loop, after its caller ran.
      await waitUntil(() => (redisInternals(backend).subscriber?.channelCount ?? 0) === 0, 2_000, 'the backend to want no channel');
      await waitUntil(async () => (await serverSubscriptions(raw)).length === 0, 10_000, 'every channel unsubscribed on the server');
    } finally {
      await backend.close();
      warnings.stop();
    }
    await expectResourcesReleased(before);
    expect(warnings.warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
  }

  it('aborting it ends all of them with AbortError; the signal held one listener, and holds none after', async () => {
    await withBackend(async (backend) => {
      const controller = new AbortController();
      const run = randomUUID().slice(0, 8);
      const waits = Array.from({ length: WAITS }, (_, i) =>
        backend.asyncResult(`rk-signal-${run}-${i}`).get({ timeout: 60_000, signal: controller.signal }).then(
          () => 'resolved',
          (error: unknown) => error,
        ),
      );
      await waitUntil(() => redisInternals(backend).subscriber?.channelCount === WAITS, 20_000, 'every wait subscribed');
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
      controller.abort(new Error('request cancelled'));
      const outcomes = await Promise.all(waits);
      expect(outcomes.filter((o) => !(o instanceof AbortError))).toEqual([]);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    });
  });

  it(`a long-lived signal shared by ${ROUNDS} rounds of ${WAITS} waits that resolve keeps no listener and no memory`, { timeout: 120_000 }, async () => {
    await withBackend(async (backend) => {
      const signal = new AbortController().signal;
      const heaps: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const ids = Array.from({ length: WAITS }, (_, i) => `rk-signal-${randomUUID().slice(0, 8)}-${i}`);
        const waits = ids.map((id) => backend.asyncResult(id).get({ timeout: 60_000, signal }));
        await waitUntil(() => redisInternals(backend).subscriber?.channelCount === WAITS, 20_000, 'every wait subscribed');
        expect(getEventListeners(signal, 'abort')).toHaveLength(1);
        await Promise.all(ids.map((id, i) => backend.storeResult(id, i)));
        expect(await Promise.all(waits)).toEqual(ids.map((_, i) => i));
        expect(getEventListeners(signal, 'abort')).toHaveLength(0);
        await Promise.all(ids.map((id) => backend.forget(id)));
        heaps.push(await heapAfterGc());
      }
      console.log(`[load] ${ROUNDS} rounds of ${WAITS} waits on one signal: heap after each round ${heaps.map(mib).join(', ')}`);
      // Rounds after the first (which warms the connection and the code) leave the heap where it was.
      expect(heaps.at(-1)! - heaps[1]!).toBeLessThan(2 * 1024 * 1024);
    });
  });
});
