import { NotSupportedError, type FailureKind } from '@resultkit/core';
/**
 * What differs between PostgreSQL, MySQL/MariaDB and SQLite, behind one small interface: DDL
 * and introspection, the upsert, reads, deletes, cleanup batches, timestamps, which errors are
 * worth retrying, and the engine's quirks the adapter must know (push, id sequences, id
 * comparison, its name in messages). Everything else (encoding rows, batching, waiting) is
 * dialect-free. Each engine folder (`postgres/`, `mysql/`, `sqlite/`) holds its `dialect.ts`
 * and its `client.ts` (the driver's subset, the executor over it, and connecting).
 */
import type { Row, SqlExecutor } from './executor.js';
import type { DialectName } from '../url.js';
import { EXTENDED_COLUMNS, RELATION_COLUMNS, type TableNames, type TableRef, type TableShape, type TaskColumn } from '../tables.js';

export type TableKind = 'task' | 'group';

/** How a task row is written. */
export interface UpsertOptions {
  /** Keep a stored SUCCESS: the update is skipped when the row's status is SUCCESS. */
  preserveSuccess: boolean;
  /** PostgreSQL: send `pg_notify(channel, task_id)` for every row written, in the same statement. */
  notifyChannel: string | null;
  /** PostgreSQL, MariaDB: the `id` column has no default, so inserts name the sequence (as SQLAlchemy does). */
  idFromSequence: boolean;
}

/** The columns a task is read with: the base ones, then those of `include` the table has. */
export function readColumns(shape: TableShape, include: { extended: boolean; relations: boolean }): TaskColumn[] {
  const columns: TaskColumn[] = ['task_id', 'status', 'result', 'date_done', 'traceback'];
  const optional = [...(include.extended ? EXTENDED_COLUMNS : []), ...(include.relations ? RELATION_COLUMNS : [])];
  for (const column of optional) if (shape.columns.has(column)) columns.push(column);
  return columns;
}

/** Statements of up to this many rows or ids are kept prepared; larger ones vary too much to be worth it. */
const PREPARED_UP_TO = 8;

export abstract class Dialect {
  abstract readonly name: DialectName;
  /** The engine as messages name it (`PostgreSQL at db+postgresql://…`). */
  abstract readonly displayName: string;
  /** Stores can send a notification and waits can LISTEN for it (PostgreSQL): see `notify`. */
  readonly supportsNotify: boolean = false;
  /**
   * An `id` column without a default is filled from a sequence named in the insert, as
   * SQLAlchemy does (PostgreSQL, MariaDB); SQLite's `INTEGER PRIMARY KEY` fills itself.
   */
  readonly usesIdSequences: boolean = true;
  /**
   * Task ids compare case-insensitively (MySQL's default collations): a read of several ids
   * matches a row whose id differs only in case, as the query itself did.
   */
  readonly caseInsensitiveIds: boolean = false;
  /** Rows per multi-row statement. */
  protected abstract readonly maxRowsPerStatement: number;
  /** Ids per `IN (...)` list. */
  protected readonly maxIdsPerSelect: number = 1000;
  readonly #sqlCache = new Map<string, string>();

  constructor(
    readonly exec: SqlExecutor,
    readonly tables: TableNames,
  ) {}

  // ---- identifiers and parameters -----------------------------------------------------------

  abstract quote(identifier: string): string;
  /** The placeholder of the `index`-th parameter (1-based). */
  abstract placeholder(index: number): string;

  qualified(ref: TableRef): string {
    return ref.schema ? `${this.quote(ref.schema)}.${this.quote(ref.name)}` : this.quote(ref.name);
  }

  protected placeholders(from: number, count: number): string {
    const out: string[] = [];
    for (let i = 0; i < count; i++) out.push(this.placeholder(from + i));
    return out.join(', ');
  }

  /** Builds a statement once per key and keeps its text. */
  protected cached(key: string, build: () => string): string {
    let sql = this.#sqlCache.get(key);
    if (sql === undefined) {
      sql = build();
      this.#sqlCache.set(key, sql);
    }
    return sql;
  }

  // ---- schema -------------------------------------------------------------------------------

