/**
 * A steady mixed load (waits, stores, reads, forgets, waits that time out, waits aborted) on a
 * test-owned Redis, PostgreSQL and MariaDB, sampled once a second. The bounds, after a two-second
 * warm-up, comparing the last third of the run with the first:
 *
 * - heap after a full collection grows by less than 16 MiB;
 * - active handles other than timers (sockets...) grow by less than 20 (a pool may open more
 *   connections as it warms up, up to its size);
 * - active timers stay under twice the pending waits plus 50 (each wait has one for its timeout);
 * - event listeners (the connections' and the process's) never grow by more than 2;
 * - pending waits never exceed what 12 s of cycles can start (every wait ends within 10 s);
 * - at the end no wait and no subscription is left, and closing releases every handle.
 *
 * CI runs 40 s per backend (two minutes in all); `pnpm test:soak:long` runs 10 minutes each
 * (`RESULTKIT_SOAK_SECONDS`, and `RESULTKIT_SOAK_RATE` for the cycles per second, default 200).
 */
import type { EventEmitter } from 'node:events';
import { sqlOptions } from '@resultkit/backend-sql';
import { createBackend, type BackendOptions, type ResultBackend } from '@resultkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeResources, expectResourcesReleased, watchWarnings } from '../support/leaks.js';
import { skipWithout } from '../support/servers/availability.js';
import { OwnedMariaDb } from '../support/servers/mariadb-server.js';
import type { OwnedServer } from '../support/servers/owned-server.js';
import { OwnedPostgres } from '../support/servers/postgres-server.js';
import { OwnedRedis } from '../support/servers/redis-server.js';
import { waitUntil } from '../support/servers/loopback.js';
import { redisInternals } from '../support/redis-internals.js';
import { runSoak, type SoakSample } from '../support/soak-run.js';

const SECONDS = Number(process.env.RESULTKIT_SOAK_SECONDS ?? 40);
const RATE = Number(process.env.RESULTKIT_SOAK_RATE ?? 200);
const HEAP_BOUND = 16 * 1024 * 1024;

function listenersOf(...emitters: (EventEmitter | null | undefined)[]): number {
  let total = 0;
  for (const emitter of [process, ...emitters]) {
    if (!emitter) continue;
    for (const event of emitter.eventNames()) total += emitter.listenerCount(event);
  }
  return total;
}

function expectWithinBounds(samples: SoakSample[]): void {
  const steady = samples.slice(2);
  expect(steady.length).toBeGreaterThanOrEqual(3);
  const third = Math.max(1, Math.floor(steady.length / 3));
  const early = steady.slice(0, third);
  const late = steady.slice(-third);
  const max = (list: SoakSample[], key: keyof SoakSample) => Math.max(...list.map((s) => s[key]));
  expect(max(late, 'heap') - max(early, 'heap'), 'heap growth (bytes)').toBeLessThan(HEAP_BOUND);
  expect(max(late, 'handles') - max(early, 'handles'), 'active handle growth').toBeLessThan(20);
  for (const sample of steady) expect(sample.timers, `timers at ${sample.second} s`).toBeLessThan(2 * sample.waits + 50);
  expect(max(steady, 'listeners') - steady[0]!.listeners, 'listener growth').toBeLessThanOrEqual(2);
  expect(max(steady, 'waits'), 'pending waits').toBeLessThanOrEqual(RATE * 12);
}

const backends: [string, () => Promise<OwnedServer>, BackendOptions][] = [
  ['redis', () => OwnedRedis.start(), {}],
  ['postgresql', () => OwnedPostgres.start(), { sql: sqlOptions({}) }],
  ['mariadb', () => OwnedMariaDb.start(), { sql: sqlOptions({}) }],
];

describe.each(backends)('a %s backend under a steady mixed load', (kind, start, backendOptions) => {
  let server: OwnedServer | undefined;
  beforeAll(async () => {
    if (!skipWithout(kind as OwnedServer['kind'])) server = await start();
  }, 90_000);
  afterAll(async () => {
    await server?.dispose();
  });

  it.skipIf(skipWithout(kind as OwnedServer['kind']))(`stays within its bounds for ${SECONDS} s`, { timeout: SECONDS * 1000 + 60_000 }, async () => {
    const before = activeResources();
    const warnings = watchWarnings();
    let backend: ResultBackend | undefined;
    try {
      backend = await createBackend(server!.url, backendOptions);
      const redis = kind === 'redis' ? redisInternals(backend) : null;
      const report = await runSoak({
        label: kind,
        backend,
        seconds: SECONDS,
        rate: RATE,
        listeners: () => listenersOf(redis?.client, redis?.subscriber?.connection),
        subscriptions: () => redis?.subscriber?.channelCount ?? 0,
      });
      expect(report.problems).toEqual([]);
      expect(report.resolved).toBeGreaterThan(0);
      expect(report.timedOut).toBeGreaterThan(0);
      expect(report.aborted).toBeGreaterThan(0);
      expectWithinBounds(report.samples);
      expect(backend.pendingWaits).toBe(0);
      // A settled wait unsubscribes on the next turn of the event loop, after its caller ran.
      await waitUntil(() => (redis?.subscriber?.channelCount ?? 0) === 0, 2_000, 'the backend to want no channel');
    } finally {
      await backend?.close();
      warnings.stop();
    }
    await expectResourcesReleased(before);
    expect(warnings.warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
  });
});
