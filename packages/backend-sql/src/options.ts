import { ConfigurationError, DEFAULT_CONNECT_TIMEOUT } from '@resultkit/core';
import type { MysqlCallbackPool, MysqlPool } from './clients/mysql.js';
import type { PgPool } from './clients/pg.js';
import type { SqliteDatabase } from './clients/sqlite.js';

/** Which table a name, schema or sequence applies to, as in Celery's `database_table_names`. */
export interface TablePair<T> {
  /** The task results table (`celery_taskmeta`). */
  task?: T;
  /** The saved groups table (`celery_tasksetmeta`). */
  group?: T;
}

/** Options of the SQL backend, passed to `createBackend` under the `sql` key. */
export interface SqlBackendOptions {
  /**
   * Your own client instead of connecting from the URL: a `pg.Pool`, a `mysql2` pool (promise or
   * callback form) or a `better-sqlite3` `Database`. It must match the URL's database
   * (`db+postgresql://`, `db+mysql://`, `db+sqlite://`; the rest of the URL is then ignored). A
   * client you pass is never closed by `close()`, and its settings (type parsers, time zone,
   * TLS) are never changed.
   */
  client?: PgPool | MysqlPool | MysqlCallbackPool | SqliteDatabase;
  /** Table names (Celery's `database_table_names`). Default `celery_taskmeta` / `celery_tasksetmeta`. */
  tableNames?: TablePair<string>;
  /** Schemas (Celery's `database_table_schemas`): PostgreSQL schemas, MySQL databases, SQLite attached databases. */
  tableSchemas?: TablePair<string>;
  /**
   * Sequences of the `id` columns (PostgreSQL, MariaDB 10.3+). Default Celery's
   * `task_id_sequence` / `taskset_id_sequence`, which Python Celery always inserts with: change
   * them only for tables Celery never writes to.
   */
  sequenceNames?: TablePair<string>;
  /**
   * Create missing tables, sequences and indexes, and add missing columns to an existing
   * table, when the backend opens (Celery's `database_create_tables_at_setup`). Default true.
   * With false, the tables must exist; the backend adapts to the columns they have.
   */
  createTables?: boolean;
  /**
   * Options passed to the driver when connecting from the URL (Celery's
   * `database_engine_options`): `pg.Pool` options (`max`, `idleTimeoutMillis`,
   * `connectionTimeoutMillis`, `statement_timeout`...), `mysql2` pool options
   * (`connectionLimit`, `queueLimit`, `connectTimeout`...), or `better-sqlite3` options
   * (`timeout` for the busy timeout, `readonly`...).
   */
  pool?: Record<string, unknown>;
  /**
   * TLS for PostgreSQL and MySQL: `true`, `false`, or Node `tls` options (`ca`, `cert`, `key`,
   * `rejectUnauthorized`, `servername`...). Merged over what the URL says (`sslmode=`, `ssl_ca=`...).
   */
  ssl?: boolean | Record<string, unknown>;
  /**
   * PostgreSQL push waiting with LISTEN/NOTIFY. `auto` (default): stores send NOTIFY, waits
   * LISTEN and fall back to polling when notifications do not arrive (e.g. behind a transaction
   * pooler). `true`: the same, but a failing LISTEN fails the wait. `false`: no NOTIFY, waits poll.
   */
  notify?: 'auto' | boolean;
  /** The NOTIFY channel. Default `resultkit_<task table>`. */
  notifyChannel?: string;
  /**
   * While LISTEN is active, waited-for ids are still read every this many milliseconds (one
   * batched SELECT), to find results stored without a NOTIFY, e.g. by Python Celery. Default 1000.
   */
  notifyPollInterval?: number;
  /**
   * A stored SUCCESS is never overwritten by a later write (the Redis backend's rule; atomic
   * here, inside the upsert). Default true. False gives exactly Celery's database backend,
   * where the last write wins.
   */
  preserveSuccess?: boolean;
  /**
   * Coalesce stores (and reads) that are in flight at the same time into one multi-row
   * statement. Default true. Order per task id is kept, so the final state is the one the
   * writes would give one after another.
   */
  batch?: boolean | { maxRows?: number; maxInFlight?: number };
  /**
   * PostgreSQL: keep the statements run most often prepared on each connection (named
   * statements), which roughly doubles single-row throughput. Default true. Turn it off behind
   * PgBouncer in transaction mode before 1.21, which cannot route prepared statements.
   */
  preparedStatements?: boolean;
  /** Rows deleted per statement by `cleanup()`. Default 10,000. */
  cleanupBatchSize?: number;
  /** Seconds between automatic `cleanup()` runs (an unref'd timer, stopped by `close()`). Default none. */
  sweepInterval?: number | null;
  /**
   * Also store `group_id` and `parent_id`, in two columns Celery does not have (and ignores).
   * Default true. False keeps exactly Celery's columns; then a read gives no group or parent id,
   * as with Celery's database backend.
   */
  relationColumns?: boolean;
  /** Pickle protocol of the `result` column: 5 (default, what Celery on Python 3.8+ writes), 4, 3 or 2. */
  pickleProtocol?: 2 | 3 | 4 | 5;
  /** SQLite `journal_mode` to set when opening a file from the URL (e.g. `wal`). Default: leave it as it is. */
  sqliteJournalMode?: string;
  /** Receives errors of background work (the sweeper, the LISTEN connection). Default: `console.warn`. */
  onBackgroundError?: (error: unknown, context: 'sweep' | 'listen') => void;
}