  /** What the database has for a table (it may not exist). */
  abstract introspect(connection: SqlExecutor, kind: TableKind): Promise<TableShape>;
  /** Runs schema changes while holding a lock that other resultkit processes also take. */
  abstract underSchemaLock<T>(work: (connection: SqlExecutor) => Promise<T>): Promise<T>;
  /** Statements creating a missing table with `columns` (besides `id`), its sequence and its `date_done` index. */
  abstract createTable(kind: TableKind, columns: readonly string[]): string[];
  /** Statements adding missing columns to an existing table. */
  abstract addColumns(kind: TableKind, columns: readonly string[]): string[];
  /** The statement indexing `date_done`. */
  abstract createDateDoneIndex(kind: TableKind): string;
  /** PostgreSQL and MariaDB: statements creating a missing `id` sequence for an existing table. */
  createSequence(_kind: TableKind): string[] {
    return [];
  }

  protected tableOf(kind: TableKind): TableRef {
    return kind === 'task' ? this.tables.task : this.tables.group;
  }

  // ---- timestamps ---------------------------------------------------------------------------

  /**
   * `date_done` as written: UTC wall time `YYYY-MM-DD HH:MM:SS[.ffffff]`, truncated (never
   * rounded) to the column's fractional digits, so a stored instant is never in the future.
   */
  formatTimestamp(date: Date, fractionalDigits = 6): string {
    const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
    const seconds = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
    if (fractionalDigits <= 0) return seconds;
    return `${seconds}.${`${iso.slice(20, 23)}000`.slice(0, Math.min(6, fractionalDigits))}`;
  }

  /** The SELECT expression reading `date_done` as text in UTC wall time, whatever the session's settings. */
  protected dateDoneExpression(): string {
    return 'date_done';
  }

  // ---- task rows ----------------------------------------------------------------------------

  /** The multi-row upsert of `rowCount` rows of `columns`. */
  protected abstract upsertTasksSql(columns: readonly TaskColumn[], rowCount: number, options: UpsertOptions): string;

