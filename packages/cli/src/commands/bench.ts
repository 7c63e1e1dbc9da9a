import { randomUUID } from 'node:crypto';
import { redactUrl, states, type ResultBackend } from '@resultkit/core';
import { ExitCode } from '../exit-codes.js';
import { measure, type Measurement } from '../measure.js';
import { openBackend, type BackendFlags } from '../open-backend.js';
import type { Output } from '../output.js';
import { Progress } from '../progress.js';
import { openRawDriver, type RawDriver } from '../raw-driver.js';

export interface BenchFlags extends BackendFlags {
  count: number;
  concurrency: number;
  json?: boolean;
}

interface Row {
  operation: 'store' | 'get' | 'wait';
  resultkit: Measurement;
  raw: Measurement | null;
}

// The value stored by every operation: a small task result, as most are.
const PAYLOAD = { total: 42, items: ['a', 'b', 'c'], ok: true };
const WARM_UP = 5;

/**
 * `resultkit bench <url>`: store, get and wait throughput and latency (p50, p99) of resultkit on
 * the user's own backend, beside the raw driver doing the same writes and reads of the same
 * bytes, as a ratio. Bounded by `--count` and `--concurrency`; every result it writes is deleted.
 */
export async function bench(url: string, flags: BenchFlags, out: Output): Promise<ExitCode> {
  const backend = await openBackend(url, flags, out);
  const run = randomUUID();
  const ids = (phase: string) => Array.from({ length: flags.count }, (_, i) => `resultkit-bench-${run}-${phase}-${i}`);
  const [stored, awaited] = [ids('store'), ids('wait')];
  let raw: RawDriver | string | null = null;
  const bar = new Progress(out, 'bench', flags.count * 5, 'operations');
  let done = 0;
  const tick = (): void => bar.update(++done);
  try {
    raw = await openRawDriver(url);
    const bytes = backend.codec.encode({ status: states.SUCCESS, result: PAYLOAD, traceback: null, children: [], date_done: new Date().toISOString(), task_id: stored[0] });
    await warmUp(backend, typeof raw === 'string' ? null : raw, bytes, run, flags.concurrency);

    const rows: Row[] = [];
    const rawStore = typeof raw === 'string' ? null : await measure(flags.count, flags.concurrency, (i) => (raw as RawDriver).store(stored[i]!, bytes), tick);
    rows.push({ operation: 'store', resultkit: await measure(flags.count, flags.concurrency, (i) => backend.storeResult(stored[i]!, PAYLOAD, states.SUCCESS), tick), raw: rawStore });
    const rawGet = typeof raw === 'string' ? null : await measure(flags.count, flags.concurrency, (i) => (raw as RawDriver).get(stored[i]!), tick);
    rows.push({ operation: 'get', resultkit: await measure(flags.count, flags.concurrency, (i) => backend.getTaskMeta(stored[i]!).then(() => undefined), tick), raw: rawGet });
    rows.push({ operation: 'wait', resultkit: await measure(flags.count, flags.concurrency, (i) => waitFor(backend, awaited[i]!), tick), raw: null });
    bar.stop();
    print(url, backend, rows, typeof raw === 'string' ? raw : raw.name, flags, out);
    return ExitCode.OK;
  } finally {
    bar.stop();
    if (backend.capabilities.forget) {
      for (const id of [...stored, ...awaited, `resultkit-bench-${run}-warm`]) await backend.forget(id).catch(() => undefined);
    }
    await Promise.allSettled([backend.close(), typeof raw === 'object' && raw ? raw.close() : undefined]);
  }
}

/**
 * The first operations open connections (as many as the concurrency uses) and prepare
 * statements: not what is measured.
 */
async function warmUp(backend: ResultBackend, raw: RawDriver | null, bytes: Uint8Array, run: string, concurrency: number): Promise<void> {
  const id = `resultkit-bench-${run}-warm`;
  const lanes = Array.from({ length: concurrency }, async () => {
    for (let i = 0; i < WARM_UP; i++) {
      await backend.storeResult(id, PAYLOAD, states.SUCCESS);
      await backend.getTaskMeta(id);
      await raw?.store(id, bytes);
      await raw?.get(id);
    }
  });
  await Promise.all(lanes);
}

/** One wait as a client does it: subscribed (or polling) first, then the worker stores. */
async function waitFor(backend: ResultBackend, id: string): Promise<void> {
  const waiting = backend.asyncResult(id).get({ timeout: 30_000 });
  await backend.storeResult(id, PAYLOAD, states.SUCCESS);
  await waiting;
}

function print(url: string, backend: ResultBackend, rows: Row[], rawName: string, flags: BenchFlags, out: Output): void {
  if (flags.json) {
    out.line(JSON.stringify({ url: redactUrl(url), backend: backend.adapter.name, count: flags.count, concurrency: flags.concurrency, raw: rawName, operations: rows }));
    return;
  }
  out.line(`bench ${redactUrl(url)} (${backend.adapter.name}, ${backend.capabilities.push ? 'push' : 'polling'} waits): ${flags.count} of each, ${flags.concurrency} at a time`);
  out.line(`raw driver: ${rawName}`);
  out.line(`${'operation'.padEnd(10)}${'ops/s'.padStart(10)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}  |${'raw ops/s'.padStart(10)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'ratio'.padStart(8)}`);
  for (const row of rows) {
    const r = row.resultkit;
    const left = `${row.operation.padEnd(10)}${r.opsPerSecond.toFixed(0).padStart(10)}${r.p50.toFixed(2).padStart(9)}${r.p99.toFixed(2).padStart(9)}  |`;
    const right = row.raw
      ? `${row.raw.opsPerSecond.toFixed(0).padStart(10)}${row.raw.p50.toFixed(2).padStart(9)}${row.raw.p99.toFixed(2).padStart(9)}${`${(r.opsPerSecond / row.raw.opsPerSecond).toFixed(2)}x`.padStart(8)}`
      : `${'-'.padStart(10)}${'-'.padStart(9)}${'-'.padStart(9)}${'-'.padStart(8)}`;
    out.line(left + right);
  }
  out.line('ratio: resultkit ops/s over the raw driver ops/s, in the same run (1.00x = as fast)');
}