/**
 * Returns `options` unchanged, typed as this package's options:
 * `createBackend('db+postgresql://…', { sql: sqlOptions({ client: pool }) })`.
 *
 * The `sql` key of `createBackend`'s options is added by the declaration merging below, which
 * TypeScript only sees in a program that imports something from this package; an application
 * usually does not (`createBackend` loads the package by itself). Importing this helper brings
 * the declarations in, and types an options object built away from the call too.
 */
export function sqlOptions(options: SqlBackendOptions): SqlBackendOptions {
  return options;
}

declare module '@resultkit/core' {
  interface AdapterOptions {
    /** Options of the SQL backend (`db+postgresql://`, `db+mysql://`, `db+sqlite://`). */
    sql?: SqlBackendOptions;
  }
}

/** The options with every default filled in. */
export interface ResolvedSqlOptions {
  client: SqlBackendOptions['client'] | undefined;
  tableNames: Required<TablePair<string>>;
  tableSchemas: TablePair<string>;
  sequenceNames: Required<TablePair<string>>;
  createTables: boolean;
  pool: Record<string, unknown>;
  ssl: boolean | Record<string, unknown> | undefined;
  notify: 'auto' | boolean;
  notifyChannel: string | undefined;
  notifyPollInterval: number;
  preserveSuccess: boolean;
  batch: { maxRows: number; maxInFlight: number } | null;
  preparedStatements: boolean;
  cleanupBatchSize: number;
  sweepInterval: number | null;
  relationColumns: boolean;
  pickleProtocol: 2 | 3 | 4 | 5;
  sqliteJournalMode: string | undefined;
  onBackgroundError: (error: unknown, context: 'sweep' | 'listen') => void;
  /** Core's `connectTimeout` (ms): the driver's connect timeout unless the URL or `pool` sets one. */
  connectTimeout: number;
}

export const DEFAULT_BATCH = { maxRows: 500, maxInFlight: 4 };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

function identifier(value: unknown, what: string): string {
  if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
    throw new ConfigurationError(`${what} must be a SQL identifier (letters, digits, _ and $, at most 63 characters); got ${JSON.stringify(value)}.`);
  }
  return value;
}

function positive(value: unknown, what: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new ConfigurationError(`${what} must be a positive number.`);
  return value;
}

