/**
 * Shared by the SQL tests: where the databases are, unique table names per test file (so files
 * never collide and leave nothing behind), raw driver access to look at rows, and the wiring of
 * the conformance suite.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend, type BackendOptions, type ResultBackend } from '@resultkit/core';
import { dumps } from '@resultkit/serializer-pickle';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { SqlBackendOptions } from '../src/options.js';
import type { SqlAdapter } from '../src/sql-adapter.js';

function asDbUrl(url: string): string {
  return url.startsWith('db+') ? url : `db+${url}`;
}

/** `DATABASE_URL` (default the local test database) as a `db+postgresql://` URL. */
export const PG_URL = asDbUrl(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test');
/** `MYSQL_URL` (default the local MariaDB test database) as a `db+mysql://` URL. */
export const MYSQL_URL = asDbUrl(process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test');

export type Engine = 'postgresql' | 'mysql' | 'sqlite';

/** Table (and PostgreSQL sequence) names no other test file or run uses. */
export interface TestTables {
  task: string;
  group: string;
  taskSequence: string;
  groupSequence: string;
}

export function uniqueTables(label: string): TestTables {
  const suffix = randomBytes(4).toString('hex');
  const base = `rk_${label}_${suffix}`;
  return { task: `${base}_task`, group: `${base}_group`, taskSequence: `${base}_task_seq`, groupSequence: `${base}_group_seq` };
}

/** The `sql` options that point a backend at the test tables. */
export function tableOptions(tables: TestTables): SqlBackendOptions {
  return {
    tableNames: { task: tables.task, group: tables.group },
    sequenceNames: { task: tables.taskSequence, group: tables.groupSequence },
  };
}

/** A temporary directory for SQLite files, removed by `removeTempDir`. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'rk-sql-'));
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** `db+sqlite:////abs/path` (four slashes: an absolute path, as SQLAlchemy reads it). */
export function sqliteUrl(path: string): string {
  return `db+sqlite:///${path}`;
}

export function adapterOf(backend: ResultBackend): SqlAdapter {
  return backend.adapter as SqlAdapter;
}

/** Opens a backend on `url` with the test tables; `sql` options are merged over them. */
export function openBackend(url: string, tables: TestTables, options: BackendOptions = {}, sql: SqlBackendOptions = {}): Promise<ResultBackend> {
  return createBackend(url, { ...options, sql: { ...tableOptions(tables), ...options.sql, ...sql } });
}

// ---- raw access ----------------------------------------------------------------------------

/** Runs `work` with a plain client of the engine (never through the code under test). */
export async function withRaw<T>(engine: Engine, url: string, work: (query: (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>) => Promise<T>): Promise<T> {
  if (engine === 'postgresql') {
    const client = new pg.Client({ connectionString: url.replace(/^db\+/, '').replace(/^postgresql\+\w+/, 'postgresql') });
    await client.connect();
    try {
      return await work(async (sql, params) => (await client.query(sql, params)).rows);
    } finally {
      await client.end();
    }
  }
  if (engine === 'mysql') {
    const connection = await mysql.createConnection({ uri: url.replace(/^db\+/, '').replace(/^mysql\+\w+/, 'mysql'), dateStrings: true });
    try {
      return await work(async (sql, params) => {
        const [rows] = await connection.query(sql, params);
        return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
      });
    } finally {
      await connection.end();
    }
  }
  const path = url.replace(/^db\+sqlite:\/\/\//, '');
  const db = new Database(path);
  try {
    return await work(async (sql, params = []) => {
      const statement = db.prepare(sql);
      if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
      statement.run(...params);
      return [];
    });
  } finally {
    db.close();
  }
}

/** Drops the test tables (and PostgreSQL sequences) of one file. */
export async function dropTables(engine: Engine, url: string, tables: TestTables): Promise<void> {
  if (engine === 'sqlite' && !existsSync(url.replace(/^db\+sqlite:\/\/\//, ''))) return;
  await withRaw(engine, url, async (query) => {
    for (const table of [tables.task, tables.group]) await query(`DROP TABLE IF EXISTS ${table}`);
    // PostgreSQL, and MariaDB 10.3+ (which has sequences too).
    if (engine !== 'sqlite') {
      for (const sequence of [tables.taskSequence, tables.groupSequence]) await query(`DROP SEQUENCE IF EXISTS ${sequence}`);
    }
  });
}

// ---- writing like someone else -------------------------------------------------------------

/** Puts `bytes` in the `result` column of a SUCCESS row for `taskId` (the conformance suite's `writeRaw`). */
export async function writeRawResult(backend: ResultBackend, taskId: string, bytes: Uint8Array): Promise<void> {
  await writeColumns(backend, taskId, 'SUCCESS', bytes);
}

/** A row as a foreign writer would leave it: the document's status, its result pickled as it is. */
export async function writeForeignDocument(backend: ResultBackend, taskId: string, document: Record<string, unknown>): Promise<void> {
  await writeColumns(backend, taskId, String(document.status), dumps(document.result ?? null, { protocol: 5 }));
}

async function writeColumns(backend: ResultBackend, taskId: string, status: string, result: Uint8Array): Promise<void> {
  const adapter = adapterOf(backend);
  const d = adapter.dialect;
  // The row is created through the adapter (sequence, defaults), then overwritten raw.
  await adapter.store({ taskId, status: 'PENDING', result: null, traceback: null, children: null, dateDone: null }, { expires: null });
  await d.exec.execute(`UPDATE ${d.qualified(d.tables.task)} SET status = ${d.placeholder(1)}, result = ${d.placeholder(2)} WHERE task_id = ${d.placeholder(3)}`, [
    status,
    result,
    taskId,
  ]);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves when `predicate` holds, checking every 10 ms; rejects after `timeout` ms. */
export async function until(predicate: () => boolean | Promise<boolean>, timeout = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(10);
  }
}
