/**
 * The workload every fault test runs: N stores issued at a steady rate while M clients wait on
 * some of those results (and a few on results that never come), with a fault injected once a
 * third of the stores were issued. Afterwards every store whose promise resolved is read back,
 * and every outcome is counted: what the promise "loses no acknowledged result and never hangs"
 * means, in numbers.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { ResultkitError, TimeoutError, type ResultBackend } from '@resultkit/core';

export interface FaultRunOptions {
  /** What the run is called in its printed line ("redis crash-restart"). */
  label: string;
  backend: ResultBackend;
  /** Results stored (N). */
  stores: number;
  /** Clients waiting on results that are being stored (M). */
  waiters: number;
  /** Extra waits on results never stored: they must end at their timeout with `TimeoutError`. */
  orphanWaiters?: number;
  /** Stores issued per second. */
  rate: number;
  /** Stores in flight at most (a slow server holds the loop back instead of piling up). */
  concurrency?: number;
  /** Timeout of the waits on stored results (ms): long enough to outlast the fault. */
  waitTimeout: number;
  /** Timeout of the orphan waits (ms). */
  orphanTimeout?: number;
  /** The fault; it starts once a third of the stores were issued (see `faultAfter`) and runs beside them. */
  fault: () => Promise<void>;
  /**
   * Stores issued while the fault runs, at most; then the loop waits for the fault to end before
   * it goes on (default: no limit). A fault that lasts longer than the rest of the run (a
   * RabbitMQ restart, 5-15 s) would otherwise leave no store for after it.
   */
  maxStoresDuringFault?: number;
  /**
   * How a result is stored; default `backend.storeResult`. The RPC backend's results are stored
   * by another backend (a worker), addressed to the waiting client's reply queue.
   */
  store?: (taskId: string, value: unknown) => Promise<void>;
}

export interface FaultRunReport {
  label: string;
  /** Stores issued. */
  stored: number;
  /** Stores whose promise resolved. */
  acknowledged: number;
  /** Stores that failed, by error name (each one of core's typed errors, or listed in `untyped`). */
  storeFailures: Record<string, number>;
  /** Acknowledged stores read back as SUCCESS with the value stored. */
  readable: number;
  /** Acknowledged stores missing or wrong when read back: ids, for the message. */
  lost: string[];
  waitersResolved: number;
  waitersTimedOut: number;
  /** Waits that ended with another typed error, by name. */
  waiterFailures: Record<string, number>;
  /** Waits on acknowledged results that did not resolve with the right value. */
  waitersWrong: string[];
  /** Waits on results never stored, and how many of them ended with `TimeoutError`. */
  orphans: number;
  orphansTimedOut: number;
  /** Errors that are not core's typed errors (from stores, waits, reads). */
  untyped: unknown[];
  ms: number;
}

interface Outcome {
  kind: 'resolved' | 'failed';
  value?: unknown;
  error?: unknown;
}

