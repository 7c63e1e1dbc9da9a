/**
 * @resultkit/backend-redis against raw ioredis doing the same work with the same payload and
 * 64 requests in flight, in the same run, for a small and a typical result:
 * - storeResult (building the document, encoding it, the SUCCESS guard, SETEX and PUBLISH in
 *   one script) vs raw SETEX of the same bytes;
 * - getTaskMeta (GET, decoding, the TaskMeta) vs raw GET;
 * - both again against raw ioredis with auto-pipelining, for information;
 * - storeResult vs Debian's Python Celery `store_result` (one request at a time, as Celery
 *   works; and ours with 64 in flight);
 * - store-to-resolved latency with a waiting client (p50/p99 over 10,000 results);
 * - the same for one result at a time after 5 ms idle, beside raw ioredis pub/sub's floor
 *   (redis-idle-latency.ts);
 * - 10,000 concurrent waiters on one pub/sub connection, with the process's memory;
 * - the cost of `waitForReplicas` (WAIT after every write), against a primary and a replica this
 *   benchmark starts on free loopback ports: storeResult with and without it, each against raw
 *   SETEX on that primary, and against raw SETEX + WAIT (one pipeline per store).
 *
 * Uses its own database (REDIS_URL's host, db 12 unless BENCH_REDIS_DB says otherwise) and
 * deletes every key it wrote.
 */
import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createBackend, states, type BackendOptions, type ResultBackend } from '@resultkit/core';
import { resultkitAdapter } from '@resultkit/backend-redis';
import { Redis } from 'ioredis';
// Internal, for the subscriber's channel count only: the adapter class is not part of the package's API.
import type { RedisAdapter } from '../../packages/backend-redis/src/redis-adapter.ts';
import { LOOPBACK } from '../../reliability/support/servers/loopback.ts';
import { OwnedRedis } from '../../reliability/support/servers/redis-server.ts';
import { alternate, measure, percentiles, report } from './harness.ts';
import { idleGapLatency, reportIdleLatency, subscribed } from './redis-idle-latency.ts';
import { typicalPayload } from './payloads.ts';

const OPS = Number(process.env.BENCH_REDIS_OPS ?? 20_000);
const IN_FLIGHT = 64;
const ROUNDS = 3;
const WAITERS = 10_000;
// Results per side for the idle-gap latency (each costs a 5 ms gap, so fewer than WAITERS).
const IDLE_SAMPLES = Number(process.env.BENCH_REDIS_LATENCY ?? 2_000);
// Pending at once on one connection, for the memory a wait costs (target: at most 1 KB each at 100,000).
const MANY_WAITERS = [10_000, 100_000];
const PYTHON = process.env.CELERY_PYTHON ?? '/usr/bin/python3';

// Passed explicitly: core's `import('@resultkit/backend-redis')` resolves from core's own
// directory, which in a pnpm workspace does not see this package (see the package README).
const open = (url: string, options: BackendOptions = {}): Promise<ResultBackend> => createBackend(url, { adapter: resultkitAdapter, ...options });

// A full collection before each memory reading, so the numbers are live objects, not garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function benchUrl(): string {
  const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0');
  url.pathname = `/${process.env.BENCH_REDIS_DB ?? 12}`;
  return url.toString();
}

const payload = typicalPayload;

