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
export { resultkitAdapter } from './factory.js';
export { sqlOptions } from './options.js';
export type { SqlBackendOptions, TablePair } from './options.js';
export type { PgPool } from './engines/postgres/client.js';
export type { MysqlPool, MysqlCallbackPool } from './engines/mysql/client.js';
export type { SqliteDatabase } from './engines/sqlite/client.js';
/** The type of `backend.adapter`, for what only this backend does: `purgeUnready()`, `cleanup(date)`. */
export type { SqlAdapter, PurgeUnreadyOptions } from './sql-adapter.js';