const settleOf = (promise: Promise<unknown>): Promise<Outcome> =>
  promise.then(
    (value) => ({ kind: 'resolved' as const, value }),
    (error: unknown) => ({ kind: 'failed' as const, error }),
  );

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runFaultWorkload(options: FaultRunOptions): Promise<FaultRunReport> {
  const { backend, stores, waiters, rate } = options;
  const storeOne = options.store ?? ((taskId: string, value: unknown) => backend.storeResult(taskId, value).then(() => {}));
  const concurrency = options.concurrency ?? 200;
  const run = randomUUID().slice(0, 8);
  const ids = Array.from({ length: stores }, (_, i) => `rk-fault-${run}-${i}`);
  const valueOf = (i: number) => ({ i, run, payload: `result ${i}` });
  const started = performance.now();

  // Waits start first, spread over the whole run: some results come before the fault, some
  // during it, some after.
  const waitIndexes = Array.from({ length: Math.min(waiters, stores) }, (_, k) => Math.floor((k * stores) / Math.max(1, waiters)));
  const waits = waitIndexes.map((i) => settleOf(backend.asyncResult(ids[i]!).get({ timeout: options.waitTimeout })));
  const orphanCount = options.orphanWaiters ?? Math.ceil(waiters / 20);
  const orphans = Array.from({ length: orphanCount }, (_, k) =>
    settleOf(backend.asyncResult(`rk-fault-${run}-never-${k}`).get({ timeout: options.orphanTimeout ?? 3_000 })),
  );

  const acknowledged = new Set<number>();
  const storeFailures: Record<string, number> = {};
  const untyped: unknown[] = [];
  const inFlight = new Set<Promise<void>>();
  let fault: Promise<void> | null = null;
  let faultError: unknown = null;
  const faultAt = Math.floor(stores / 3);
  let faultOver = false;
  let delayedBy = 0;

  for (let i = 0; i < stores; i++) {
    if (i === faultAt) {
      fault = options
        .fault()
        .catch((error: unknown) => void (faultError = error))
        .finally(() => (faultOver = true));
    }
    if (fault && !faultOver && i >= faultAt + (options.maxStoresDuringFault ?? Infinity)) {
      await fault;
      // The rest of the stores keep their pace from here on.
      delayedBy = performance.now() - started - (i * 1000) / rate;
    }
    const due = started + delayedBy + (i * 1000) / rate;
    const now = performance.now();
    if (due > now) await sleep(due - now);
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    const store: Promise<void> = storeOne(ids[i]!, valueOf(i)).then(
      () => void acknowledged.add(i),
      (error: unknown) => {
        if (!(error instanceof ResultkitError)) untyped.push(error);
        const name = (error as Error)?.name ?? String(error);
        storeFailures[name] = (storeFailures[name] ?? 0) + 1;
      },
    );
    const tracked = store.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  }
  await Promise.all(inFlight);
  await fault;
  if (faultError) throw faultError;

  const waitOutcomes = await Promise.all(waits);
  const orphanOutcomes = await Promise.all(orphans);

  // Every acknowledged store, read back (in slices, so the reads do not all go at once).
  const lost: string[] = [];
  const ackList = [...acknowledged];
  for (let start = 0; start < ackList.length; start += 500) {
    const slice = ackList.slice(start, start + 500);
    const metas = await Promise.all(slice.map((i) => settleOf(backend.getTaskMeta(ids[i]!))));
    metas.forEach((outcome, k) => {
      const i = slice[k]!;
      if (outcome.kind === 'failed') {
        if (!(outcome.error instanceof ResultkitError)) untyped.push(outcome.error);
        lost.push(`${ids[i]} (read failed: ${(outcome.error as Error)?.message})`);
        return;
      }
      const meta = outcome.value as { status: string; result: unknown };
      if (meta.status !== 'SUCCESS' || !isDeepStrictEqual(meta.result, valueOf(i))) lost.push(`${ids[i]} (${meta.status})`);
    });
  }

  const waiterFailures: Record<string, number> = {};
  const waitersWrong: string[] = [];
  let waitersResolved = 0;
  let waitersTimedOut = 0;
  waitOutcomes.forEach((outcome, k) => {
    const i = waitIndexes[k]!;
    if (outcome.kind === 'resolved') {
      if (isDeepStrictEqual(outcome.value, valueOf(i))) waitersResolved++;
      else waitersWrong.push(`${ids[i]} resolved with ${JSON.stringify(outcome.value)}`);
      return;
    }
    if (!(outcome.error instanceof ResultkitError)) untyped.push(outcome.error);
    if (outcome.error instanceof TimeoutError) waitersTimedOut++;
    else waiterFailures[(outcome.error as Error).name] = (waiterFailures[(outcome.error as Error).name] ?? 0) + 1;
    // A wait on a result that was acknowledged had to resolve: the store finished long before its timeout.
    if (acknowledged.has(i)) waitersWrong.push(`${ids[i]} failed: ${(outcome.error as Error)?.message}`);
  });
  let orphansTimedOut = 0;
  for (const outcome of orphanOutcomes) {
    if (outcome.kind === 'failed' && outcome.error instanceof TimeoutError) orphansTimedOut++;
    else if (outcome.kind === 'failed' && !(outcome.error instanceof ResultkitError)) untyped.push(outcome.error);
  }

  const report: FaultRunReport = {
    label: options.label,
    stored: stores,
    acknowledged: acknowledged.size,
    storeFailures,
    readable: acknowledged.size - lost.length,
    lost,
    waitersResolved,
    waitersTimedOut,
    waiterFailures,
    waitersWrong,
    orphans: orphans.length,
    orphansTimedOut,
    untyped,
    ms: Math.round(performance.now() - started),
  };
  console.log(formatReport(report, waits.length));
  return report;
}

/** The one line a fault test prints. */
export function formatReport(r: FaultRunReport, waiters: number): string {
  const failures = Object.entries(r.storeFailures).map(([name, n]) => `${name} ${n}`).join(', ');
  const waitFailures = Object.entries(r.waiterFailures).map(([name, n]) => `${name} ${n}`).join(', ');
  return (
    `[fault] ${r.label}: stored ${r.stored}, acknowledged ${r.acknowledged}` +
    (failures ? ` (failed: ${failures})` : '') +
    `, readable ${r.readable}/${r.acknowledged}, waiters ${waiters}: resolved ${r.waitersResolved}, timed out ${r.waitersTimedOut}` +
    (waitFailures ? `, other ${waitFailures}` : '') +
    `; orphan waits timed out ${r.orphansTimedOut}/${r.orphans}; ${r.ms} ms`
  );
}
