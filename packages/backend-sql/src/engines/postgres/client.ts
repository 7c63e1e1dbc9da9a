/**
 * PostgreSQL through `pg` (node-postgres). Only the subset below is used, so any pool with this
 * shape works (pg's own `Pool`, or a compatible one).
 */
import { importDriver } from '@resultkit/core';
import { bindable, type Row, type RunOptions, type SqlExecutor } from '../executor.js';
import { tableNames } from '../../tables.js';
import { parseDatabaseUrl, type ServerUrl } from '../../url.js';
import { cannotCreate, clientMismatch, serverConfig, type Engine } from '../engine.js';
import { PostgresDialect } from './dialect.js';

/** A query result: https://node-postgres.com/apis/result */
export interface PgQueryResult {
  rows: Row[];
  rowCount: number | null;
}

/** What `Pool#query` and `Client#query` accept: https://node-postgres.com/apis/client#queryconfig */
export interface PgQueryConfig {
  text: string;
  values?: unknown[];
  /** A name makes it a prepared statement, parsed once per connection. */
  name?: string;
}

/** A notification received by a client that ran LISTEN: https://node-postgres.com/apis/client#notification */
export interface PgNotification {
  channel: string;
  payload?: string;
}

/**
 * The subset of `pg.Client` / pool client used: queries, and the events of a LISTEN connection.
 * https://node-postgres.com/apis/client
 */
export interface PgClient {
  query(config: PgQueryConfig): Promise<PgQueryResult>;
  on(event: 'notification', listener: (message: PgNotification) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  removeAllListeners(event?: string): unknown;
}

/** A client checked out of a pool: https://node-postgres.com/apis/pool#releasing-clients */
export interface PgPoolClient extends PgClient {
  /** Returns the client to the pool; `true` (or an error) destroys it instead. */
  release(destroy?: boolean | Error): void;
}

/** The subset of `pg.Pool` used: https://node-postgres.com/apis/pool */
export interface PgPool {
  query(config: PgQueryConfig): Promise<PgQueryResult>;
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
}

/** A standalone client (for LISTEN when we own the connection): https://node-postgres.com/apis/client */
export interface PgStandaloneClient extends PgClient {
  connect(): Promise<unknown>;
  end(): Promise<void>;
}

/** The module `pg`, as far as it is used here. */
export interface PgModule {
  Pool: new (config: Record<string, unknown>) => PgPool;
  Client: new (config: Record<string, unknown>) => PgStandaloneClient;
}

/** True when `value` looks like a `pg.Pool` (structurally). */
export function isPgPool(value: unknown): value is PgPool {
  const v = value as Partial<PgPool> | null;
  return typeof v === 'object' && v !== null && typeof v.query === 'function' && typeof v.connect === 'function' && typeof v.end === 'function';
}

/** A stable, short statement name for a text (FNV-1a): the same text gets the same name on every connection. */
function statementName(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return `resultkit_${(hash >>> 0).toString(36)}_${text.length.toString(36)}`;
}

/**
 * An executor over a pg pool. `owned` pools are ended by `close()`. With `prepare`, statements
 * run often are named, so each connection parses and plans them once (not through PgBouncer in
 * transaction mode before 1.21, where a prepared statement may not exist on the next server
 * connection: turn `preparedStatements` off there).
 */
export function pgExecutor(pool: PgPool, owned: boolean, prepare = true): SqlExecutor {
  const names = new Map<string, string>();
  const config = (text: string, params: readonly unknown[], options?: RunOptions): PgQueryConfig => {
    if (!prepare || !options?.prepare) return { text, values: bindable(params) };
    let name = names.get(text);
    if (!name) names.set(text, (name = statementName(text)));
    return { name, text, values: bindable(params) };
  };
  const over = (run: (config: PgQueryConfig) => Promise<PgQueryResult>): Omit<SqlExecutor, 'withConnection' | 'close' | 'owned'> => ({
    query: async (text, params = [], options) => (await run(config(text, params, options))).rows,
    execute: async (text, params = [], options) => (await run(config(text, params, options))).rowCount ?? 0,
  });
  let closed = false;
  return {
    ...over((config) => pool.query(config)),
    owned,
    async withConnection(work) {
      const client = await pool.connect();
      let failed: unknown = undefined;
      try {
        const connection: SqlExecutor = {
          ...over((config) => client.query(config)),
          owned: false,
          withConnection: (inner) => inner(connection),
          close: async () => {},
        };
        return await work(connection);
      } catch (error) {
        failed = error;
        throw error;
      } finally {
        // A connection that failed mid-work may be in a broken state (an open transaction, a
        // lost socket): destroy it rather than hand it to the next user of the pool.
        client.release(failed === undefined ? undefined : true);
      }
    },
    async close() {
      if (!owned || closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/** PostgreSQL for `connect.ts`: the user's `pg.Pool`, or a pool (and LISTEN clients) opened from the URL. */
export const postgresEngine: Engine = {
  async connect(url, options, named, onPoolError) {
    const tables = tableNames(options);
    const client = options.client;
    if (client !== undefined) {
      if (!isPgPool(client)) clientMismatch(url, 'a pg.Pool (query, connect, end)');
      const pool = client;
      return {
        dialect: new PostgresDialect(pgExecutor(pool, false, options.preparedStatements), tables),
        durable: true,
        listen: async () => {
          const pooled = await pool.connect();
          // The client holds LISTEN state: destroy it rather than return it to the user's pool.
          return { client: pooled, release: async () => pooled.release(true) };
        },
      };
    }
    // connect.ts chose this engine from the same URL, so it names a server.
    const parsed = parseDatabaseUrl(url) as ServerUrl;
    const pg = await importDriver<PgModule>('pg', 'db+postgresql', () => import('pg'));
    const config = serverConfig(parsed, options, 'connectionTimeoutMillis');
    let pool: PgPool;
    try {
      pool = new pg.Pool(config);
    } catch (error) {
      throw cannotCreate('a PostgreSQL pool', named, error);
    }
    // pg.Pool emits `error` when an idle connection breaks (a server restart); unhandled, that
    // would end the process. The next query simply opens a new connection.
    (pool as unknown as { on(event: 'error', listener: (error: Error) => void): void }).on('error', onPoolError);
    return {
      dialect: new PostgresDialect(pgExecutor(pool, true, options.preparedStatements), tables),
      durable: true,
      listen: async () => {
        const client = new pg.Client(config);
        // An error before `connect()` resolves rejects it; after that, the channel's listener takes over.
        client.on('error', () => {});
        await client.connect();
        return { client, release: () => client.end() };
      },
    };
  },
};
