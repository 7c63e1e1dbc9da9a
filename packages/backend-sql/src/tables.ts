/**
 * Celery's two tables: their names, columns and what the backend learned about the ones in the
 * database (which columns exist, their sizes). Column names are Celery's (models.py).
 */
import type { ResolvedSqlOptions } from './options.js';

/** A table, optionally in a schema (a PostgreSQL schema, a MySQL database, a SQLite attached database). */
export interface TableRef {
  schema?: string;
  name: string;
}

export interface TableNames {
  task: TableRef;
  group: TableRef;
  /** Sequences for `id` on PostgreSQL and MariaDB (in the table's schema, as SQLAlchemy puts them). */
  taskSequence: TableRef;
  groupSequence: TableRef;
}

/** The columns of `celery_taskmeta` Celery's `Task` model has. */
export const BASE_TASK_COLUMNS = ['task_id', 'status', 'result', 'date_done', 'traceback'] as const;
/** The columns `TaskExtended` (`result_extended`) adds to the same table. */
export const EXTENDED_COLUMNS = ['name', 'args', 'kwargs', 'worker', 'retries', 'queue'] as const;
/** Two columns beyond Celery's (see the `relationColumns` option); Celery never reads or writes them. */
export const RELATION_COLUMNS = ['group_id', 'parent_id'] as const;
/** The columns of `celery_tasksetmeta`. */
export const GROUP_COLUMNS = ['taskset_id', 'result', 'date_done'] as const;

export type TaskColumn = (typeof BASE_TASK_COLUMNS)[number] | (typeof EXTENDED_COLUMNS)[number] | (typeof RELATION_COLUMNS)[number];

/** What the database says about one column. */
export interface ColumnInfo {
  /** Longest value: characters for VARCHAR, bytes for BLOB/TEXT; undefined when unlimited or unknown. */
  maxLength?: number;
  /** Fractional-second digits of a DATETIME/TIMESTAMP column (MySQL: 0 for Celery's DATETIME). */
  fractionalDigits?: number;
  /** The column has a default (PostgreSQL `id`: then the sequence need not be named in inserts). */
  hasDefault: boolean;
}

/** One table as found in the database. */
export interface TableShape {
  exists: boolean;
  columns: Map<string, ColumnInfo>;
  /** An index whose first column is `date_done` exists (for `cleanup()`). */
  dateDoneIndex: boolean;
  /** PostgreSQL and MariaDB: the sequence for `id` exists (undefined where there are no sequences). */
  sequence?: boolean;
}

/** The table names the options ask for. */
export function tableNames(options: Pick<ResolvedSqlOptions, 'tableNames' | 'tableSchemas' | 'sequenceNames'>): TableNames {
  const ref = (name: string, schema: string | undefined): TableRef => (schema ? { schema, name } : { name });
  return {
    task: ref(options.tableNames.task, options.tableSchemas.task),
    group: ref(options.tableNames.group, options.tableSchemas.group),
    taskSequence: ref(options.sequenceNames.task, options.tableSchemas.task),
    groupSequence: ref(options.sequenceNames.group, options.tableSchemas.group),
  };
}

/**
 * The `date_done` index name SQLAlchemy gives `index=True` (Celery 5.6 declares one), so a table
 * Celery 5.6 created is not indexed twice. Identifiers are at most 63 characters.
 */
export function dateDoneIndexName(table: TableRef): string {
  return `ix_${table.name}_date_done`.slice(0, 63);
}
