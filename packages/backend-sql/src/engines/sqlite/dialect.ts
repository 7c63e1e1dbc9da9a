/**
 * SQLite. Celery's tables (`id INTEGER PRIMARY KEY AUTOINCREMENT`); `date_done` is text
 * `YYYY-MM-DD HH:MM:SS.ffffff`, exactly as SQLAlchemy stores a DateTime, so text comparison
 * orders it and cleanup compares strings. SQLite does not enforce VARCHAR lengths.
 */
import { errorChain } from '@resultkit/core';
import type { SqlExecutor } from '../executor.js';
import { dateDoneIndexName, type ColumnInfo, type TableShape, type TaskColumn } from '../../tables.js';
import { Dialect, type TableKind, type UpsertOptions } from '../dialect.js';

const TYPES: Record<string, string> = {
  task_id: 'VARCHAR(155)',
  taskset_id: 'VARCHAR(155)',
  status: 'VARCHAR(50)',
  result: 'BLOB',
  date_done: 'DATETIME',
  traceback: 'TEXT',
  name: 'VARCHAR(155)',
  args: 'BLOB',
  kwargs: 'BLOB',
  worker: 'VARCHAR(155)',
  retries: 'INTEGER',
  queue: 'VARCHAR(155)',
  group_id: 'VARCHAR(155)',
  parent_id: 'VARCHAR(155)',
};

export class SqliteDialect extends Dialect {
  readonly name = 'sqlite' as const;
  readonly displayName = 'SQLite';
  override readonly usesIdSequences = false;
  protected readonly maxRowsPerStatement = 500;

  quote(identifier: string): string {
    return `"${identifier.replace(/"/g, '""')}"`;
  }

  placeholder(): string {
    return '?';
  }

  #schemaPrefix(kind: TableKind): string {
    const schema = this.tableOf(kind).schema;
    return schema ? `${this.quote(schema)}.` : '';
  }

  // ---- schema -------------------------------------------------------------------------------

  async introspect(connection: SqlExecutor, kind: TableKind): Promise<TableShape> {
    const table = this.tableOf(kind);
    const prefix = this.#schemaPrefix(kind);
    const rows = await connection.query(`PRAGMA ${prefix}table_info(${this.quote(table.name)})`);
    const columns = new Map<string, ColumnInfo>();
    for (const row of rows) columns.set(String(row.name).toLowerCase(), { hasDefault: row.dflt_value !== null || Number(row.pk) === 1 });
    let dateDoneIndex = false;
    if (columns.size) {
      for (const index of await connection.query(`PRAGMA ${prefix}index_list(${this.quote(table.name)})`)) {
        const parts = await connection.query(`PRAGMA ${prefix}index_info(${this.quote(String(index.name))})`);
        if (parts.some((p) => Number(p.seqno) === 0 && p.name === 'date_done')) dateDoneIndex = true;
      }
    }
    return { exists: columns.size > 0, columns, dateDoneIndex };
  }

  async underSchemaLock<T>(work: (connection: SqlExecutor) => Promise<T>): Promise<T> {
    // BEGIN IMMEDIATE takes the database's write lock: another process creating the same
    // tables waits (up to the busy timeout) and then finds them.
    await this.exec.query('BEGIN IMMEDIATE');
    try {
      const result = await work(this.exec);
      await this.exec.query('COMMIT');
      return result;
    } catch (error) {
      await this.exec.query('ROLLBACK').catch(() => {});
      throw error;
    }
  }

  createTable(kind: TableKind, columns: readonly string[]): string[] {
    const table = this.tableOf(kind);
    const key = kind === 'task' ? 'task_id' : 'taskset_id';
    return [
      `CREATE TABLE IF NOT EXISTS ${this.qualified(table)} (
        id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
        ${columns.map((c) => `${this.quote(c)} ${TYPES[c]}`).join(',\n        ')},
        UNIQUE (${key})
      )`,
      this.createDateDoneIndex(kind),
    ];
  }

  addColumns(kind: TableKind, columns: readonly string[]): string[] {
    const table = this.qualified(this.tableOf(kind));
    return columns.map((c) => `ALTER TABLE ${table} ADD COLUMN ${this.quote(c)} ${TYPES[c]}`);
  }

  createDateDoneIndex(kind: TableKind): string {
    const table = this.tableOf(kind);
    // In SQLite the index lives in the table's schema: the prefix goes on the index name.
    return `CREATE INDEX IF NOT EXISTS ${this.#schemaPrefix(kind)}${this.quote(dateDoneIndexName(table))} ON ${this.quote(table.name)} (date_done)`;
  }

  // ---- rows ---------------------------------------------------------------------------------

  protected upsertTasksSql(columns: readonly TaskColumn[], rowCount: number, options: UpsertOptions): string {
    const row = `(${columns.map(() => '?').join(', ')})`;
    const values = Array.from({ length: rowCount }, () => row).join(', ');
    const updates = columns.filter((c) => c !== 'task_id').map((c) => `${this.quote(c)} = excluded.${this.quote(c)}`);
    let sql =
      `INSERT INTO ${this.qualified(this.tables.task)} AS cur (${columns.map((c) => this.quote(c)).join(', ')}) VALUES ${values} ` +
      `ON CONFLICT (task_id) DO UPDATE SET ${updates.join(', ')}`;
    if (options.preserveSuccess) sql += ` WHERE cur.status IS NOT 'SUCCESS'`;
    return sql;
  }

  protected upsertGroupSql(_idFromSequence: boolean, rowCount: number): string {
    const rows = Array.from({ length: rowCount }, () => '(?, ?, ?)').join(', ');
    return (
      `INSERT INTO ${this.qualified(this.tables.group)} (taskset_id, result, date_done) VALUES ${rows} ` +
      `ON CONFLICT (taskset_id) DO UPDATE SET result = excluded.result, date_done = excluded.date_done`
    );
  }

  // ---- errors -------------------------------------------------------------------------------

  isRefusal(error: unknown): boolean {
    // The file or its directory cannot be opened, or is not a database: the URL must change.
    return errorChain(error).some((e) => typeof e.code === 'string' && /^SQLITE_(CANTOPEN|NOTADB|PERM|AUTH)/.test(e.code));
  }

  isRetryable(error: unknown): boolean {
    // Another process holds the write lock past the busy timeout: worth another try.
    return errorChain(error).some((e) => typeof e.code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(e.code));
  }
}
