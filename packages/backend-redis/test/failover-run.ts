/**
 * The run both failover tests make (Cluster and Sentinel): results stored by concurrent
 * writers while a third of them are awaited, a server killed partway through, and then what
 * survived, counted.
 */
import { randomUUID } from 'node:crypto';
import { states, type ResultBackend } from '@resultkit/core';
import type { RedisAdapter } from '../src/redis-adapter.js';
import { until } from './support.js';

export interface FailoverRun {
  total: number;
  acknowledged: number;
  /** Store attempts that failed after core's own retries and were tried again by the writer. */
  failedAttempts: number;
  killedAt: number;
  /** Milliseconds from the kill until `promoted()` held; -1 if it never did. */
  promotedAfter: number;
  tookMs: number;
  readable: number;
  waits: number;
  /** Waits that resolved with their own value. */
  resolved: number;
  /** Channels still subscribed once every wait has ended. */
  channelsLeft: number | undefined;
}

/**
 * Stores `total` results from 20 writers, awaiting every third id; when the 1,000th store
 * starts, `kill()` runs. A writer retries a store that failed even after core's retries (a
 * Celery worker does the same with result_backend_always_retry), at most five times, so a
 * store that can never succeed fails the test instead of hanging it. Only a store that
 * resolved counts as acknowledged.
 */
export async function storeThroughFailover(
  backend: ResultBackend,
  kill: () => Promise<void>,
  promoted: () => Promise<boolean>,
  total = 3_000,
): Promise<FailoverRun> {
  const ids = Array.from({ length: total }, () => `rkt-failover-${randomUUID()}`);
  const waits = ids.flatMap((id, i) => (i % 3 === 0 ? [{ i, result: backend.asyncResult(id).get({ timeout: 60_000 }) }] : []));
  const acknowledged: string[] = [];
  let failedAttempts = 0;
  let lastError: unknown = null;
  let killedAt = -1;
  let promotedAfter = -1;
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (next < total) {
        const i = next++;
        if (i === 1_000) {
          killedAt = Date.now() - started;
          await kill();
          void until(promoted, 60_000, 'a promoted replica')
            .then(() => (promotedAfter = Date.now() - started - killedAt))
            .catch(() => {});
        }
        for (let attempt = 0; attempt < 5; attempt++) {
          try {
            await backend.storeResult(ids[i]!, i);
            acknowledged.push(ids[i]!);
            break;
          } catch (error) {
            failedAttempts++;
            lastError = error;
          }
        }
      }
    }),
  );
  const tookMs = Date.now() - started;
  if (lastError) console.log(`last failed store attempt: ${String(lastError)}`);
  const settled = await Promise.allSettled(waits.map((w) => w.result));
  const resolved = settled.filter((s, k) => s.status === 'fulfilled' && s.value === waits[k]!.i).length;
  const adapter = backend.adapter as RedisAdapter;
  const metas = await adapter.loadMany(acknowledged);
  const readable = metas.filter((m) => m !== null && !(m instanceof Error) && m.status === states.SUCCESS).length;
  const run: FailoverRun = {
    total,
    acknowledged: acknowledged.length,
    failedAttempts,
    killedAt,
    promotedAfter,
    tookMs,
    readable,
    waits: waits.length,
    resolved,
    channelsLeft: adapter.subscriber?.channelCount,
  };
  await Promise.all(ids.map((id) => backend.forget(id)));
  return run;
}

/** One line with the counts, for the test output and the README. */
export function describeRun(label: string, run: FailoverRun): string {
  return (
    `${label}: ${run.total} stores, ${run.acknowledged} acknowledged, ${run.failedAttempts} failed attempts retried by the writer, ` +
    `killed at ${run.killedAt} ms, replica promoted ${run.promotedAfter} ms later, run took ${run.tookMs} ms; ` +
    `${run.readable}/${run.acknowledged} acknowledged results readable; ${run.resolved}/${run.waits} waiters resolved with their value`
  );
}
