/**
 * Opens the connection a URL names, or adopts the client the user passed, and wraps it in an
 * executor. Drivers are imported here, and only the one the URL's database needs.
 */
import { ConfigurationError, redactUrl } from '@resultkit/core';
import type { SqlExecutor } from './clients/executor.js';
import { importDriver } from './clients/load-driver.js';
import { isMysqlPool, mysqlExecutor, promisePool, type MysqlModule } from './clients/mysql.js';
import { isPgPool, pgExecutor, type PgModule, type PgPool } from './clients/pg.js';
import { isSqliteDatabase, sqliteExecutor, type SqliteDatabase, type SqliteModule } from './clients/sqlite.js';
import type { ListenConnection } from './notify.js';
import type { ResolvedSqlOptions } from './options.js';
import { dialectOf, mergeTls, parseDatabaseUrl, resolveTls, type DialectName, type ServerUrl, type SqliteUrl } from './url.js';

export interface Connection {
  dialect: DialectName;
  exec: SqlExecutor;
  /** PostgreSQL: opens a connection dedicated to LISTEN. */
  listen?: () => Promise<ListenConnection>;
  /** SQLite: the database handle (for in-memory databases, durability is off). */
  sqlite?: SqliteDatabase;
}

/** Driver settings for a server URL: the URL's, then TLS, then the `pool` option over them. */
export function serverConfig(parsed: ServerUrl, options: Pick<ResolvedSqlOptions, 'ssl' | 'pool'>): Record<string, unknown> {
  const config: Record<string, unknown> = { ...parsed.settings };
  if (parsed.host !== undefined) config.host = parsed.host;
  if (parsed.port !== undefined) config.port = parsed.port;
  if (parsed.user !== undefined) config.user = parsed.user;
  if (parsed.password !== undefined) config.password = parsed.password;
  if (parsed.database !== undefined) config.database = parsed.database;
  const ssl = mergeTls(resolveTls(parsed.tls), options.ssl);
  if (ssl !== undefined) config.ssl = ssl;
  return { ...config, ...options.pool };
}

export async function connect(url: string, options: ResolvedSqlOptions, onPoolError: (error: unknown) => void): Promise<Connection> {
  const dialect = dialectOf(url);
  const client = options.client;
  if (client !== undefined) return adopt(dialect, client, url, options);
  const parsed = parseDatabaseUrl(url);
  if (parsed.dialect === 'sqlite') return openSqlite(parsed, options, url);
  if (parsed.dialect === 'postgresql') return openPostgres(parsed, options, url, onPoolError);
  return openMysql(parsed, options, url);
}

function adopt(dialect: DialectName, client: unknown, url: string, options: ResolvedSqlOptions): Connection {
  const mismatch = (what: string): never => {
    throw new ConfigurationError(`sql.client must be ${what} for ${redactUrl(url).split('://')[0]}://.`);
  };
  if (dialect === 'postgresql') {
    if (!isPgPool(client)) mismatch('a pg.Pool (query, connect, end)');
    const pool = client as PgPool;
    return {
      dialect,
      exec: pgExecutor(pool, false, options.preparedStatements),
      listen: async () => {
        const pooled = await pool.connect();
        // The client holds LISTEN state: destroy it rather than return it to the user's pool.
        return { client: pooled, release: async () => pooled.release(true) };
      },
    };
  }
  if (dialect === 'mysql') {
    if (!isMysqlPool(client)) mismatch('a mysql2 pool');
    return { dialect, exec: mysqlExecutor(promisePool(client as Parameters<typeof promisePool>[0]), false) };
  }
  if (!isSqliteDatabase(client)) mismatch('a better-sqlite3 Database');
  const db = client as SqliteDatabase;
  return { dialect, exec: sqliteExecutor(db, false), sqlite: db };
}

async function openPostgres(parsed: ServerUrl, options: ResolvedSqlOptions, url: string, onPoolError: (error: unknown) => void): Promise<Connection> {
  const pg = await importDriver<PgModule>('pg', 'db+postgresql');
  const config = serverConfig(parsed, options);
  let pool: PgPool;
  try {
    pool = new pg.Pool(config);
  } catch (error) {
    throw new ConfigurationError(`Cannot create a PostgreSQL pool for ${redactUrl(url)}: ${(error as Error).message}`, { cause: error });
  }
  // pg.Pool emits `error` when an idle connection breaks (a server restart); unhandled, that
  // would end the process. The next query simply opens a new connection.
  (pool as unknown as { on(event: 'error', listener: (error: Error) => void): void }).on('error', onPoolError);
  return {
    dialect: 'postgresql',
    exec: pgExecutor(pool, true, options.preparedStatements),
    listen: async () => {
      const client = new pg.Client(config);
      // An error before `connect()` resolves rejects it; after that, the channel's listener takes over.
      client.on('error', () => {});
      await client.connect();
      return { client, release: () => client.end() };
    },
  };
}

async function openMysql(parsed: ServerUrl, options: ResolvedSqlOptions, url: string): Promise<Connection> {
  const mysql = await importDriver<MysqlModule>('mysql2', 'db+mysql');
  const config = {
    charset: 'utf8mb4',
    // Dates are read with DATE_FORMAT and written as UTC text, so the pool's time zone handling
    // never applies; these keep any other date the same (UTC) and big integers exact.
    timezone: 'Z',
    dateStrings: true,
    supportBigNumbers: true,
    // mysql2 records a stack trace for every query by default; too costly for a hot path.
    trace: false,
    ...serverConfig(parsed, options),
  };
  try {
    return { dialect: 'mysql', exec: mysqlExecutor(mysql.createPool(config).promise(), true) };
  } catch (error) {
    throw new ConfigurationError(`Cannot create a MySQL pool for ${redactUrl(url)}: ${(error as Error).message}`, { cause: error });
  }
}

async function openSqlite(parsed: SqliteUrl, options: ResolvedSqlOptions, url: string): Promise<Connection> {
  const Database = await importDriver<SqliteModule>('better-sqlite3', 'db+sqlite');
  let db: SqliteDatabase;
  try {
    // `timeout` is the busy timeout: how long a write waits for another process's lock.
    db = new Database(parsed.filename, { timeout: 5000, ...options.pool });
  } catch (error) {
    throw new ConfigurationError(`Cannot open the SQLite database of ${redactUrl(url)}: ${(error as Error).message}`, { cause: error });
  }
  if (options.sqliteJournalMode && !db.memory) db.pragma(`journal_mode = ${options.sqliteJournalMode.toUpperCase()}`);
  return { dialect: 'sqlite', exec: sqliteExecutor(db, true), sqlite: db };
}