function pair(value: TablePair<string> | undefined, what: string, defaults?: Required<TablePair<string>>): TablePair<string> {
  const out: TablePair<string> = { ...defaults };
  if (value?.task !== undefined) out.task = identifier(value.task, `${what}.task`);
  if (value?.group !== undefined) out.group = identifier(value.group, `${what}.group`);
  return out;
}

function warn(error: unknown, context: string): void {
  const message = error instanceof Error ? error.message : String(error);
  console.warn(`[@resultkit/backend-sql] ${context}: ${message}`);
}

/** Validates the `sql` options and fills in the defaults. */
export function resolveSqlOptions(options: SqlBackendOptions = {}, connectTimeout = DEFAULT_CONNECT_TIMEOUT): ResolvedSqlOptions {
  const tableNames = pair(options.tableNames, 'tableNames', { task: 'celery_taskmeta', group: 'celery_tasksetmeta' }) as Required<TablePair<string>>;
  const sequenceNames = pair(options.sequenceNames, 'sequenceNames', { task: 'task_id_sequence', group: 'taskset_id_sequence' }) as Required<TablePair<string>>;
  if (tableNames.task === tableNames.group && options.tableSchemas?.task === options.tableSchemas?.group) {
    throw new ConfigurationError('The task and group tables must have different names.');
  }
  const notify = options.notify ?? 'auto';
  if (notify !== 'auto' && notify !== true && notify !== false) throw new ConfigurationError("notify must be 'auto', true or false.");
  if (options.notifyChannel !== undefined) identifier(options.notifyChannel, 'notifyChannel');
  let batch: ResolvedSqlOptions['batch'] = { ...DEFAULT_BATCH };
  if (options.batch === false) batch = null;
  else if (typeof options.batch === 'object' && options.batch !== null) {
    batch = {
      maxRows: Math.floor(positive(options.batch.maxRows, 'batch.maxRows', DEFAULT_BATCH.maxRows)),
      maxInFlight: Math.floor(positive(options.batch.maxInFlight, 'batch.maxInFlight', DEFAULT_BATCH.maxInFlight)),
    };
  }
  const protocol = options.pickleProtocol ?? 5;
  if (![2, 3, 4, 5].includes(protocol)) throw new ConfigurationError('pickleProtocol must be 2, 3, 4 or 5.');
  const sweep = options.sweepInterval ?? null;
  if (sweep !== null) positive(sweep, 'sweepInterval', 0);
  if (options.sqliteJournalMode !== undefined && !/^(delete|truncate|persist|memory|wal|off)$/i.test(options.sqliteJournalMode)) {
    throw new ConfigurationError('sqliteJournalMode must be one of delete, truncate, persist, memory, wal, off.');
  }
  if (options.pool !== undefined && (typeof options.pool !== 'object' || options.pool === null)) {
    throw new ConfigurationError('pool must be an object of driver options.');
  }
  return {
    client: options.client,
    tableNames,
    tableSchemas: pair(options.tableSchemas, 'tableSchemas'),
    sequenceNames,
    createTables: options.createTables ?? true,
    pool: { ...options.pool },
    ssl: options.ssl,
    notify,
    notifyChannel: options.notifyChannel,
    notifyPollInterval: positive(options.notifyPollInterval, 'notifyPollInterval', 1000),
    preserveSuccess: options.preserveSuccess ?? true,
    batch,
    preparedStatements: options.preparedStatements ?? true,
    cleanupBatchSize: Math.floor(positive(options.cleanupBatchSize, 'cleanupBatchSize', 10_000)),
    sweepInterval: sweep,
    relationColumns: options.relationColumns ?? true,
    pickleProtocol: protocol,
    sqliteJournalMode: options.sqliteJournalMode,
    onBackgroundError: options.onBackgroundError ?? warn,
    connectTimeout,
  };
}
