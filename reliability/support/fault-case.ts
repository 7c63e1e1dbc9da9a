/**
 * One fault test from start to finish: a backend opened on a test-owned server, the workload of
 * `fault-run.ts` with the fault injected, and then the checks every fault shares: nothing
 * acknowledged is lost, every wait resolved or timed out with a typed error, no wait or
 * subscription is left, the backend closes, and no handle, timer or warning remains.
 */
import { randomUUID } from 'node:crypto';
import { createBackend, type BackendOptions, type ResultBackend } from '@resultkit/core';
import { expect } from 'vitest';
import { runFaultWorkload, type FaultRunOptions, type FaultRunReport } from './fault-run.js';
import { activeResources, expectResourcesReleased, watchWarnings } from './leaks.js';

/** N stores and M waiters: the CI sizes, or the long ones with `RESULTKIT_FAULTS=long`. */
export const FAULT_SIZES: FaultSizes = process.env.RESULTKIT_FAULTS === 'long'
  ? { stores: 10_000, waiters: 1_000, rate: 1_000 }
  : { stores: 2_000, waiters: 200, rate: 500 };

export interface FaultSizes {
  stores: number;
  waiters: number;
  /** Stores issued per second. */
  rate: number;
}

export interface FaultCaseOptions extends Omit<FaultRunOptions, 'backend' | 'stores' | 'waiters' | 'rate' | 'waitTimeout'> {
  /** Timeout of the waits on stored results (ms); default: the run's length plus `waitMargin`. */
  waitTimeout?: number;
  /** How long a wait may outlast the last store (ms, default 10 s): waits on stores that failed run this long. */
  waitMargin?: number;
  url: string;
  backendOptions?: BackendOptions;
  /** N, M and the rate, when this server needs others than `FAULT_SIZES` (a slow restart wants a longer run). */
  sizes?: FaultSizes;
  /** Checked after every wait settled, before close: e.g. no channel still subscribed on the server. */
  released?: (backend: ResultBackend) => Promise<void>;
  /** Checked after `close()`: e.g. the server holds no connection of the backend any more. */
  closed?: () => Promise<void>;
  /**
   * Opens a second backend that stores the results (a worker), given the one that waits and
   * reads them; closed with it. Without it, the backend under test stores its own results.
   */
  producer?: (reader: ResultBackend) => Promise<{ store: NonNullable<FaultRunOptions['store']>; close(): Promise<void> }>;
}

export async function runFaultCase(options: FaultCaseOptions): Promise<FaultRunReport> {
  const { url, backendOptions, released, closed, producer: openProducer, sizes = FAULT_SIZES, waitMargin = 10_000, ...run } = options;
  // The last store is issued stores/rate seconds after the waits start.
  const waitTimeout = run.waitTimeout ?? Math.ceil((sizes.stores / sizes.rate) * 1000) + waitMargin;
  const before = activeResources();
  const warnings = watchWarnings();
  const backend = await createBackend(url, backendOptions);
  let producer: Awaited<ReturnType<NonNullable<FaultCaseOptions['producer']>>> | undefined;
  let report: FaultRunReport;
  try {
    producer = await openProducer?.(backend);
    report = await runFaultWorkload({ ...sizes, ...run, waitTimeout, backend, ...(producer ? { store: producer.store } : {}) });
    expectSurvived(report);
    await expectRecovered(backend);
    expect(backend.pendingWaits, 'waits still registered').toBe(0);
    await released?.(backend);
  } finally {
    await producer?.close();
    await backend.close();
    warnings.stop();
  }
  await closed?.();
  await expectResourcesReleased(before);
  expect(warnings.warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
  return report;
}

/** Nothing acknowledged lost, every wait accounted for, every error typed. */
export function expectSurvived(report: FaultRunReport): void {
  expect(report.untyped, 'errors that are not typed').toEqual([]);
  expect(report.lost, 'acknowledged stores not readable').toEqual([]);
  expect(report.readable).toBe(report.acknowledged);
  expect(report.waitersWrong, 'waits on acknowledged results that did not resolve with their value').toEqual([]);
  expect(report.acknowledged, 'stores acknowledged').toBeGreaterThan(0);
  expect(report.orphansTimedOut, 'waits on results never stored end with TimeoutError').toBe(report.orphans);
}

/** The same backend works after the fault: a new wait is answered by a new store. */
async function expectRecovered(backend: ResultBackend): Promise<void> {
  const id = `rk-fault-recovered-${randomUUID()}`;
  const waited = backend.asyncResult(id).get({ timeout: 10_000 });
  await backend.storeResult(id, 'recovered');
  expect(await waited).toBe('recovered');
}
