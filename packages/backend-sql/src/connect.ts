/**
 * Opens the connection a URL names, or adopts the client the user passed, and wraps it in an
 * executor. Drivers are imported here, and only the one the URL's database needs.
 */
import { ConfigurationError, Secrets, importDriver, redactUrl, scrubError } from '@resultkit/core';
import type { SqlExecutor } from './clients/executor.js';
import { isMysqlPool, mysqlExecutor, promisePool, type MysqlModule } from './clients/mysql.js';
import { isPgPool, pgExecutor, type PgModule, type PgPool } from './clients/pg.js';
import { isSqliteDatabase, sqliteExecutor, type SqliteDatabase, type SqliteModule } from './clients/sqlite.js';
import type { ListenConnection } from './notify.js';
import type { ResolvedSqlOptions } from './options.js';
import { dialectOf, mergeTls, parseDatabaseUrl, resolveTls, type DialectName, type ServerUrl, type SqliteUrl } from './url.js';

export interface Connection {
  dialect: DialectName;
  exec: SqlExecutor;
  /** The URL with its password replaced, for messages. */
  description: string;
  /** Every password the URL and options carry, to remove from errors. */
  secrets: Secrets;
  /** PostgreSQL: opens a connection dedicated to LISTEN. */
  listen?: () => Promise<ListenConnection>;
  /** SQLite: the database handle (for in-memory databases, durability is off). */
  sqlite?: SqliteDatabase;
}

/**
 * Driver settings for a server URL: core's `connectTimeout` under the driver's name for it
 * (`timeoutKey`), then the URL's settings, then TLS, then the `pool` option over them.
 */
export function serverConfig(
  parsed: ServerUrl,
  options: Pick<ResolvedSqlOptions, 'ssl' | 'pool'> & { connectTimeout?: number },
  timeoutKey?: string,
): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  if (timeoutKey && options.connectTimeout !== undefined) config[timeoutKey] = options.connectTimeout;
  Object.assign(config, parsed.settings);
  if (parsed.host !== undefined) config.host = parsed.host;
  if (parsed.port !== undefined) config.port = parsed.port;
  if (parsed.user !== undefined) config.user = parsed.user;
  if (parsed.password !== undefined) config.password = parsed.password;
  if (parsed.database !== undefined) config.database = parsed.database;
  const ssl = mergeTls(resolveTls(parsed.tls), options.ssl);
  if (ssl !== undefined) config.ssl = ssl;
  return { ...config, ...options.pool };
}

/** The passwords of a URL and of the options (pool password, TLS key passphrase). */
export function secretsOf(url: string, options: Pick<ResolvedSqlOptions, 'ssl' | 'pool'>): Secrets {
  const ssl = typeof options.ssl === 'object' && options.ssl !== null ? options.ssl : {};
  return Secrets.fromUrl(url, options.pool.password, ssl.passphrase);
}

export async function connect(url: string, options: ResolvedSqlOptions, onPoolError: (error: unknown) => void): Promise<Connection> {
  const dialect = dialectOf(url);
  const named = { description: redactUrl(url), secrets: secretsOf(url, options) };
  const client = options.client;
  if (client !== undefined) return { ...named, ...adopt(dialect, client, url, options) };
  const parsed = parseDatabaseUrl(url);
  if (parsed.dialect === 'sqlite') return { ...named, ...(await openSqlite(parsed, options, named.secrets)) };
  if (parsed.dialect === 'postgresql') return { ...named, ...(await openPostgres(parsed, options, named, onPoolError)) };
  return { ...named, ...(await openMysql(parsed, options, named)) };
}

type Opened = Omit<Connection, 'description' | 'secrets'>;

function adopt(dialect: DialectName, client: unknown, url: string, options: ResolvedSqlOptions): Opened {
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

interface Named {
  description: string;
  secrets: Secrets;
}

async function openPostgres(parsed: ServerUrl, options: ResolvedSqlOptions, named: Named, onPoolError: (error: unknown) => void): Promise<Opened> {
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

async function openMysql(parsed: ServerUrl, options: ResolvedSqlOptions, named: Named): Promise<Opened> {
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
    return { dialect: 'mysql', exec: mysqlExecutor(mysql.createPool(config).promise(), true) };
  } catch (error) {
    throw cannotCreate('a MySQL pool', named, error);
  }
}

// A driver that refuses its settings may repeat them, password included, in its message.
function cannotCreate(what: string, named: Named, error: unknown): ConfigurationError {
  const cause = scrubError(error, named.secrets);
  return new ConfigurationError(`Cannot create ${what} for ${named.description}: ${cause.message}`, { cause });
}

async function openSqlite(parsed: SqliteUrl, options: ResolvedSqlOptions, secrets: Secrets): Promise<Opened> {
  const Database = await importDriver<SqliteModule>('better-sqlite3', 'db+sqlite', () => import('better-sqlite3'));
  let db: SqliteDatabase;
  try {
    // `timeout` is the busy timeout: how long a write waits for another process's lock.
    db = new Database(parsed.filename, { timeout: 5000, ...options.pool });
  } catch (error) {
    throw cannotCreate('the SQLite database', { description: parsed.filename, secrets }, error);
  }
  if (options.sqliteJournalMode && !db.memory) db.pragma(`journal_mode = ${options.sqliteJournalMode.toUpperCase()}`);
  return { dialect: 'sqlite', exec: sqliteExecutor(db, true), sqlite: db };
}