  /** Writes rows with distinct task ids (one value per column, in `columns` order). */
  async upsertTasks(columns: readonly TaskColumn[], rows: readonly unknown[][], options: UpsertOptions): Promise<void> {
    // The common case, one statement, without splitting the rows into chunks first.
    if (rows.length <= this.maxRowsPerStatement && this.fitsOneStatement(rows.length)) return this.#upsertChunk(columns, rows, options);
    await Promise.all(this.chunkRows(rows).map((chunk) => this.#upsertChunk(columns, chunk, options)));
  }

  /** True when `rowCount` rows go out as one statement (MySQL prepares only power-of-two sizes). */
  protected fitsOneStatement(_rowCount: number): boolean {
    return true;
  }

  // The statement texts by options object, columns array and row count: the adapter keeps one of
  // each, so no key is built per store.
  readonly #upserts = new WeakMap<UpsertOptions, WeakMap<readonly TaskColumn[], Map<number, string>>>();

  async #upsertChunk(columns: readonly TaskColumn[], rows: readonly unknown[][], options: UpsertOptions): Promise<void> {
    let byColumns = this.#upserts.get(options);
    if (!byColumns) this.#upserts.set(options, (byColumns = new WeakMap()));
    let bySize = byColumns.get(columns);
    if (!bySize) byColumns.set(columns, (bySize = new Map()));
    let sql = bySize.get(rows.length);
    if (sql === undefined) bySize.set(rows.length, (sql = this.upsertTasksSql(columns, rows.length, options)));
    let params: unknown[];
    if (rows.length === 1 && options.notifyChannel === null) {
      params = rows[0]!;
    } else {
      params = [];
      for (const row of rows) for (const value of row) params.push(value);
      if (options.notifyChannel !== null) params.push(options.notifyChannel);
    }
    await this.exec.query(sql, params, { prepare: rows.length <= PREPARED_UP_TO });
  }

  /** Splits rows into statements of at most `maxRowsPerStatement`. */
  protected chunkRows<T>(rows: readonly T[]): (readonly T[])[] {
    const chunks: (readonly T[])[] = [];
    for (let i = 0; i < rows.length; i += this.maxRowsPerStatement) chunks.push(rows.slice(i, i + this.maxRowsPerStatement));
    return chunks;
  }

  /** Reads the rows of the given ids (in any order; missing ids have no row). */
  async selectTasks(columns: readonly TaskColumn[], ids: readonly string[]): Promise<Row[]> {
    if (ids.length === 0) return [];
    if (ids.length === 1) {
      const row = await this.selectTask(columns, ids[0]!);
      return row ? [row] : [];
    }
    const out: Row[] = [];
    for (let i = 0; i < ids.length; i += this.maxIdsPerSelect) {
      const chunk = this.idList(ids.slice(i, i + this.maxIdsPerSelect));
      const rows = await this.exec.query(this.#selectSql(columns, chunk.length), chunk, { prepare: chunk.length <= PREPARED_UP_TO });
      for (const row of rows) out.push(row);
    }
    return out;
  }

  /**
   * Reads the row of one id (task_id is unique: one row at most). Not `async`: the executor's
   * promise is returned as it is, not wrapped in another one (every `getTaskMeta` passes here).
   */
  selectTask(columns: readonly TaskColumn[], id: string): Promise<Row | undefined> {
    try {
      const sql = this.#selectSql(columns, 1);
      if (this.exec.queryOne) return this.exec.queryOne(sql, [id]);
      return this.exec.query(sql, [id], { prepare: true }).then((rows) => rows[0]);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // Looked up by the columns array itself (the adapter keeps one), then by the number of ids:
  // no key is built on the hot path.
  readonly #selects = new WeakMap<readonly TaskColumn[], Map<number, string>>();

  #selectSql(columns: readonly TaskColumn[], count: number): string {
    let bySize = this.#selects.get(columns);
    if (!bySize) this.#selects.set(columns, (bySize = new Map()));
    let sql = bySize.get(count);
    if (sql === undefined) {
      const list = columns.map((c) => (c === 'date_done' ? `${this.dateDoneExpression()} AS date_done` : this.quote(c))).join(', ');
      const where = count === 1 ? `task_id = ${this.placeholder(1)}` : `task_id IN (${this.placeholders(1, count)})`;
      sql = `SELECT ${list} FROM ${this.qualified(this.tables.task)} WHERE ${where}`;
      bySize.set(count, sql);
    }
    return sql;
  }

  /** The ids as bound to an `IN` list (MySQL pads them, see there). */
  protected idList(ids: readonly string[]): readonly string[] {
    return ids;
  }

  /**
   * Keyset pagination for migration: at most `limit` rows with `id` above `afterId`, in `id`
   * order, with their `id`. `limit` is an integer this package computed, never user text.
   */
  async selectPage(kind: TableKind, columns: readonly string[], afterId: number, limit: number): Promise<Row[]> {
    const list = ['id', ...columns].map((c) => (c === 'date_done' ? `${this.dateDoneExpression()} AS date_done` : this.quote(c))).join(', ');
    const sql = this.cached(`page:${kind}:${columns.join(',')}:${limit}`, () =>
      `SELECT ${list} FROM ${this.qualified(this.tableOf(kind))} WHERE id > ${this.placeholder(1)} ORDER BY id LIMIT ${Math.floor(limit)}`,
    );
    return this.exec.query(sql, [afterId]);
  }

  /** How many rows a table has. */
  async countRows(kind: TableKind): Promise<number> {
    const sql = this.cached(`count:${kind}`, () => `SELECT COUNT(*) AS n FROM ${this.qualified(this.tableOf(kind))}`);
    const [row] = await this.exec.query(sql, []);
    return Number(row?.n ?? 0);
  }

  async deleteTask(taskId: string): Promise<number> {
    const sql = this.cached('delete-task', () => `DELETE FROM ${this.qualified(this.tables.task)} WHERE task_id = ${this.placeholder(1)}`);
    return this.exec.execute(sql, [taskId], { prepare: true });
  }

  // ---- group rows ---------------------------------------------------------------------------

  /** The upsert of `rowCount` group rows (`taskset_id, result, date_done` each). */
  protected abstract upsertGroupSql(idFromSequence: boolean, rowCount: number): string;

  async upsertGroup(groupId: string, result: Uint8Array, dateDone: string, idFromSequence: boolean): Promise<void> {
    await this.upsertGroups([[groupId, result, dateDone]], idFromSequence);
  }

  /** Writes group rows with distinct ids, `maxRowsPerStatement` per statement. */
  async upsertGroups(rows: readonly (readonly [groupId: string, result: Uint8Array, dateDone: string])[], idFromSequence: boolean): Promise<void> {
    await Promise.all(
      this.chunkRows(rows).map((chunk) => {
        const sql = this.cached(`upsert-groups:${idFromSequence}:${chunk.length}`, () => this.upsertGroupSql(idFromSequence, chunk.length));
        return this.exec.execute(sql, chunk.flat(), { prepare: chunk.length <= PREPARED_UP_TO });
      }),
    );
  }

  async selectGroup(groupId: string): Promise<Row | null> {
    const sql = this.cached(
      'select-group',
      () =>
        `SELECT taskset_id, result, ${this.dateDoneExpression()} AS date_done FROM ${this.qualified(this.tables.group)} WHERE taskset_id = ${this.placeholder(1)}`,
    );
    const rows = await this.exec.query(sql, [groupId], { prepare: true });
    return rows[0] ?? null;
  }

  /** Reads the group rows of the given ids (in any order; missing ids have no row), one `IN` list per chunk. */
  async selectGroups(groupIds: readonly string[]): Promise<Row[]> {
    const out: Row[] = [];
    for (let i = 0; i < groupIds.length; i += this.maxIdsPerSelect) {
      const chunk = this.idList(groupIds.slice(i, i + this.maxIdsPerSelect));
      const sql = this.cached(
        `select-groups:${chunk.length}`,
        () =>
          `SELECT taskset_id, result, ${this.dateDoneExpression()} AS date_done FROM ${this.qualified(this.tables.group)} ` +
          `WHERE taskset_id IN (${this.placeholders(1, chunk.length)})`,
      );
      for (const row of await this.exec.query(sql, chunk, { prepare: chunk.length <= PREPARED_UP_TO })) out.push(row);
    }
    return out;
  }

  async deleteGroup(groupId: string): Promise<number> {
    const sql = this.cached('delete-group', () => `DELETE FROM ${this.qualified(this.tables.group)} WHERE taskset_id = ${this.placeholder(1)}`);
    return this.exec.execute(sql, [groupId], { prepare: true });
  }

  // ---- cleanup ------------------------------------------------------------------------------

  /** Deletes at most `limit` rows whose `date_done` is before `olderThan`; returns how many. */
  async deleteExpired(kind: TableKind, olderThan: string, limit: number): Promise<number> {
    return this.exec.execute(this.deleteBatchSql(kind, `date_done < ${this.placeholder(1)}`, limit), [olderThan]);
  }

  /** Deletes at most `limit` rows with no `date_done` (optionally only those `statuses`); returns how many. */
  async deleteUnready(statuses: readonly string[] | null, limit: number): Promise<number> {
    const where = statuses?.length ? `date_done IS NULL AND status IN (${this.placeholders(1, statuses.length)})` : 'date_done IS NULL';
    return this.exec.execute(this.deleteBatchSql('task', where, limit), statuses ?? []);
  }

  /** One bounded DELETE; `limit` is an integer this package computed, never user text. */
  protected deleteBatchSql(kind: TableKind, where: string, limit: number): string {
    const table = this.qualified(this.tableOf(kind));
    return `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE ${where} LIMIT ${Math.floor(limit)})`;
  }

  // ---- notifications ------------------------------------------------------------------------

  /** Sends `payload` on the notification `channel` (only where `supportsNotify`). */
  async notify(_channel: string, _payload: string): Promise<void> {
    throw new NotSupportedError(`${this.displayName} has no notifications; waits poll.`);
  }

  // ---- errors -------------------------------------------------------------------------------

  /** True for errors worth retrying: the connection was lost or refused, a lock or deadlock. */
  abstract isRetryable(error: unknown): boolean;

  /**
   * True when the server refused the configuration itself: a wrong user or password, an unknown
   * database, TLS it does not speak, a file that cannot be opened. Retrying does not help.
   */
  abstract isRefusal(error: unknown): boolean;

  /** How a failure of this database reaches the user (see core's `backendError`). */
  failureKind(error: unknown): FailureKind {
    if (this.isRefusal(error)) return 'configuration';
    if (this.isRetryable(error)) return 'unavailable';
    return 'operation';
  }
}
