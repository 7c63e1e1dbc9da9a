/**
 * The run both failover tests make (Cluster and Sentinel): results stored by concurrent
 * writers while a third of them are awaited, a primary killed partway through, its replica
 * promoted, the old primary brought back as a replica of the new one, and then what survived,
 * counted. The backend is expected to use `waitForReplicas`, so that a store which resolved is
 * held by a replica: one that may be promoted.
 */
import { randomUUID } from 'node:crypto';
import { ResultkitError, states, TimeoutError, type ResultBackend } from '@resultkit/core';
import type { RedisAdapter } from '../src/redis-adapter.js';
import { ask, type RedisProcess } from './redis-servers.js';
import { sleep, until } from './support.js';

export interface FailoverRun {
  total: number;
  /** Stores that resolved: the only ones the test may hold the backend to. */
  acknowledged: number;
  /** Store attempts that failed after core's own retries and were tried again by the writer. */
  failedAttempts: number;
  /** Failed attempts whose error was not one of core's typed errors (must be 0). */
  untypedFailures: number;
  /** The error names of the failed attempts, with how many of each. */
  failures: Record<string, number>;
  killedAt: number;
  /** Milliseconds from the kill until `promoted()` held; -1 if it never did. */
  promotedAfter: number;
  /** Milliseconds from the kill until the old primary was back, as a replica; -1 if it never was. */
  revivedAfter: number;
  tookMs: number;
  /** Acknowledged stores read back as SUCCESS after the failover. */
  readable: number;
  waits: number;
  /** Waits that resolved with their own value. */
  resolved: number;
  /** Waits on an acknowledged id, and how many of them resolved with their value. */
  acknowledgedWaits: number;
  acknowledgedResolved: number;
  /** Waits that did not resolve and ended with a typed error (a `TimeoutError` at their timeout). */
  typedEnds: number;
  /** Channels still subscribed once every wait has ended. */
  channelsLeft: number | undefined;
}

export interface FailoverSteps {
  /** The replica that will be promoted (paused for a moment before the kill). */
  replica: RedisProcess;
  /** The primary's port, and a task id whose key it serves (on a Cluster: in one of its slots), for the filler. */
  primary: { port: number; fillerId: string };
  /** SIGKILLs the primary. */
  kill(): Promise<void>;
  /** True once a replica has taken over. */
  promoted(): Promise<boolean>;
  /** Starts the old primary again so that it rejoins as a replica of the promoted one. */
  revive(): Promise<void>;
  /** True once the revived server replicates from the new primary (and so acknowledges writes). */
  revived(): Promise<boolean>;
}

/** How long a wait on a result may take before it ends with its TimeoutError. */
const WAIT_TIMEOUT = 30_000;

// Before the primary is killed its replica is paused, and a value larger than the socket
// buffers of the replication link on loopback (a few MiB each way) is written: what the primary
// replicates after it stays in the primary's own memory and dies with it. Without
// waitForReplicas every store it acknowledges in the REPLICA_LAG_MS before the kill is lost
// (a primary that dies in the middle of a burst loses the same, only less reliably).
const REPLICA_LAG_MS = 300;
const FILLER_BYTES = 32 * 1024 * 1024;

/**
 * Stores `total` results from 20 writers, awaiting every third id; when the 1,000th store
 * starts, the replica is paused, the primary killed `REPLICA_LAG_MS` later and the replica
 * resumed; once the replica is promoted, `steps.revive()` runs. A writer
 * retries a store that failed even after core's retries (a Celery worker does the same with
 * result_backend_always_retry), at most five times, so a store that can never succeed fails the
 * test instead of hanging it. Only a store that resolved counts as acknowledged.
 */
