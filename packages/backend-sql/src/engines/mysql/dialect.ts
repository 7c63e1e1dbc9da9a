/**
 * MySQL and MariaDB. Celery's tables: `result BLOB` (64 KiB), `date_done DATETIME` with no
 * fractional seconds, `traceback TEXT`; `id INTEGER AUTO_INCREMENT` on MySQL, but on MariaDB
 * 10.3+ (which has sequences) SQLAlchemy creates the sequences `task_id_sequence` /
 * `taskset_id_sequence`, gives `id` no default and inserts `nextval(...)` itself, as on
 * PostgreSQL. Tables created here do exactly the same on MariaDB, and use LONGBLOB and MEDIUMTEXT, which Celery reads and writes the same way; on a
 * table Celery created, a value over the column's size is refused before it is sent.
 */
import { TimeoutError, errorChain, isTlsFailure, TRANSIENT_SOCKET_CODES } from '@resultkit/core';
import type { SqlExecutor } from '../executor.js';
import { dateDoneIndexName, type ColumnInfo, type TableShape, type TaskColumn } from '../../tables.js';
import { Dialect, type TableKind, type UpsertOptions } from '../dialect.js';

const TYPES: Record<string, string> = {
  task_id: 'VARCHAR(155)',
  taskset_id: 'VARCHAR(155)',
  status: 'VARCHAR(50)',
  result: 'LONGBLOB',
  date_done: 'DATETIME',
  traceback: 'MEDIUMTEXT',
  name: 'VARCHAR(155)',
  args: 'LONGBLOB',
  kwargs: 'LONGBLOB',
  worker: 'VARCHAR(155)',
  retries: 'INTEGER',
  queue: 'VARCHAR(155)',
  group_id: 'VARCHAR(155)',
  parent_id: 'VARCHAR(155)',
};

/** mysql2's codes for a lost or refused connection, and the server's for lock waits, deadlocks and shutdowns. */
const RETRYABLE_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED',
  'ER_CLIENT_INTERACTION_TIMEOUT',
]);
/** The same by number (2006 gone away, 2013 lost during query, 1053 shutdown, 1040 too many, 1205 lock wait, 1213 deadlock). */
const RETRYABLE_ERRNOS = new Set([2002, 2003, 2006, 2013, 1053, 1040, 1205, 1213, 4031]);

/**
 * A refused login, an unknown database, TLS the server does not offer, a server certificate
 * that does not verify (mysql2 reports Node's verification failure as HANDSHAKE_SSL_ERROR,
 * without Node's own code).
 */
const REFUSED_CODES = new Set([
  'ER_ACCESS_DENIED_ERROR',
  'ER_ACCESS_DENIED_NO_PASSWORD_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'ER_NOT_SUPPORTED_AUTH_MODE',
  'HANDSHAKE_NO_SSL_SUPPORT',
  'HANDSHAKE_SSL_ERROR',
  'AUTH_SWITCH_PLUGIN_ERROR',
]);

const LOCK_TIMEOUT_SECONDS = 30;

export class MysqlDialect extends Dialect {
  readonly name = 'mysql' as const;
  readonly displayName = 'MySQL';
  override readonly caseInsensitiveIds = true;
  /** Statements are prepared per connection; power-of-two sizes keep their number small (see `chunkRows`). */
  protected readonly maxRowsPerStatement = 256;
  protected override readonly maxIdsPerSelect = 1024;
  /** MariaDB 10.3+ has sequences (and SQLAlchemy uses them for Celery's `id`); found by `introspect`. */
  #sequences: boolean | undefined;

