/**
 * @resultkit/backend-sql against the raw driver doing the same work in the same run, for
 * PostgreSQL (pg), MariaDB (mysql2) and SQLite (better-sqlite3), 64 requests in flight:
 * - storeResult one statement per store (`batch: false`, `notify: false`) vs the raw driver's
 *   single-row upsert of the same columns with the same guard (target >= 0.8x);
 * - storeResult with the defaults (coalescing concurrent stores into multi-row upserts; NOTIFY
 *   on PostgreSQL) vs the same raw upsert (target >= 2.5x, issue #14);
 * - getTaskMeta (SELECT, unpickling, the TaskMeta; concurrent reads coalesced) vs a raw SELECT
 *   of the same row (target >= 0.8x);
 * - cleanup() of 1,000,000 expired rows (BENCH_SQL_CLEANUP_ROWS), timed;
 * - Debian's Python Celery database backend `store_result` (one at a time, as Celery works)
 *   against ours one at a time and 64 in flight.
 *
 * Every table it creates has a unique name and is dropped at the end (SQLite: a temp file).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend, states, type BackendOptions, type ResultBackend } from '@resultkit/core';
import { resultkitAdapter, type SqlAdapter, type SqlBackendOptions } from '@resultkit/backend-sql';
import { dumps } from '@resultkit/serializer-pickle';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { alternateRounds, measure, type Measurement } from './harness.ts';
import { typicalPayload } from './payloads.ts';

const OPS = Number(process.env.BENCH_SQL_OPS ?? 10_000);
const IN_FLIGHT = 64;
const ROUNDS = 3;
const CLEANUP_ROWS = Number(process.env.BENCH_SQL_CLEANUP_ROWS ?? 1_000_000);
const PYTHON_OPS = Number(process.env.BENCH_SQL_PYTHON_OPS ?? 2_000);
const PYTHON = process.env.CELERY_PYTHON ?? '/usr/bin/python3';
const POOL_SIZE = 10;

const asDb = (url: string): string => (url.startsWith('db+') ? url : `db+${url}`);
const PG_URL = asDb(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test');
const MYSQL_URL = asDb(process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test');

const payload = typicalPayload;
const resultBytes = Buffer.from(dumps(payload, { protocol: 5 }));

type Engine = 'postgresql' | 'mysql' | 'sqlite';

/** The raw driver, doing what one store and one read of ours do, and nothing else. */
interface Raw {
  upsert(taskId: string): Promise<void> | void;
  select(taskId: string): Promise<unknown> | unknown;
  exec(sql: string): Promise<void> | void;
  close(): Promise<void> | void;
}

const COLUMNS = ['task_id', 'status', 'result', 'date_done', 'traceback', 'group_id', 'parent_id'];
const dateDone = (): string => new Date().toISOString().replace('T', ' ').replace('Z', '000');

/**
 * The raw driver on `table`. `idFrom` (set once the backend made the table) is the sequence
 * `id` comes from when the column has no default (MariaDB 10.3+, where SQLAlchemy uses one).
 */
