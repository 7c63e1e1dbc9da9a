/**
 * Migration throughput: `migrate()` (copy only, `verify: false`) of BENCH_MIGRATE_COUNT results
 * (20,000 by default) for Redis -> PostgreSQL, PostgreSQL -> Redis and SQLite -> MariaDB,
 * against the target's own batched store rate in the same run: the same number of
 * `storeResult` calls on the target backend with the defaults (batching), 256 in flight.
 * Target: migration at least half as fast (>= 0.5x). Median of 3 alternating rounds; the target
 * is emptied before every round. Verification is timed on its own, once.
 *
 * Everything it creates (Redis keys under its own prefix, tables of their own) is deleted.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend, migrate, states, verifyMigration, type ResultBackend } from '@resultkit/core';
import { resultkitAdapter as redisAdapter } from '@resultkit/backend-redis';
import { resultkitAdapter as sqlAdapter, type SqlAdapter } from '@resultkit/backend-sql';
import { Redis } from 'ioredis';
import { alternateMedians, measure, report, type Measurement } from './harness.ts';
import { typicalPayload } from './payloads.ts';

const COUNT = Number(process.env.BENCH_MIGRATE_COUNT ?? 20_000);
const IN_FLIGHT = 256;
const ROUNDS = 3;
const asDb = (url: string): string => (url.startsWith('db+') ? url : `db+${url}`);
const PG_URL = asDb(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test');
const MYSQL_URL = asDb(process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test');
const REDIS_URL = `${(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379').replace(/\/\d*$/, '')}/15`;

/** A store the bench writes into and empties between rounds. */
interface Store {
  backend: ResultBackend;
  clear(): Promise<void>;
  close(): Promise<void>;
}

async function redisStore(): Promise<Store> {
  const prefix = `rk-bench-mig-${randomUUID().slice(0, 8)}:`;
  const backend = await createBackend(REDIS_URL, { adapter: redisAdapter, expires: 3600, redis: { keyPrefix: prefix } });
  const raw = new Redis(REDIS_URL);
  const clear = async (): Promise<void> => {
    let cursor = '0';
    do {
      const [next, keys] = await raw.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await raw.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  };
  return { backend, clear, close: async () => void (await clear(), raw.disconnect(), await backend.close()) };
}

/** Tables of their own; MariaDB's `date_done` keeps microseconds (`DATETIME(6)`), so nothing narrows. */
async function sqlStore(url: string): Promise<Store> {
  const tag = randomUUID().slice(0, 8);
  const tables = { task: `rk_bench_mig_${tag}_task`, group: `rk_bench_mig_${tag}_group` };
  const open = (): Promise<ResultBackend> => createBackend(url, { adapter: sqlAdapter, expires: 3600, sql: { tableNames: tables } });
  let backend = await open();
  const exec = (): SqlAdapter['dialect']['exec'] => (backend.adapter as SqlAdapter).dialect.exec;
  if (url.startsWith('db+mysql')) {
    for (const table of [tables.task, tables.group]) await exec().execute(`ALTER TABLE ${table} MODIFY date_done DATETIME(6) NULL`);
    await backend.close();
    backend = await open();
  }
  const clear = async (): Promise<void> => {
    for (const table of [tables.task, tables.group]) await exec().execute(`DELETE FROM ${table}`);
  };
  return {
    backend,
    clear,
    close: async () => {
      for (const table of [tables.task, tables.group]) await exec().execute(`DROP TABLE IF EXISTS ${table}`);
      await backend.close();
    },
  };
}

async function seed(backend: ResultBackend): Promise<void> {
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < COUNT; i++) {
    inFlight.push(backend.storeResult(`r${i}`, { ...typicalPayload, total: i }, states.SUCCESS));
    if (inFlight.length >= 1_000) await Promise.all(inFlight.splice(0));
  }
  await Promise.all(inFlight);
}

async function benchPair(name: string, source: Store, target: Store): Promise<void> {
  console.log(`\n### ${name}: ${COUNT.toLocaleString('en-US')} results, median of ${ROUNDS} alternating rounds`);
  await seed(source.backend);
  let n = 0;
  const [ours, baseline]: [Measurement, Measurement] = await alternateMedians(
    async () => {
      await target.clear();
      const started = process.hrtime.bigint();
      const copied = await migrate(source.backend, target.backend, { verify: false });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (copied.written !== COUNT) throw new Error(`migrate wrote ${copied.written} of ${COUNT}`);
      return { label: `migrate ${copied.raw ? '(raw copy)' : '(exact documents)'}`, ops: COUNT, seconds, opsPerSecond: COUNT / seconds };
    },
    async () => {
      await target.clear();
      return measure(`target storeResult, ${IN_FLIGHT} in flight`, () => target.backend.storeResult(`s${n++}`, typicalPayload, states.SUCCESS), {
        ops: COUNT,
        concurrency: IN_FLIGHT,
        warmup: 0,
      });
    },
    ROUNDS,
  );
  report(ours, baseline, 0.5);
  // Verification of the last copy, on its own (it reads both sides in full).
  await target.clear();
  await migrate(source.backend, target.backend, { verify: false });
  const started = process.hrtime.bigint();
  const verified = await verifyMigration(source.backend, target.backend);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`verifyMigration: ${Math.round(verified.sourceCount / seconds).toLocaleString('en-US')} entries/s (ok: ${verified.ok})`);
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rk-bench-migrate-'));
  const stores: Store[] = [];
  const open = async (store: Promise<Store>): Promise<Store> => {
    const opened = await store;
    stores.push(opened);
    return opened;
  };
  try {
    await benchPair('Redis -> PostgreSQL', await open(redisStore()), await open(sqlStore(PG_URL)));
    await benchPair('PostgreSQL -> Redis', await open(sqlStore(PG_URL)), await open(redisStore()));
    await benchPair('SQLite -> MariaDB', await open(sqlStore(`db+sqlite:///${dir}/source.sqlite`)), await open(sqlStore(MYSQL_URL)));
  } finally {
    for (const store of stores) await store.close().catch((error: unknown) => console.error(`cleanup failed: ${String(error)}`));
    rmSync(dir, { recursive: true, force: true });
  }
}
