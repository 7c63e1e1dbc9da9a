/**
 * A steady mixed load on one backend: every tick starts waits, stores the results they wait
 * for, reads stored results back, forgets old ones, lets some waits time out and aborts others,
 * and once a second samples what could grow: the heap (after a full collection), active
 * handles, event listeners, and waits and subscriptions. The caller states the bounds.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { AbortError, TimeoutError, type ResultBackend } from '@resultkit/core';
import { heapAfterGc, mib } from './heap.js';

export interface SoakSample {
  second: number;
  heap: number;
  /** Active handles and requests other than timers: sockets, file handles... */
  handles: number;
  /** Active timers: each pending wait has one for its timeout. */
  timers: number;
  listeners: number;
  waits: number;
  subscriptions: number;
}

export interface SoakOptions {
  label: string;
  backend: ResultBackend;
  seconds: number;
  /** Cycles started per second; each is a wait, its store, a read and (later) a forget. */
  rate: number;
  /** Event listeners the backend holds (its connections' and the process's). */
  listeners: () => number;
  /** Subscriptions the backend holds right now (e.g. the Redis subscriber's channels). */
  subscriptions: () => number;
}

export interface SoakReport {
  samples: SoakSample[];
  cycles: number;
  resolved: number;
  timedOut: number;
  aborted: number;
  reads: number;
  /** Anything that went wrong: wrong values, untyped errors, unexpected typed ones. */
  problems: string[];
}

const TICK_MS = 50;

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const { backend, rate } = options;
  const run = randomUUID().slice(0, 8);
  const report: SoakReport = { samples: [], cycles: 0, resolved: 0, timedOut: 0, aborted: 0, reads: 0, problems: [] };
  const pending = new Set<Promise<void>>();
  const stored: string[] = [];
  const track = (work: Promise<void>): void => {
    const tracked = work.finally(() => pending.delete(tracked));
    pending.add(tracked);
  };
  const problem = (what: string, error?: unknown): void => {
    if (report.problems.length < 20) report.problems.push(`${what}${error ? `: ${(error as Error)?.name} ${(error as Error)?.message}` : ''}`);
  };

  const cycle = (n: number): void => {
    report.cycles++;
    const id = `rk-soak-${run}-${n}`;
    const value = { n, run };
    if (n % 20 === 7) {
      // A wait on a result that never comes: it must end at its timeout.
      track(backend.asyncResult(`${id}-never`).get({ timeout: 300 }).then(
        () => problem(`${id}-never resolved`),
        (error: unknown) => (error instanceof TimeoutError ? void report.timedOut++ : problem('orphan wait', error)),
      ));
    } else if (n % 20 === 13) {
      // A wait abandoned by its caller.
      const controller = new AbortController();
      track(backend.asyncResult(`${id}-abandoned`).get({ timeout: 5_000, signal: controller.signal }).then(
        () => problem(`${id}-abandoned resolved`),
        (error: unknown) => (error instanceof AbortError ? void report.aborted++ : problem('aborted wait', error)),
      ));
      setTimeout(() => controller.abort(), 20);
    }
    track(backend.asyncResult(id).get({ timeout: 10_000 }).then(
      (result) => (isDeepStrictEqual(result, value) ? void report.resolved++ : problem(`${id} resolved with ${JSON.stringify(result)}`)),
      (error: unknown) => problem(`wait ${id}`, error),
    ));
    track(backend.storeResult(id, value).then(
      () => void stored.push(id),
      (error: unknown) => problem(`store ${id}`, error),
    ));
    // A result stored within the last second: far from being forgotten (after five), so a
    // read of it can only find it.
    const earlier = stored[stored.length - 1 - Math.floor(Math.random() * Math.min(stored.length, rate))];
    if (earlier) {
      track(backend.getTaskMeta(earlier).then(
        (meta) => (meta.status === 'SUCCESS' ? void report.reads++ : problem(`${earlier} read as ${meta.status}`)),
        (error: unknown) => problem(`read ${earlier}`, error),
      ));
    }
    // Keep the store's size steady: results older than a few seconds are forgotten.
    if (stored.length > rate * 5) {
      const old = stored.shift()!;
      track(backend.forget(old).catch((error: unknown) => problem(`forget ${old}`, error)));
    }
  };

  const started = Date.now();
  let n = 0;
  let nextSample = started;
  while (Date.now() - started < options.seconds * 1000) {
    const due = Math.floor(((Date.now() - started) / 1000) * rate);
    while (n < due) cycle(n++);
    if (Date.now() >= nextSample) {
      nextSample += 1000;
      report.samples.push({
        second: Math.round((Date.now() - started) / 1000),
        heap: await heapAfterGc(),
        ...resourceCounts(),
        listeners: options.listeners(),
        waits: backend.pendingWaits,
        subscriptions: options.subscriptions(),
      });
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  await Promise.all(pending);
  for (const id of stored) await backend.forget(id).catch((error: unknown) => problem(`forget ${id}`, error));

  const first = report.samples[Math.min(2, report.samples.length - 1)]!;
  const last = report.samples.at(-1)!;
  console.log(
    `[soak] ${options.label}: ${options.seconds} s at ${rate} cycles/s, ${report.cycles} cycles: ` +
      `${report.resolved} waits resolved, ${report.timedOut} timed out, ${report.aborted} aborted, ${report.reads} reads; ` +
      `heap ${mib(first.heap)} -> ${mib(last.heap)} (max ${mib(Math.max(...report.samples.map((s) => s.heap)))}), ` +
      `handles ${first.handles} -> ${last.handles} (max ${Math.max(...report.samples.map((s) => s.handles))}), ` +
      `timers max ${Math.max(...report.samples.map((s) => s.timers))}, listeners ${first.listeners} -> ${last.listeners}, ` +
      `max waits ${Math.max(...report.samples.map((s) => s.waits))}, max subscriptions ${Math.max(...report.samples.map((s) => s.subscriptions))}`,
  );
  return report;
}

function resourceCounts(): { handles: number; timers: number } {
  let handles = 0;
  let timers = 0;
  for (const type of process.getActiveResourcesInfo()) {
    if (type === 'Timeout' || type === 'Immediate') timers++;
    else handles++;
  }
  return { handles, timers };
}