  quote(identifier: string): string {
    return `\`${identifier.replace(/`/g, '``')}\``;
  }

  placeholder(): string {
    return '?';
  }

  // UTC wall time as text, whatever `dateStrings`/`timezone` the pool (perhaps the user's) has.
  protected override dateDoneExpression(): string {
    return `DATE_FORMAT(date_done, '%Y-%m-%dT%H:%i:%s.%f')`;
  }

  // ---- schema -------------------------------------------------------------------------------

  async introspect(connection: SqlExecutor, kind: TableKind): Promise<TableShape> {
    const table = this.tableOf(kind);
    const schema = table.schema ?? null;
    if (this.#sequences === undefined) {
      const [version] = await connection.query('SELECT VERSION() AS v');
      const match = /^(\d+)\.(\d+).*mariadb/i.exec(String(version?.v ?? ''));
      this.#sequences = match !== null && (Number(match[1]) > 10 || (Number(match[1]) === 10 && Number(match[2]) >= 3));
    }
    const rows = await connection.query(
      `SELECT COLUMN_NAME AS name, DATA_TYPE AS type, CHARACTER_MAXIMUM_LENGTH AS chars, CHARACTER_OCTET_LENGTH AS bytes,
              DATETIME_PRECISION AS fsp, EXTRA AS extra, COLUMN_DEFAULT AS dflt
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?`,
      [schema, table.name],
    );
    const columns = new Map<string, ColumnInfo>();
    for (const row of rows) {
      const type = String(row.type).toLowerCase();
      const binary = type.endsWith('blob') || type.endsWith('text');
      const limit = binary ? row.bytes : row.chars;
      columns.set(String(row.name).toLowerCase(), {
        maxLength: limit === null || limit === undefined ? undefined : Number(limit),
        fractionalDigits: row.fsp === null || row.fsp === undefined ? undefined : Number(row.fsp),
        hasDefault: /auto_increment/i.test(String(row.extra ?? '')) || row.dflt !== null,
      });
    }
    const indexed = await connection.query(
      `SELECT 1 AS found FROM information_schema.STATISTICS
        WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? AND COLUMN_NAME = 'date_done' AND SEQ_IN_INDEX = 1 LIMIT 1`,
      [schema, table.name],
    );
    const shape: TableShape = { exists: columns.size > 0, columns, dateDoneIndex: indexed.length > 0 };
    if (this.#sequences) {
      const sequence = this.#sequenceOf(kind);
      const found = await connection.query(
        `SELECT 1 AS found FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? AND TABLE_TYPE = 'SEQUENCE'`,
        [sequence.schema ?? null, sequence.name],
      );
      shape.sequence = found.length > 0;
    }
    return shape;
  }

  #sequenceOf(kind: TableKind) {
    return kind === 'task' ? this.tables.taskSequence : this.tables.groupSequence;
  }

  async underSchemaLock<T>(work: (connection: SqlExecutor) => Promise<T>): Promise<T> {
    // DDL commits implicitly in MySQL, so a session lock (held by one connection) serializes
    // resultkit processes creating the same tables at the same time.
    return this.exec.withConnection(async (connection) => {
      const name = `resultkit:schema:${this.qualified(this.tables.task)}`.slice(0, 64);
      const [got] = await connection.query(`SELECT GET_LOCK(?, ${LOCK_TIMEOUT_SECONDS}) AS got`, [name]);
      if (Number(got?.got) !== 1) {
        throw new TimeoutError(
          `Timed out after ${LOCK_TIMEOUT_SECONDS} s waiting for the schema lock ${name}: another process is creating the tables. ` +
            `Try again, or create the tables beforehand and pass createTables: false.`,
        );
      }
      try {
        return await work(connection);
      } finally {
        await connection.query('SELECT RELEASE_LOCK(?)', [name]).catch(() => {});
      }
    });
  }

  createTable(kind: TableKind, columns: readonly string[]): string[] {
    const table = this.tableOf(kind);
    const key = kind === 'task' ? 'task_id' : 'taskset_id';
    const sequence = this.qualified(this.#sequenceOf(kind));
    return [
      ...(this.#sequences ? [`CREATE SEQUENCE IF NOT EXISTS ${sequence}`] : []),
      // On MariaDB, as SQLAlchemy does: no default, every insert names the sequence. (A
      // `DEFAULT (NEXT VALUE FOR ...)` column crashes MariaDB 10.11 on multi-row prepared inserts.)
      `CREATE TABLE IF NOT EXISTS ${this.qualified(table)} (
        id INTEGER NOT NULL${this.#sequences ? '' : ' AUTO_INCREMENT'},
        ${columns.map((c) => `${this.quote(c)} ${TYPES[c]} NULL`).join(',\n        ')},
        PRIMARY KEY (id),
        UNIQUE (${key}),
        INDEX ${this.quote(dateDoneIndexName(table))} (date_done)
      ) DEFAULT CHARSET = utf8mb4`,
    ];
  }

  override createSequence(kind: TableKind): string[] {
    if (!this.#sequences) return [];
    const table = this.qualified(this.tableOf(kind));
    const sequence = this.qualified(this.#sequenceOf(kind));
    // A sequence created for a table that already has rows starts after its largest id.
    return [`CREATE SEQUENCE IF NOT EXISTS ${sequence}`, `SELECT SETVAL(${sequence}, (SELECT COALESCE(MAX(id), 0) FROM ${table}))`];
  }

  addColumns(kind: TableKind, columns: readonly string[]): string[] {
    if (!columns.length) return [];
    const table = this.qualified(this.tableOf(kind));
    return [`ALTER TABLE ${table} ${columns.map((c) => `ADD COLUMN ${this.quote(c)} ${TYPES[c]} NULL`).join(', ')}`];
  }

  createDateDoneIndex(kind: TableKind): string {
    const table = this.tableOf(kind);
    return `CREATE INDEX ${this.quote(dateDoneIndexName(table))} ON ${this.qualified(table)} (date_done)`;
  }

  // ---- rows ---------------------------------------------------------------------------------

  /**
   * Power-of-two chunks (37 rows: 32 + 4 + 1): mysql2 prepares each distinct statement once per
   * connection, and the server caps prepared statements (`max_prepared_stmt_count`), so only a
   * handful of sizes are ever prepared.
   */
  protected override chunkRows<T>(rows: readonly T[]): (readonly T[])[] {
    const chunks: (readonly T[])[] = [];
    let i = 0;
    while (i < rows.length) {
      let size = this.maxRowsPerStatement;
      while (size > rows.length - i) size >>= 1;
      chunks.push(rows.slice(i, i + size));
      i += size;
    }
    return chunks;
  }

  protected override fitsOneStatement(rowCount: number): boolean {
    return (rowCount & (rowCount - 1)) === 0;
  }

  /** Pads an `IN` list to a power of two by repeating the last id (a repeated id matches the same row once). */
  protected override idList(ids: readonly string[]): readonly string[] {
    let size = 1;
    while (size < ids.length) size <<= 1;
    if (size === ids.length) return ids;
    const padded = [...ids];
    while (padded.length < size) padded.push(ids[ids.length - 1]!);
    return padded;
  }

  protected upsertTasksSql(columns: readonly TaskColumn[], rowCount: number, options: UpsertOptions): string {
    const id = options.idFromSequence ? `NEXT VALUE FOR ${this.qualified(this.tables.taskSequence)}, ` : '';
    const row = `(${id}${columns.map(() => '?').join(', ')})`;
    const values = Array.from({ length: rowCount }, () => row).join(', ');
    // MySQL evaluates the assignments left to right, each seeing the ones before it: `status`
    // is assigned last so that every guard still sees the stored status.
    const assign = (c: string): string => {
      const q = this.quote(c);
      return options.preserveSuccess ? `${q} = IF(status <=> 'SUCCESS', ${q}, VALUES(${q}))` : `${q} = VALUES(${q})`;
    };
    const updates = columns.filter((c) => c !== 'task_id' && c !== 'status').map(assign);
    updates.push(assign('status'));
    return (
      `INSERT INTO ${this.qualified(this.tables.task)} (${id ? 'id, ' : ''}${columns.map((c) => this.quote(c)).join(', ')}) VALUES ${values} ` +
      `ON DUPLICATE KEY UPDATE ${updates.join(', ')}`
    );
  }

  protected upsertGroupSql(idFromSequence: boolean, rowCount: number): string {
    const [idColumn, idValue] = idFromSequence ? ['id, ', `NEXT VALUE FOR ${this.qualified(this.tables.groupSequence)}, `] : ['', ''];
    const rows = Array.from({ length: rowCount }, () => `(${idValue}?, ?, ?)`).join(', ');
    return (
      `INSERT INTO ${this.qualified(this.tables.group)} (${idColumn}taskset_id, result, date_done) VALUES ${rows} ` +
      `ON DUPLICATE KEY UPDATE result = VALUES(result), date_done = VALUES(date_done)`
    );
  }

  // MySQL cannot delete from a table it selects from in a subquery; DELETE ... LIMIT does the same.
  protected override deleteBatchSql(kind: TableKind, where: string, limit: number): string {
    return `DELETE FROM ${this.qualified(this.tableOf(kind))} WHERE ${where} LIMIT ${Math.floor(limit)}`;
  }

  // ---- errors -------------------------------------------------------------------------------

  isRefusal(error: unknown): boolean {
    return errorChain(error).some((e) => {
      const code = typeof e.code === 'string' ? e.code : '';
      return REFUSED_CODES.has(code) || isTlsFailure(e);
    });
  }

  isRetryable(error: unknown): boolean {
    return errorChain(error).some((e) => {
      const code = typeof e.code === 'string' ? e.code : '';
      if (TRANSIENT_SOCKET_CODES.has(code) || RETRYABLE_CODES.has(code)) return true;
      return typeof e.errno === 'number' && RETRYABLE_ERRNOS.has(e.errno) && code !== '';
    });
  }
}
