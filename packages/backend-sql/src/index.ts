/**
 * @resultkit/backend-sql: Celery's database result backend for Node.js, on PostgreSQL (`pg`),
 * MySQL/MariaDB (`mysql2`) and SQLite (`better-sqlite3`).
 *
 * ```ts
 * import { createBackend } from '@resultkit/core';
 * const backend = await createBackend('db+postgresql://user@127.0.0.1/app', { sql: { tableNames: { task: 'results' } } });
 * ```
 */
import type { SqlBackendOptions } from './options.js';

export { resultkitAdapter, createSqlAdapter } from './factory.js';
export { SqlAdapter } from './sql-adapter.js';
export type { SqlAdapterInit, PurgeUnreadyOptions } from './sql-adapter.js';
export { resolveSqlOptions } from './options.js';
export type { SqlBackendOptions, ResolvedSqlOptions, TablePair } from './options.js';
export { parseDatabaseUrl, dialectOf, resolveTls, mergeTls } from './url.js';
export type { DialectName, ParsedDatabaseUrl, ServerUrl, SqliteUrl, TlsRequest } from './url.js';
export { serverConfig } from './connect.js';
export { Dialect } from './dialects/dialect.js';
export { PostgresDialect } from './dialects/postgres.js';
export { MysqlDialect } from './dialects/mysql.js';
export { SqliteDialect } from './dialects/sqlite.js';
export { RowCodec } from './row-codec.js';
export { NotifyChannel } from './notify.js';
export { WriteBatcher, ReadBatcher } from './batcher.js';
export type { SqlExecutor, Row } from './clients/executor.js';
export type { PgPool, PgClient, PgPoolClient } from './clients/pg.js';
export type { MysqlPool, MysqlCallbackPool } from './clients/mysql.js';
export type { SqliteDatabase } from './clients/sqlite.js';
export type { TableRef, TableNames, TableShape, ColumnInfo } from './tables.js';

declare module '@resultkit/core' {
  interface AdapterOptions {
    /** Options of the SQL backend (`db+postgresql://`, `db+mysql://`, `db+sqlite://`). */
    sql?: SqlBackendOptions;
  }
}