function rawDriver(engine: Engine, url: string, table: string, ids: { idFrom: string | null }): Raw {
  const others = COLUMNS.filter((c) => c !== 'task_id');
  if (engine === 'postgresql') {
    const pool = new pg.Pool({ connectionString: url.replace(/^db\+/, ''), max: POOL_SIZE });
    const upsert =
      `INSERT INTO ${table} AS cur (${COLUMNS.join(', ')}) VALUES ($1, $2, $3, $4, $5, $6, $7) ` +
      `ON CONFLICT (task_id) DO UPDATE SET ${others.map((c) => `${c} = EXCLUDED.${c}`).join(', ')} WHERE cur.status IS DISTINCT FROM 'SUCCESS'`;
    const select = `SELECT ${COLUMNS.join(', ')} FROM ${table} WHERE task_id = $1`;
    return {
      upsert: async (id) => void (await pool.query(upsert, [id, 'SUCCESS', resultBytes, dateDone(), null, null, null])),
      select: async (id) => (await pool.query(select, [id])).rows[0],
      exec: async (sql) => void (await pool.query(sql)),
      close: () => pool.end(),
    };
  }
  if (engine === 'mysql') {
    const pool = mysql.createPool({ uri: url.replace(/^db\+/, ''), connectionLimit: POOL_SIZE });
    const guard = (c: string): string => `${c} = IF(status <=> 'SUCCESS', ${c}, VALUES(${c}))`;
    let upsert: string | undefined;
    const select = `SELECT ${COLUMNS.join(', ')} FROM ${table} WHERE task_id = ?`;
    return {
      upsert: async (id) => {
        upsert ??=
          `INSERT INTO ${table} (${ids.idFrom ? 'id, ' : ''}${COLUMNS.join(', ')}) VALUES (${ids.idFrom ? `NEXT VALUE FOR ${ids.idFrom}, ` : ''}?, ?, ?, ?, ?, ?, ?) ` +
          `ON DUPLICATE KEY UPDATE ${[...others.filter((c) => c !== 'status'), 'status'].map(guard).join(', ')}`;
        await pool.execute(upsert, [id, 'SUCCESS', resultBytes, dateDone().slice(0, 19), null, null, null]);
      },
      select: async (id) => ((await pool.execute(select, [id]))[0] as unknown[])[0],
      exec: async (sql) => void (await pool.query(sql)),
      close: () => pool.end(),
    };
  }
  const db = new Database(url.replace(/^db\+sqlite:\/\/\//, ''));
  // Prepared on first use: the table is created by the backend after this.
  let upsert: Database.Statement | undefined;
  let select: Database.Statement | undefined;
  return {
    upsert: (id) => {
      upsert ??= db.prepare(
        `INSERT INTO ${table} AS cur (${COLUMNS.join(', ')}) VALUES (?, ?, ?, ?, ?, ?, ?) ` +
          `ON CONFLICT (task_id) DO UPDATE SET ${others.map((c) => `${c} = excluded.${c}`).join(', ')} WHERE cur.status IS NOT 'SUCCESS'`,
      );
      upsert.run(id, 'SUCCESS', resultBytes, dateDone(), null, null, null);
    },
    select: (id) => (select ??= db.prepare(`SELECT ${COLUMNS.join(', ')} FROM ${table} WHERE task_id = ?`)).get(id),
    exec: (sql) => void db.exec(sql),
    close: () => void db.close(),
  };
}

/** Median of `ROUNDS` runs, ours and the baseline alternating so both see the same machine. */
function compare(ours: (round: number) => Promise<Measurement>, baseline: (round: number) => Promise<Measurement>, target: number): Promise<number> {
  return alternateRounds(ours, baseline, { rounds: ROUNDS, target });
}

function pythonStore(url: string, tables: { task: string; group: string }, schema: string | undefined, prefix: string): number | string {
  const script = fileURLToPath(new URL('../python/sql_store_result.py', import.meta.url));
  const python = spawnSync(PYTHON, [script, url, String(PYTHON_OPS), tables.task, tables.group, schema ?? '', prefix, JSON.stringify(payload)], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (python.status !== 0) return (python.error?.message ?? python.stderr).trim().split('\n').pop() ?? 'failed';
  return (JSON.parse(python.stdout.trim().split('\n').pop()!) as { ops_per_second: number }).ops_per_second;
}

async function bulkExpired(engine: Engine, raw: Raw, table: string, rows: number, idFrom: string | null): Promise<void> {
  const old = '2020-01-01 00:00:00';
  if (engine === 'postgresql') {
    await raw.exec(
      `INSERT INTO ${table} (task_id, status, result, date_done) ` +
        `SELECT 'expired-' || g, 'SUCCESS', '\\x80054b052e'::bytea, timestamp '${old}' FROM generate_series(1, ${rows}) g`,
    );
  } else if (engine === 'mysql') {
    // MariaDB's SEQUENCE engine: seq_1_to_N is a virtual table of the integers 1..N.
    const id = idFrom ? [`id, `, `NEXT VALUE FOR ${idFrom}, `] : ['', ''];
    await raw.exec(
      `INSERT INTO ${table} (${id[0]}task_id, status, result, date_done) SELECT ${id[1]}CONCAT('expired-', seq), 'SUCCESS', X'80054b052e', '${old}' FROM seq_1_to_${rows}`,
    );
  } else {
    await raw.exec(
      `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ${rows}) ` +
        `INSERT INTO ${table} (task_id, status, result, date_done) SELECT 'expired-' || x, 'SUCCESS', X'80054b052e', '${old}.000000' FROM n`,
    );
  }
}

async function benchEngine(engine: Engine, url: string): Promise<void> {
  const suffix = randomBytes(3).toString('hex');
  const tables = { task: `rk_bench_${suffix}_task`, group: `rk_bench_${suffix}_group` };
  // PostgreSQL and MySQL: a schema (database) of its own, so Celery's sequence names
  // (task_id_sequence, which Python Celery inserts with) can be used and dropped with it.
  const schema = engine === 'sqlite' ? undefined : `rk_bench_${suffix}`;
  const qualified = schema ? `${schema}.${tables.task}` : tables.task;
  const sql: SqlBackendOptions = {
    tableNames: tables,
    ...(schema ? { tableSchemas: { task: schema, group: schema } } : {}),
    pool: engine === 'sqlite' ? {} : engine === 'postgresql' ? { max: POOL_SIZE } : { connectionLimit: POOL_SIZE },
  };
  const open = (extra: SqlBackendOptions = {}, options: BackendOptions = {}): Promise<ResultBackend> =>
    createBackend(url, { adapter: resultkitAdapter, ...options, sql: { ...sql, ...extra } });

  console.log(`\n### ${engine} (${url.replace(/:[^:@/]*@/, ':***@')}), ${OPS.toLocaleString('en-US')} ops per run, ${IN_FLIGHT} in flight, median of ${ROUNDS}`);
  const idSource: { idFrom: string | null } = { idFrom: null };
  const raw = rawDriver(engine, url, qualified, idSource);
  if (schema) await raw.exec(`CREATE SCHEMA ${schema}`);
  const plain = await open({ batch: false, notify: false });
  const batched = await open();
  if (engine === 'mysql' && !(batched.adapter as SqlAdapter).schema.task.columns.get('id')?.hasDefault) idSource.idFrom = `${schema}.task_id_sequence`;
  let n = 0;
  const nextId = (label: string): string => `bench-${label}-${suffix}-${n++}`;
  try {
    await compare(
      () => measure('storeResult (batch: false, notify: false)', () => plain.storeResult(nextId('p'), payload, states.SUCCESS), { ops: OPS, concurrency: IN_FLIGHT }),
      () => measure(`raw ${engine} upsert`, () => raw.upsert(nextId('r')), { ops: OPS, concurrency: IN_FLIGHT }),
      0.8,
    );
    await compare(
      () => measure(`storeResult (defaults: batching${engine === 'postgresql' ? ', NOTIFY' : ''})`, () => batched.storeResult(nextId('b'), payload, states.SUCCESS), { ops: OPS, concurrency: IN_FLIGHT }),
      () => measure(`raw ${engine} upsert`, () => raw.upsert(nextId('r')), { ops: OPS, concurrency: IN_FLIGHT }),
      2.5,
    );
    // Reads of rows that exist, spread over the ones written above. SQLite reads in process,
    // with nothing to wait for, so its reads are held to more.
    const readTarget = engine === 'sqlite' ? 0.9 : 0.8;
    const ids = Array.from({ length: 5_000 }, (_, i) => `bench-read-${suffix}-${i}`);
    await Promise.all(ids.map((id) => batched.storeResult(id, payload, states.SUCCESS)));
    await compare(
      () => measure('getTaskMeta (defaults: reads coalesced)', (i) => batched.getTaskMeta(ids[i % ids.length]!), { ops: OPS, concurrency: IN_FLIGHT }),
      () => measure(`raw ${engine} select`, (i) => raw.select(ids[i % ids.length]!), { ops: OPS, concurrency: IN_FLIGHT }),
      readTarget,
    );
    await compare(
      () => measure('getTaskMeta (batch: false)', (i) => plain.getTaskMeta(ids[i % ids.length]!), { ops: OPS, concurrency: IN_FLIGHT }),
      () => measure(`raw ${engine} select`, (i) => raw.select(ids[i % ids.length]!), { ops: OPS, concurrency: IN_FLIGHT }),
      readTarget,
    );

    // Python Celery, one store at a time, against ours one at a time and 64 in flight.
    // SQLAlchemy's default MySQL driver is MySQLdb; Debian's Celery setup has PyMySQL.
    const python = pythonStore(engine === 'mysql' ? url.replace(/^db\+mysql:/, 'db+mysql+pymysql:') : url, tables, schema, `bench-py-${suffix}-`);
    const sequential = await measure('ours, 1 in flight', () => batched.storeResult(nextId('s'), payload, states.SUCCESS), { ops: 2_000, warmup: 200 });
    const parallel = await measure('ours, 64 in flight', () => batched.storeResult(nextId('s'), payload, states.SUCCESS), { ops: OPS, concurrency: IN_FLIGHT });
    if (typeof python === 'number') {
      console.log(
        `Python Celery 5.2 store_result (1 in flight): ${Math.round(python).toLocaleString('en-US')} ops/s | ours 1 in flight ${Math.round(sequential.opsPerSecond).toLocaleString('en-US')} ops/s (${(sequential.opsPerSecond / python).toFixed(1)}x) | ours 64 in flight ${Math.round(parallel.opsPerSecond).toLocaleString('en-US')} ops/s (${(parallel.opsPerSecond / python).toFixed(1)}x)`,
      );
    } else {
      console.log(`Python Celery store_result: not measured (${python})`);
    }

    // cleanup() of CLEANUP_ROWS expired rows, among the live rows written above.
    const insertStarted = Date.now();
    await bulkExpired(engine, raw, qualified, CLEANUP_ROWS, idSource.idFrom);
    const inserted = (Date.now() - insertStarted) / 1000;
    const started = process.hrtime.bigint();
    const removed = await (batched.adapter as SqlAdapter).cleanup(new Date(Date.now() - 86_400_000));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(
      `cleanup(): ${removed.toLocaleString('en-US')} expired rows deleted in ${seconds.toFixed(2)} s ` +
        `(${Math.round(removed / seconds).toLocaleString('en-US')} rows/s, batches of 10,000; inserting them took ${inserted.toFixed(1)} s)`,
    );
  } finally {
    await plain.close();
    await batched.close();
    if (schema) await raw.exec(engine === 'postgresql' ? `DROP SCHEMA IF EXISTS ${schema} CASCADE` : `DROP DATABASE IF EXISTS ${schema}`);
    await raw.close();
  }
}

export async function run(): Promise<void> {
  const only = process.env.BENCH_SQL_ENGINES?.split(',');
  const dir = mkdtempSync(join(tmpdir(), 'rk-bench-sql-'));
  try {
    if (!only || only.includes('postgresql')) await benchEngine('postgresql', PG_URL);
    if (!only || only.includes('mysql')) await benchEngine('mysql', MYSQL_URL);
    if (!only || only.includes('sqlite')) await benchEngine('sqlite', `db+sqlite:///${dir}/bench.sqlite`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
