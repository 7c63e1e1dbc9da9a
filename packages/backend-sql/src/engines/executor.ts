/**
 * The one shape every driver is adapted to: run a statement, get rows or a count. The dialects
 * write SQL against this and never see a driver; each engine's `client.ts` (`postgres/`,
 * `mysql/`, `sqlite/`) turns the user's pool or database handle into it.
 */

import { asBuffer } from '@resultkit/core';

/** A row as the driver returns it: column name to value. */
export type Row = Record<string, unknown>;

/** How a statement is run. */
export interface RunOptions {
  /**
   * The statement is run often with the same text: the driver may keep it prepared on the
   * connection (PostgreSQL named statements; mysql2 and better-sqlite3 always prepare).
   */
  prepare?: boolean;
}

export interface SqlExecutor {
  /** Runs a statement that returns rows. `params` fill the dialect's placeholders in order. */
  query(sql: string, params?: readonly unknown[], options?: RunOptions): Promise<Row[]>;
  /**
   * The first row of a statement that returns at most one, where the driver reads one row
   * more cheaply than a list (better-sqlite3's `get`: about a third faster than `all`).
   * Optional: without it, `query` is used.
   */
  queryOne?(sql: string, params?: readonly unknown[]): Promise<Row | undefined>;
  /** Runs a statement that changes rows; resolves with how many rows it affected. */
  execute(sql: string, params?: readonly unknown[], options?: RunOptions): Promise<number>;
  /**
   * Runs `work` on one connection held for its whole duration (for session locks and
   * transactions). SQLite has a single connection, so this is the executor itself.
   */
  withConnection<T>(work: (connection: SqlExecutor) => Promise<T>): Promise<T>;
  /** Closes the pool or database, but only when this package opened it (`owned`). */
  close(): Promise<void>;
  /** True when the connection was opened from a URL here; false for a client the user passed in. */
  readonly owned: boolean;
}

/** Parameters as every driver binds them: bytes as Buffer, undefined as NULL. */
export function bindable(params: readonly unknown[]): unknown[] {
  return params.map((value) => (value === undefined ? null : value instanceof Uint8Array ? asBuffer(value) : value));
}