export async function run(): Promise<void> {
  const url = benchUrl();
  const run = `rkb-${randomUUID().slice(0, 8)}-`;
  const raw = new Redis(url);
  const backend = await open(url);
  const rawAuto = new Redis(url, { enableAutoPipelining: true });
  try {
    // The same bytes the backend stores, so the raw baseline writes the same payload.
    const documentOf = (result: unknown): Buffer =>
      Buffer.from(
        backend.codec.encode({
          status: 'SUCCESS',
          result,
          traceback: null,
          children: [],
          date_done: '2026-11-23T19:38:53.971539+00:00',
          task_id: `${run}typical-00000000-0000-0000-0000-000000000000`,
        }),
      );
    const smallBytes = documentOf(5);
    const typicalBytes = documentOf(payload);
    console.log(`${OPS.toLocaleString('en-US')} ops per run, ${IN_FLIGHT} in flight, median of ${ROUNDS} alternating runs; ${url}`);
    await backend.getTaskMeta(`${run}warm`);

    // ---- stores and reads, for a small and a typical result --------------------------------------
    for (const [name, value, bytes] of [
      ['small result (5)', 5, smallBytes],
      ['typical result', payload, typicalBytes],
    ] as const) {
      console.log(`${name}: ${bytes.length} bytes per document`);
      const tag = name.split(' ')[0];
      await pair(
        `storeResult (guard + SETEX + PUBLISH)`, (i) => backend.storeResult(`${run}${tag}-${i}`, value),
        'raw SETEX', (i) => raw.setex(`celery-task-meta-${run}r-${tag}-${i}`, 86_400, bytes),
        0.5,
      );
      await pair(
        'getTaskMeta (GET + decode)', (i) => backend.getTaskMeta(`${run}${tag}-${i % OPS}`),
        'raw GET', (i) => raw.get(`celery-task-meta-${run}${tag}-${i % OPS}`),
        0.8,
      );
    }
    // Raw ioredis with auto-pipelining is a stronger baseline than its default: it sends what
    // is issued in one tick in one write, as our backend does (coalesceWrites).
    console.log('typical result, against raw ioredis with enableAutoPipelining:');
    await pair(
      'storeResult (guard + SETEX + PUBLISH)', (i) => backend.storeResult(`${run}a-${i}`, payload),
      'raw SETEX, autoPipelining', (i) => rawAuto.setex(`celery-task-meta-${run}ra-${i}`, 86_400, typicalBytes),
      0.8,
    );
    await pair(
      'getTaskMeta (GET + decode)', (i) => backend.getTaskMeta(`${run}typical-${i % OPS}`),
      'raw GET, autoPipelining', (i) => rawAuto.get(`celery-task-meta-${run}typical-${i % OPS}`),
      0.9,
    );

    // ---- against Python Celery ------------------------------------------------------------
    await compareWithCelery(backend, url, run);

    // ---- latency with a waiting client --------------------------------------------------------
    await latency(url, run, raw);
    reportIdleLatency(await idleGapLatency({ url, prefix: run, raw, open: () => open(url), value: payload, bytes: typicalBytes, samples: IDLE_SAMPLES }));

    // ---- many waiters on one connection -------------------------------------------------------
    for (const count of MANY_WAITERS) await manyWaiters(url, `${run}${count}-`, raw, count);

    // ---- waitForReplicas ------------------------------------------------------------------------
    await replicaWaitCost(typicalBytes);
  } finally {
    await backend.close();
    rawAuto.disconnect();
    const deleted = await deleteKeys(raw, `*${run}*`);
    console.log(`(cleanup: ${deleted.toLocaleString('en-US')} keys deleted)`);
    await raw.quit();
  }
}

/**
 * What `waitForReplicas: { count: 1 }` costs a store, 64 in flight, on a primary and a replica of
 * our own (the shared Redis has no replica, and must not get one). Each backend's ratio is taken
 * against raw SETEX on the same primary in the same rounds; the last row compares with the raw
 * driver doing what the option does, naively: SETEX and WAIT in one pipeline per store.
 */
export async function replicaWaitCost(bytes: Buffer): Promise<void> {
  const primary = await OwnedRedis.start({ appendOnly: false });
  const replica = await OwnedRedis.start({ appendOnly: false, args: ['--replicaof', LOOPBACK, String(primary.port), '--repl-diskless-sync-delay', '0'] });
  const raw = new Redis(primary.url);
  const backends: ResultBackend[] = [];
  try {
    // The primary counts the replica for WAIT once it has acknowledged something.
    while (Number(await raw.call('WAIT', '1', '100')) < 1) await new Promise((resolve) => setTimeout(resolve, 100));
    const plain = await open(primary.url);
    const waiting = await open(primary.url, { redis: { waitForReplicas: { count: 1, timeout: 1 } } });
    backends.push(plain, waiting);
    console.log(`waitForReplicas (count 1, timeout 1 s), a primary and one replica on ${LOOPBACK}, typical result:`);
    await pair(
      'storeResult, no waitForReplicas', (i) => plain.storeResult(`rkb-plain-${i}`, payload),
      'raw SETEX', (i) => raw.setex(`celery-task-meta-rkb-raw-${i}`, 86_400, bytes),
    );
    await pair(
      'storeResult, waitForReplicas 1', (i) => waiting.storeResult(`rkb-wait-${i}`, payload),
      'raw SETEX', (i) => raw.setex(`celery-task-meta-rkb-raw-${i}`, 86_400, bytes),
    );
    await pair(
      'storeResult, waitForReplicas 1', (i) => waiting.storeResult(`rkb-wait-${i}`, payload),
      'raw SETEX + WAIT 1 per store', (i) => raw.pipeline().setex(`celery-task-meta-rkb-rawwait-${i}`, 86_400, bytes).wait(1, 1_000).exec(),
    );
  } finally {
    await Promise.all(backends.map((b) => b.close()));
    raw.disconnect();
    await replica.stop();
    await primary.stop();
  }
}

/** Ours and the baseline, alternated over ROUNDS rounds (harness.alternate). */
function pair(label: string, ours: (i: number) => unknown, baselineLabel: string, baseline: (i: number) => unknown, target?: number): Promise<number> {
  return alternate({ label, op: ours }, { label: baselineLabel, op: baseline }, { ops: OPS, concurrency: IN_FLIGHT, rounds: ROUNDS, ...(target === undefined ? {} : { target }) });
}

