import { resolve } from 'node:path';
/**
 * SQLite through `better-sqlite3`. Its API is synchronous: every statement runs to completion on
 * the calling thread (fast for a local file; a write waiting for another process's lock blocks
 * the event loop up to the database's busy `timeout`). Only the subset below is used.
 */
import { importDriver } from '@resultkit/core';
import { bindable, type Row, type SqlExecutor } from '../executor.js';
import { tableNames } from '../../tables.js';
import { parseDatabaseUrl, type SqliteUrl } from '../../url.js';
import { cannotCreate, clientMismatch, type Engine } from '../engine.js';
import { SqliteDialect } from './dialect.js';

/** A prepared statement: https://github.com/WiseLibs/better-sqlite3/blob/master/docs/api.md#class-statement */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
  /** True for statements that return rows. */
  readonly reader: boolean;
  /** Rows as arrays of values from now on (better-sqlite3 5+). */
  raw?(toggle?: boolean): unknown;
  /** The columns of the rows, in order (better-sqlite3 5+). */
  columns?(): { name: string }[];
}

/** The subset of `better-sqlite3`'s `Database` used: https://github.com/WiseLibs/better-sqlite3/blob/master/docs/api.md#class-database */
export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  close(): unknown;
  readonly open: boolean;
  readonly memory: boolean;
  readonly inTransaction: boolean;
}

/** The module `better-sqlite3`: its default export is the Database class. */
export type SqliteModule = new (filename: string, options?: Record<string, unknown>) => SqliteDatabase;

export function isSqliteDatabase(value: unknown): value is SqliteDatabase {
  const v = value as Partial<SqliteDatabase> | null;
  return typeof v === 'object' && v !== null && typeof v.prepare === 'function' && typeof v.pragma === 'function' && typeof v.exec === 'function';
}

/** Prepared statements are kept (least recently used first out) so a repeated statement is prepared once. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * An executor over a better-sqlite3 database. Statements run synchronously inside the returned
 * promises. `owned` databases are closed by `close()`.
 */
export function sqliteExecutor(db: SqliteDatabase, owned: boolean): SqlExecutor {
  const statements = new Map<string, SqliteStatement>();
  const prepare = (sql: string): SqliteStatement => {
    let statement = statements.get(sql);
    if (statement) {
      statements.delete(sql);
    } else {
      statement = db.prepare(sql);
      if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value as string);
    }
    statements.set(sql, statement);
    return statement;
  };
  // One-row reads are the hot path of `getTaskMeta`: a handful of statements, each run with the
  // same columns, kept apart from the cache above because their statements are switched to
  // raw mode. Building the row here from better-sqlite3's array of values costs less than its
  // own row objects (about 2 µs less per read of all 13 columns of a table with the extended ones).
  const oneRow = new Map<string, OneRow>();
  const readOne = (sql: string): OneRow => {
    let reader = oneRow.get(sql);
    if (!reader) {
      if (oneRow.size >= ONE_ROW_CACHE_SIZE) oneRow.clear();
      reader = oneRowReader(db.prepare(sql));
      oneRow.set(sql, reader);
    }
    return reader;
  };
  let closed = false;
  const executor: SqlExecutor = {
    owned,
    async query(sql, params = []) {
      const statement = prepare(sql);
      if (!statement.reader) {
        statement.run(...bindable(params));
        return [];
      }
      return statement.all(...bindable(params)) as Row[];
    },
    async queryOne(sql, params = []) {
      return readOne(sql)(bindable(params));
    },
    async execute(sql, params = []) {
      return prepare(sql).run(...bindable(params)).changes;
    },
    // One connection: the database itself.
    withConnection: (work) => work(executor),
    async close() {
      if (!owned || closed) return;
      closed = true;
      statements.clear();
      oneRow.clear();
      if (db.open) db.close();
    },
  };
  return executor;
}

/** Reads the first row of a statement for the given parameters. */
type OneRow = (params: unknown[]) => Row | undefined;

/** Distinct one-row statements kept (the adapter has two or three); past that they are prepared again. */
const ONE_ROW_CACHE_SIZE = 64;

function oneRowReader(statement: SqliteStatement): OneRow {
  if (!statement.reader || typeof statement.raw !== 'function' || typeof statement.columns !== 'function') {
    return (params) => statement.get(...params) as Row | undefined;
  }
  const names = statement.columns().map((column) => column.name);
  // A column named __proto__ would set the row's prototype, not a property: left to the driver.
  if (names.includes('__proto__')) return (params) => statement.get(...params) as Row | undefined;
  statement.raw(true);
  // Every row starts as a copy of one with all the columns: cloning an object's shape and then
  // setting properties it has costs less than adding them one by one.
  const shape: Row = {};
  for (const name of names) shape[name] = null;
  return (params) => {
    // A spread call costs more than the call itself; reads by id have one parameter.
    const values = (params.length === 1 ? statement.get(params[0]) : statement.get(...params)) as unknown[] | undefined;
    if (values === undefined) return undefined;
    const row: Row = { ...shape };
    for (let i = 0; i < names.length; i++) row[names[i]!] = values[i];
    return row;
  };
}

/**
 * Runs `work` inside one write transaction (`BEGIN IMMEDIATE`), committing at the end and
 * rolling back on error. `work` must be synchronous: better-sqlite3 cannot hold a transaction
 * open across an `await` without blocking every other statement.
 */
export function sqliteTransaction<T>(db: SqliteDatabase, work: () => T): T {
  if (db.inTransaction) return work();
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/** SQLite for `connect.ts`: the user's better-sqlite3 `Database`, or the file (or memory) the URL names. */
export const sqliteEngine: Engine = {
  async connect(url, options, named) {
    const tables = tableNames(options);
    const client = options.client;
    if (client !== undefined) {
      if (!isSqliteDatabase(client)) clientMismatch(url, 'a better-sqlite3 Database');
      return { dialect: new SqliteDialect(sqliteExecutor(client, false), tables), durable: !client.memory };
    }
    // connect.ts chose this engine from the same URL, so it names a file.
    const parsed = parseDatabaseUrl(url) as SqliteUrl;
    const Database = await importDriver<SqliteModule>('better-sqlite3', 'db+sqlite', () => import('better-sqlite3'));
    let db: SqliteDatabase;
    try {
      // `timeout` is the busy timeout: how long a write waits for another process's lock.
      db = new Database(parsed.filename, { timeout: 5000, ...options.pool });
    } catch (error) {
      // Say which file was tried: a relative URL path (db+sqlite:///results.db) is resolved
      // against the working directory, which is often not the one the user had in mind.
      const description = parsed.filename === ':memory:' ? parsed.filename : `${parsed.filename} (resolved to ${resolve(parsed.filename)})`;
      throw cannotCreate('the SQLite database', { description, secrets: named.secrets }, error);
    }
    if (options.sqliteJournalMode && !db.memory) db.pragma(`journal_mode = ${options.sqliteJournalMode.toUpperCase()}`);
    return { dialect: new SqliteDialect(sqliteExecutor(db, true), tables), durable: !db.memory };
  },
};
