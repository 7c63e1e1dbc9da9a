/**
 * PostgreSQL. Celery's tables (SQLAlchemy 1.4's DDL): `id INTEGER` filled from the sequences
 * `task_id_sequence` / `taskset_id_sequence` (SQLAlchemy names them in every INSERT; there is no
 * column default), `date_done TIMESTAMP WITHOUT TIME ZONE` holding UTC wall time.
 */
import type { SqlExecutor } from '../executor.js';
import { dateDoneIndexName, type ColumnInfo, type TableShape, type TaskColumn } from '../../tables.js';
import { errorChain, isTlsFailure, TRANSIENT_SOCKET_CODES } from '@resultkit/core';
import { Dialect, type TableKind, type UpsertOptions } from '../dialect.js';

const TYPES: Record<string, string> = {
  task_id: 'VARCHAR(155)',
  taskset_id: 'VARCHAR(155)',
  status: 'VARCHAR(50)',
  result: 'BYTEA',
  date_done: 'TIMESTAMP WITHOUT TIME ZONE',
  traceback: 'TEXT',
  name: 'VARCHAR(155)',
  args: 'BYTEA',
  kwargs: 'BYTEA',
  worker: 'VARCHAR(155)',
  retries: 'INTEGER',
  queue: 'VARCHAR(155)',
  group_id: 'VARCHAR(155)',
  parent_id: 'VARCHAR(155)',
};

/** SQLSTATE classes and codes worth retrying: connection exceptions, shutdowns, too many connections, deadlocks. */
const RETRYABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01', '55P03']);
/** What node-postgres and pg-pool say (they set no code) when a connection breaks or cannot be made. */
/** SQLSTATEs of a refused login (28xxx) or an unknown database (3D000). */
const REFUSED_SQLSTATES = /^(28|3D000$)/;
/** What node-postgres says (with no code) when TLS was asked of a server that does not offer it. */
const REFUSED_MESSAGES = /does not support SSL connections/i;
const RETRYABLE_MESSAGES = /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection closed|server closed the connection unexpectedly/i;

export class PostgresDialect extends Dialect {
  readonly name = 'postgresql' as const;
  readonly displayName = 'PostgreSQL';
  override readonly supportsNotify = true;
  protected readonly maxRowsPerStatement = 500;

  quote(identifier: string): string {
    return `"${identifier.replace(/"/g, '""')}"`;
  }

  placeholder(index: number): string {
    return `$${index}`;
  }

  // UTC wall time as text, whatever the session's DateStyle and TimeZone, and whatever type
  // parsers the pool (perhaps the user's) has. What no Python datetime can be ('infinity', for
  // which to_char gives NULL, and BC dates, whose era it drops) is read as PostgreSQL's own text,
  // which the row codec refuses, as psycopg2 refuses it to Celery, instead of a missing or wrong date.
  protected override dateDoneExpression(): string {
    return `CASE WHEN isfinite(date_done) AND date_done >= '0001-01-01' THEN to_char(date_done, 'YYYY-MM-DD"T"HH24:MI:SS.US') ELSE date_done::text END`;
  }

  // ---- schema -------------------------------------------------------------------------------

  async introspect(connection: SqlExecutor, kind: TableKind): Promise<TableShape> {
    const table = this.tableOf(kind);
    const sequence = kind === 'task' ? this.tables.taskSequence : this.tables.groupSequence;
    const rows = await connection.query(
      `SELECT column_name, character_maximum_length, column_default, datetime_precision
         FROM information_schema.columns
        WHERE table_schema = COALESCE($1::text, current_schema()) AND table_name = $2`,
      [table.schema ?? null, table.name],
    );
    const columns = new Map<string, ColumnInfo>();
    for (const row of rows) {
      columns.set(String(row.column_name), {
        maxLength: row.character_maximum_length === null ? undefined : Number(row.character_maximum_length),
        fractionalDigits: row.datetime_precision === null ? undefined : Number(row.datetime_precision),
        hasDefault: row.column_default !== null,
      });
    }
    const [found] = await connection.query(
      `SELECT to_regclass($1) IS NOT NULL AS sequence,
              EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                       WHERE i.indrelid = to_regclass($2) AND a.attname = 'date_done') AS indexed`,
      [this.qualified(sequence), this.qualified(table)],
    );
    return { exists: columns.size > 0, columns, dateDoneIndex: found?.indexed === true, sequence: found?.sequence === true };
  }