async function compareWithCelery(backend: ResultBackend, url: string, run: string): Promise<void> {
  const ops = 5_000;
  const script = fileURLToPath(new URL('../python/celery_store_result.py', import.meta.url));
  const python = spawnSync(PYTHON, [script, url, String(ops), `${run}py-`, JSON.stringify(payload)], { encoding: 'utf8', timeout: 120_000 });
  if (python.status !== 0) {
    console.log(`Python Celery store_result: not measured (${(python.error?.message ?? python.stderr).trim().split('\n').pop()})`);
    return;
  }
  const celery = JSON.parse(python.stdout.trim().split('\n').pop()!) as { ops_per_second: number; seconds: number; ops: number };
  const sequential = await measure('storeResult, 1 in flight', (i) => backend.storeResult(`${run}seq-${i}`, payload), { ops, concurrency: 1 });
  report(sequential, { label: 'Celery 5.2 store_result (Python)', ops: celery.ops, seconds: celery.seconds, opsPerSecond: celery.ops_per_second });
  const parallel = await measure(`storeResult, ${IN_FLIGHT} in flight`, (i) => backend.storeResult(`${run}par-${i}`, payload), { ops: OPS, concurrency: IN_FLIGHT });
  report(parallel, { label: 'Celery 5.2 store_result (Python)', ops: celery.ops, seconds: celery.seconds, opsPerSecond: celery.ops_per_second });
}

/**
 * Store-to-resolved: a client waits (already subscribed), another backend stores, and the time
 * from the store call to the client's `get()` resolving is recorded, one result at a time.
 */
async function latency(url: string, run: string, raw: Redis): Promise<void> {
  const client = await open(url);
  const worker = await open(url);
  const samples: number[] = [];
  try {
    await worker.getTaskMeta(`${run}warm`);
    const batch = 500;
    for (let start = 0; start < WAITERS; start += batch) {
      const ids = Array.from({ length: batch }, (_, i) => `${run}lat-${start + i}`);
      const resolvedAt = new Map<string, number>();
      const waits = ids.map((id) => client.asyncResult(id).get({ timeout: 60_000 }).then(() => resolvedAt.set(id, performance.now())));
      await subscribed(raw, `celery-task-meta-${ids.at(-1)}`);
      for (const id of ids) {
        const storedAt = performance.now();
        await worker.storeResult(id, payload);
        // Resolution happens when the pub/sub message arrives; wait for it before the next store.
        while (!resolvedAt.has(id)) await new Promise<void>((resolve) => setImmediate(resolve));
        samples.push(resolvedAt.get(id)! - storedAt);
      }
      await Promise.all(waits);
    }
  } finally {
    await client.close();
    await worker.close();
  }
  const p = percentiles(samples, [50, 99]);
  console.log(`store-to-resolved latency over ${samples.length.toLocaleString('en-US')} results: p50 ${p.p50!.toFixed(3)} ms, p99 ${p.p99!.toFixed(3)} ms`);
}

/** `count` waits at once: one pub/sub connection, the memory they cost, and how fast they all resolve. */
async function manyWaiters(url: string, run: string, raw: Redis, count: number): Promise<void> {
  const name = `${run}waiters`;
  const client = await open(url, { redis: { clientName: name } });
  const worker = await open(url);
  try {
    await client.getTaskMeta(`${run}warm`);
    await worker.getTaskMeta(`${run}warm`);
    gc();
    const before = process.memoryUsage();
    const ids = Array.from({ length: count }, (_, i) => `${run}many-${i}`);
    const started = performance.now();
    const waits = ids.map((id) => client.asyncResult(id).get({ timeout: 120_000 }));
    await subscribed(raw, `celery-task-meta-${ids.at(-1)}`);
    const subscribedMs = performance.now() - started;
    gc();
    const during = process.memoryUsage();
    const list = (await raw.client('LIST')) as string;
    const pubsub = list.split('\n').filter((line) => line.includes(` name=${name}:pubsub `)).length;
    const channels = (client.adapter as RedisAdapter).subscriber?.channelCount ?? 0;

    const storeStarted = performance.now();
    await measure('', (i) => worker.storeResult(ids[i]!, i, states.SUCCESS), { ops: count, concurrency: IN_FLIGHT, warmup: 0 });
    await Promise.all(waits);
    const resolvedMs = performance.now() - storeStarted;
    const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;
    console.log(
      `${count.toLocaleString('en-US')} concurrent waiters: ${pubsub} pub/sub connection (${channels.toLocaleString('en-US')} channels), ` +
        `subscribed + first read in ${subscribedMs.toFixed(0)} ms, all resolved ${resolvedMs.toFixed(0)} ms after the first store`,
    );
    console.log(
      `  memory with ${count.toLocaleString('en-US')} waits pending: rss ${mb(during.rss)} (+${mb(during.rss - before.rss)}), ` +
        `heapUsed ${mb(during.heapUsed)} (+${mb(during.heapUsed - before.heapUsed)}, ~${((during.heapUsed - before.heapUsed) / count).toFixed(0)} B per wait)`,
    );
  } finally {
    await client.close();
    await worker.close();
  }
}

async function deleteKeys(client: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 5000);
    cursor = next;
    if (keys.length) deleted += await client.del(...keys);
  } while (cursor !== '0');
  return deleted;
}
