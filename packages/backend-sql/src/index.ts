/**
 * @resultkit/backend-sql: Celery's database result backend for Node.js, on PostgreSQL (`pg`),
 * MySQL/MariaDB (`mysql2`) and SQLite (`better-sqlite3`).
 *
 * ```ts
 * import { createBackend } from '@resultkit/core';
 * import { sqlOptions } from '@resultkit/backend-sql';
 * const backend = await createBackend('db+postgresql://user@127.0.0.1/app', { sql: sqlOptions({ tableNames: { task: 'results' } }) });
 * ```
 */
export { resultkitAdapter, createSqlAdapter } from './factory.js';
export { SqlAdapter } from './sql-adapter.js';
export type { SqlAdapterInit, PurgeUnreadyOptions } from './sql-adapter.js';
export { resolveSqlOptions, sqlOptions } from './options.js';
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