  async underSchemaLock<T>(work: (connection: SqlExecutor) => Promise<T>): Promise<T> {
    return this.exec.withConnection(async (connection) => {
      // DDL is transactional here: the lock and every change commit (or roll back) together.
      await connection.query('BEGIN');
      try {
        await connection.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`resultkit:schema:${this.qualified(this.tables.task)}`]);
        const result = await work(connection);
        await connection.query('COMMIT');
        return result;
      } catch (error) {
        await connection.query('ROLLBACK').catch(() => {});
        throw error;
      }
    });
  }

  createTable(kind: TableKind, columns: readonly string[]): string[] {
    const table = this.tableOf(kind);
    const sequence = this.qualified(kind === 'task' ? this.tables.taskSequence : this.tables.groupSequence);
    const key = kind === 'task' ? 'task_id' : 'taskset_id';
    return [
      `CREATE SEQUENCE IF NOT EXISTS ${sequence}`,
      // Celery's DDL plus a DEFAULT on id: SQLAlchemy still names the sequence itself, and a
      // hand-written INSERT without id works too.
      `CREATE TABLE IF NOT EXISTS ${this.qualified(table)} (
        id INTEGER NOT NULL DEFAULT nextval('${sequence.replace(/'/g, "''")}'),
        ${columns.map((c) => `${this.quote(c)} ${TYPES[c]}`).join(',\n        ')},
        PRIMARY KEY (id),
        UNIQUE (${key})
      )`,
      this.createDateDoneIndex(kind),
    ];
  }

  override createSequence(kind: TableKind): string[] {
    const table = this.qualified(this.tableOf(kind));
    const sequence = this.qualified(kind === 'task' ? this.tables.taskSequence : this.tables.groupSequence);
    // A sequence created for a table that already has rows starts after its largest id.
    return [
      `CREATE SEQUENCE IF NOT EXISTS ${sequence}`,
      `SELECT setval('${sequence.replace(/'/g, "''")}', GREATEST((SELECT max(id) FROM ${table}), 0) + 1, false)`,
    ];
  }

  addColumns(kind: TableKind, columns: readonly string[]): string[] {
    if (!columns.length) return [];
    const table = this.qualified(this.tableOf(kind));
    return [`ALTER TABLE ${table} ${columns.map((c) => `ADD COLUMN IF NOT EXISTS ${this.quote(c)} ${TYPES[c]}`).join(', ')}`];
  }

  createDateDoneIndex(kind: TableKind): string {
    const table = this.tableOf(kind);
    return `CREATE INDEX IF NOT EXISTS ${this.quote(dateDoneIndexName(table))} ON ${this.qualified(table)} (date_done)`;
  }

  // ---- rows ---------------------------------------------------------------------------------

  protected upsertTasksSql(columns: readonly TaskColumn[], rowCount: number, options: UpsertOptions): string {
    const sequence = this.qualified(this.tables.taskSequence).replace(/'/g, "''");
    const names = (options.idFromSequence ? ['id'] : []).concat(columns.map((c) => this.quote(c)));
    const values: string[] = [];
    for (let r = 0; r < rowCount; r++) {
      const cells = this.placeholders(r * columns.length + 1, columns.length);
      values.push(options.idFromSequence ? `(nextval('${sequence}'), ${cells})` : `(${cells})`);
    }
    const updates = columns.filter((c) => c !== 'task_id').map((c) => `${this.quote(c)} = EXCLUDED.${this.quote(c)}`);
    let sql =
      `INSERT INTO ${this.qualified(this.tables.task)} AS cur (${names.join(', ')}) VALUES ${values.join(', ')} ` +
      `ON CONFLICT (task_id) DO UPDATE SET ${updates.join(', ')}`;
    if (options.preserveSuccess) sql += ` WHERE cur.status IS DISTINCT FROM 'SUCCESS'`;
    if (options.notifyChannel === null) return sql;
    // The NOTIFY is part of the same statement, so it is sent exactly when the write commits,
    // and only for rows actually written (a write dropped by the SUCCESS guard returns no row).
    return `WITH written AS (${sql} RETURNING task_id) SELECT pg_notify(${this.placeholder(rowCount * columns.length + 1)}, task_id) FROM written`;
  }

  protected upsertGroupSql(idFromSequence: boolean, rowCount: number): string {
    const sequence = this.qualified(this.tables.groupSequence).replace(/'/g, "''");
    const [idColumn, idValue] = idFromSequence ? ['id, ', `nextval('${sequence}'), `] : ['', ''];
    const rows = Array.from({ length: rowCount }, (_, i) => `(${idValue}${this.placeholders(3 * i + 1, 3)})`).join(', ');
    return (
      `INSERT INTO ${this.qualified(this.tables.group)} AS cur (${idColumn}taskset_id, result, date_done) ` +
      `VALUES ${rows} ON CONFLICT (taskset_id) DO UPDATE SET result = EXCLUDED.result, date_done = EXCLUDED.date_done`
    );
  }

  // ---- notifications ------------------------------------------------------------------------

  override async notify(channel: string, payload: string): Promise<void> {
    await this.exec.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  // ---- errors -------------------------------------------------------------------------------

  isRefusal(error: unknown): boolean {
    return errorChain(error).some((e) => {
      const code = typeof e.code === 'string' ? e.code : '';
      return REFUSED_SQLSTATES.test(code) || isTlsFailure(e) || (!code && typeof e.message === 'string' && REFUSED_MESSAGES.test(e.message));
    });
  }

  isRetryable(error: unknown): boolean {
    return errorChain(error).some((e) => {
      const code = typeof e.code === 'string' ? e.code : '';
      if (TRANSIENT_SOCKET_CODES.has(code) || RETRYABLE_SQLSTATES.has(code) || code.startsWith('08')) return true;
      return !code && typeof e.message === 'string' && RETRYABLE_MESSAGES.test(e.message);
    });
  }
}
