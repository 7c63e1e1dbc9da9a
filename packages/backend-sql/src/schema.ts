/**
 * Creates Celery's tables when they are missing and migrates a table Celery created without the
 * extended columns (Celery has no migrations: turning `result_extended` on against an existing
 * table breaks it, celery#5661). Every step is idempotent and runs under a lock shared with
 * other resultkit processes, so many workers starting at once do the work once.
 */
import { ConfigurationError } from '@resultkit/core';
import type { SqlExecutor } from './engines/executor.js';
import type { Dialect, TableKind } from './engines/dialect.js';
import { BASE_TASK_COLUMNS, EXTENDED_COLUMNS, GROUP_COLUMNS, RELATION_COLUMNS, type TableShape } from './tables.js';

export interface SchemaOptions {
  /** Create what is missing (Celery's `database_create_tables_at_setup`). */
  createTables: boolean;
  /** Add (and use) the `group_id` / `parent_id` columns. */
  relationColumns: boolean;
  /** Extended results will be written: the table must have (or get) the extended columns. */
  extended: boolean;
}

export interface Schema {
  task: TableShape;
  group: TableShape;
}

/** The columns a table should have. Extended columns are always added: Celery's `TaskExtended` table is the superset. */
function wantedColumns(kind: TableKind, options: SchemaOptions): string[] {
  if (kind === 'group') return [...GROUP_COLUMNS];
  return [...BASE_TASK_COLUMNS, ...EXTENDED_COLUMNS, ...(options.relationColumns ? RELATION_COLUMNS : [])];
}

/** The statements that bring one table to what is wanted. */
export function migrationPlan(dialect: Dialect, kind: TableKind, shape: TableShape, options: SchemaOptions): string[] {
  if (!shape.exists) return dialect.createTable(kind, wantedColumns(kind, options));
  const statements: string[] = [];
  const missing = wantedColumns(kind, options).filter((c) => !shape.columns.has(c));
  statements.push(...dialect.addColumns(kind, missing));
  // PostgreSQL, MariaDB: `id` comes from a sequence that must exist.
  if (!shape.columns.get('id')?.hasDefault && shape.sequence === false) {
    statements.push(...dialect.createSequence(kind));
  }
  if (!shape.dateDoneIndex) statements.push(dialect.createDateDoneIndex(kind));
  return statements;
}

async function introspectBoth(dialect: Dialect, connection: SqlExecutor): Promise<Schema> {
  return { task: await dialect.introspect(connection, 'task'), group: await dialect.introspect(connection, 'group') };
}

/**
 * Looks at the tables and, with `createTables`, creates or migrates them. Returns what the
 * database has afterwards, which decides the columns every statement uses.
 */
export async function prepareSchema(dialect: Dialect, options: SchemaOptions): Promise<Schema> {
  let schema = await introspectBoth(dialect, dialect.exec);
  const pending = (s: Schema) => migrationPlan(dialect, 'task', s.task, options).length + migrationPlan(dialect, 'group', s.group, options).length;
  if (options.createTables && pending(schema) > 0) {
    await dialect.underSchemaLock(async (connection) => {
      // Looked at again under the lock: another process may have done the work meanwhile.
      const current = await introspectBoth(dialect, connection);
      for (const kind of ['task', 'group'] as const) {
        for (const statement of migrationPlan(dialect, kind, current[kind], options)) await connection.query(statement);
      }
    });
    schema = await introspectBoth(dialect, dialect.exec);
  }
  check(dialect, schema, options);
  return schema;
}

function check(dialect: Dialect, schema: Schema, options: SchemaOptions): void {
  const hint = options.createTables ? '' : ' Create it (Celery does on first use) or leave createTables on.';
  for (const kind of ['task', 'group'] as const) {
    const shape = schema[kind];
    const table = dialect.qualified(kind === 'task' ? dialect.tables.task : dialect.tables.group);
    if (!shape.exists) throw new ConfigurationError(`The table ${table} does not exist.${hint}`);
    const base = kind === 'task' ? BASE_TASK_COLUMNS : GROUP_COLUMNS;
    const missing = base.filter((c) => !shape.columns.has(c));
    if (missing.length) throw new ConfigurationError(`The table ${table} has no column ${missing.join(', ')}: it is not a Celery result table.`);
  }
  if (options.extended) {
    const missing = EXTENDED_COLUMNS.filter((c) => !schema.task.columns.has(c));
    if (missing.length) {
      throw new ConfigurationError(
        `extended is on but ${dialect.qualified(dialect.tables.task)} has no column ${missing.join(', ')}.` +
          (options.createTables ? '' : ' Leave createTables on to add them, or add them yourself.'),
      );
    }
  }
}