export async function storeThroughFailover(backend: ResultBackend, steps: FailoverSteps, total = 3_000): Promise<FailoverRun> {
  const ids = Array.from({ length: total }, () => `rkt-failover-${randomUUID()}`);
  const waits = ids.flatMap((id, i) => (i % 3 === 0 ? [{ id, i, result: backend.asyncResult(id).get({ timeout: WAIT_TIMEOUT }) }] : []));
  const acknowledged = new Set<string>();
  const failures: Record<string, number> = {};
  let failedAttempts = 0;
  let untypedFailures = 0;
  let lastError: unknown = null;
  let killedAt = -1;
  let promotedAfter = -1;
  let revivedAfter = -1;
  let recovery: Promise<void> = Promise.resolve();
  let next = 0;
  const started = Date.now();
  const since = (t: number) => Date.now() - started - t;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (next < total) {
        const i = next++;
        if (i === 1_000) {
          steps.replica.pause();
          if ((await ask(steps.primary.port, ['SET', `celery-task-meta-${steps.primary.fillerId}`, 'x'.repeat(FILLER_BYTES)])) !== 'OK') throw new Error('the filler was not written');
          await sleep(REPLICA_LAG_MS);
          killedAt = since(0);
          await steps.kill();
          steps.replica.resume();
          recovery = (async () => {
            await until(steps.promoted, 60_000, 'a promoted replica');
            promotedAfter = since(killedAt);
            await steps.revive();
            await until(steps.revived, 60_000, 'the old primary back as a replica');
            revivedAfter = since(killedAt);
          })();
        }
        for (let attempt = 0; attempt < 5; attempt++) {
          try {
            await backend.storeResult(ids[i]!, i);
            acknowledged.add(ids[i]!);
            break;
          } catch (error) {
            failedAttempts++;
            lastError = error;
            const name = error instanceof Error ? error.name : typeof error;
            failures[name] = (failures[name] ?? 0) + 1;
            if (!(error instanceof ResultkitError)) untypedFailures++;
          }
        }
      }
    }),
  );
  const tookMs = Date.now() - started;
  // The old primary is back before anything is read: what follows runs against the settled setup.
  await recovery.catch((error: unknown) => console.log(`recovery failed: ${String(error)}`));
  if (lastError) console.log(`last failed store attempt: ${String(lastError)}`);
  const settled = await Promise.allSettled(waits.map((w) => w.result));
  let resolved = 0;
  let acknowledgedWaits = 0;
  let acknowledgedResolved = 0;
  let typedEnds = 0;
  for (const [k, outcome] of settled.entries()) {
    const ok = outcome.status === 'fulfilled' && outcome.value === waits[k]!.i;
    if (ok) resolved++;
    else if (outcome.status === 'rejected' && outcome.reason instanceof TimeoutError) typedEnds++;
    if (acknowledged.has(waits[k]!.id)) {
      acknowledgedWaits++;
      if (ok) acknowledgedResolved++;
    }
  }
  const adapter = backend.adapter as RedisAdapter;
  const metas = await adapter.loadMany([...acknowledged]);
  const readable = metas.filter((m) => m !== null && !(m instanceof Error) && m.status === states.SUCCESS).length;
  const run: FailoverRun = {
    total,
    acknowledged: acknowledged.size,
    failedAttempts,
    untypedFailures,
    failures,
    killedAt,
    promotedAfter,
    revivedAfter,
    tookMs,
    readable,
    waits: waits.length,
    resolved,
    acknowledgedWaits,
    acknowledgedResolved,
    typedEnds,
    channelsLeft: adapter.subscriber?.channelCount,
  };
  await Promise.all(ids.map((id) => backend.forget(id)));
  // On the promoted primary if it got there, and on the revived one through it.
  await backend.forget(steps.primary.fillerId);
  return run;
}

/** One line with the counts, for the test output and the README. */
export function describeRun(label: string, run: FailoverRun): string {
  const failures = Object.entries(run.failures).map(([name, n]) => `${n} ${name}`).join(', ') || 'none';
  return (
    `${label}: ${run.total} stores, ${run.acknowledged} acknowledged, ${run.failedAttempts} failed attempts retried by the writer (${failures}), ` +
    `killed at ${run.killedAt} ms, replica promoted ${run.promotedAfter} ms later, old primary back as a replica ${run.revivedAfter} ms after the kill, ` +
    `run took ${run.tookMs} ms; ${run.readable}/${run.acknowledged} acknowledged results readable; ` +
    `${run.resolved}/${run.waits} waiters resolved with their value (${run.acknowledgedResolved}/${run.acknowledgedWaits} of those on acknowledged ids), ` +
    `${run.typedEnds} ended with a TimeoutError`
  );
}
