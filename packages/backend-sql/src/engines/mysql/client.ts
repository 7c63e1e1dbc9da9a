/**
 * MySQL and MariaDB through `mysql2`. Only the subset of its promise pool below is used; a
 * callback pool (`mysql.createPool(...)`) is accepted too and used through its `.promise()`.
 */
import { importDriver } from '@resultkit/core';
import { bindable, type Row, type SqlExecutor } from '../executor.js';
import { tableNames } from '../../tables.js';
import { parseDatabaseUrl, type ServerUrl } from '../../url.js';
import { cannotCreate, clientMismatch, serverConfig, type Engine } from '../engine.js';
import { MysqlDialect } from './dialect.js';

/** What `execute`/`query` resolve to: rows for a SELECT, a header with `affectedRows` otherwise. */
export type MysqlResult = [unknown, unknown];

/**
 * The subset of a mysql2 promise connection used:
 * https://sidorares.github.io/node-mysql2/docs/documentation/promise-wrapper
 */
export interface MysqlConnection {
  /** A prepared statement (binary protocol): parameters, blobs included, are sent as raw bytes. */
  execute(sql: string, values?: unknown[]): Promise<MysqlResult>;
  /** A text-protocol statement (for DDL, which cannot be prepared everywhere). */
  query(sql: string, values?: unknown[]): Promise<MysqlResult>;
}

/** A connection checked out of the pool. */
export interface MysqlPoolConnection extends MysqlConnection {
  release(): void;
  /** Closes the connection instead of returning it to the pool. */
  destroy(): void;
}

/** The subset of mysql2's promise pool used: https://sidorares.github.io/node-mysql2/docs#using-connection-pools */
export interface MysqlPool extends MysqlConnection {
  getConnection(): Promise<MysqlPoolConnection>;
  end(): Promise<void>;
}

/** A callback-style pool, whose `.promise()` gives the promise pool (typed loosely: mysql2's own types are overloaded). */
export interface MysqlCallbackPool {
  promise(): unknown;
}

/** The module `mysql2`, as far as it is used here. */
export interface MysqlModule {
  createPool(config: Record<string, unknown>): { promise(): MysqlPool };
}

export function isMysqlPool(value: unknown): value is MysqlPool | MysqlCallbackPool {
  const v = value as Partial<MysqlPool & MysqlCallbackPool> | null;
  if (typeof v !== 'object' || v === null) return false;
  return typeof v.promise === 'function' || (typeof v.execute === 'function' && typeof v.getConnection === 'function');
}

/** The promise form of a mysql2 pool, whichever form was given. */
export function promisePool(pool: MysqlPool | MysqlCallbackPool): MysqlPool {
  const v = pool as Partial<MysqlCallbackPool>;
  return typeof v.promise === 'function' ? (v.promise() as MysqlPool) : (pool as MysqlPool);
}

function affected(result: unknown): number {
  const header = result as { affectedRows?: unknown } | null;
  return typeof header?.affectedRows === 'number' ? header.affectedRows : 0;
}

function overConnection(connection: MysqlConnection): Pick<SqlExecutor, 'query' | 'execute'> {
  // Statements with parameters are prepared (mysql2 caches them per connection), so blobs travel
  // as bytes rather than as hex literals twice their size; statements without are sent as text.
  const run = (sql: string, params: readonly unknown[]) =>
    params.length ? connection.execute(sql, bindable(params)) : connection.query(sql);
  return {
    query: async (sql, params = []) => {
      const [rows] = await run(sql, params);
      return Array.isArray(rows) ? (rows as Row[]) : [];
    },
    execute: async (sql, params = []) => affected((await run(sql, params))[0]),
  };
}

/** An executor over a mysql2 pool. `owned` pools are ended by `close()`. */
export function mysqlExecutor(pool: MysqlPool, owned: boolean): SqlExecutor {
  let closed = false;
  return {
    ...overConnection(pool),
    owned,
    async withConnection(work) {
      const connection = await pool.getConnection();
      let failed = false;
      try {
        const held: SqlExecutor = {
          ...overConnection(connection),
          owned: false,
          withConnection: (inner) => inner(held),
          close: async () => {},
        };
        return await work(held);
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        // A connection that failed mid-work may hold a session lock or a broken socket.
        if (failed) connection.destroy();
        else connection.release();
      }
    },
    async close() {
      if (!owned || closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/** MySQL and MariaDB for `connect.ts`: the user's mysql2 pool, or a pool opened from the URL. */
export const mysqlEngine: Engine = {
  async connect(url, options, named) {
    const tables = tableNames(options);
    const client = options.client;
    if (client !== undefined) {
      if (!isMysqlPool(client)) clientMismatch(url, 'a mysql2 pool');
      return { dialect: new MysqlDialect(mysqlExecutor(promisePool(client), false), tables), durable: true };
    }
    // connect.ts chose this engine from the same URL, so it names a server.
    const parsed = parseDatabaseUrl(url) as ServerUrl;
    const mysql = await importDriver<MysqlModule>('mysql2', 'db+mysql', () => import('mysql2'));
    const config = {
      charset: 'utf8mb4',
      // Dates are read with DATE_FORMAT and written as UTC text, so the pool's time zone handling
      // never applies; these keep any other date the same (UTC) and big integers exact.
      timezone: 'Z',
      dateStrings: true,
      supportBigNumbers: true,
      // mysql2 records a stack trace for every query by default; too costly for a hot path.
      trace: false,
      ...serverConfig(parsed, options, 'connectTimeout'),
    };
    try {
      return { dialect: new MysqlDialect(mysqlExecutor(mysql.createPool(config).promise(), true), tables), durable: true };
    } catch (error) {
      throw cannotCreate('a MySQL pool', named, error);
    }
  },
};
