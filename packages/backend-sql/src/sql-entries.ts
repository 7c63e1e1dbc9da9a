import {
  decodeBytesExactly,
  EXCEPTION_STATES,
  PyTuple,
  RemoteTaskError,
  type Codec,
  type EntryPage,
  type EntryRef,
  type ResultTuple,
  type ScanOptions,
  type StoredEntries,
  type StoredEntry,
  type WriteEntriesOptions,
  type WriteOutcome,
} from '@resultkit/core';
import { dumps, loads, PickledGroupResult, PickledObject } from '@resultkit/serializer-pickle';
import { fromTuple } from './row-codec.js';
import type { Dialect, UpsertOptions } from './engines/dialect.js';
import type { Schema } from './schema.js';
import type { TaskColumn } from './tables.js';

const DEFAULT_PAGE = 500;

export interface SqlEntriesInit {
  dialect: Dialect;
  schema: Schema;
  codec: Codec;
  readColumns: readonly TaskColumn[];
  upsert: UpsertOptions;
  groupIdFromSequence: boolean;
  pickleProtocol: 2 | 3 | 4 | 5;
}

/**
 * The rows of `celery_taskmeta` and `celery_tasksetmeta`, for migration: keyset pages ordered by
 * `id` (the cursor is the table and the last id: `task:<id>`, `group:<id>`), copied column for
 * column between databases of the same format, and otherwise through the Celery document with
 * the pickled `result` read exactly.
 */
export class SqlEntries implements StoredEntries {
  readonly layout = 'row' as const;
  readonly format: string;
  readonly #init: SqlEntriesInit;
  readonly #digits: number;
  /** How copied rows are written: no NOTIFY, and the SUCCESS guard always (see `writeEntries`). */
  readonly #copyUpsert: UpsertOptions;

  constructor(init: SqlEntriesInit) {
    this.#init = init;
    this.#copyUpsert = { ...init.upsert, notifyChannel: null, preserveSuccess: true };
    this.#digits = init.schema.task.columns.get('date_done')?.fractionalDigits ?? 6;
    // Equal formats copy rows as they are: the same serializer (args, kwargs) and the same
    // date_done precision (a DATETIME without fractions would cut microseconds).
    this.format = `row:${init.codec.contentType}:${Math.min(6, this.#digits)}`;
  }

  async *scan(options: ScanOptions = {}): AsyncIterable<EntryPage> {
    const size = options.pageSize ?? DEFAULT_PAGE;
    const m = /^(task|group):(\d+)$/.exec(options.from ?? 'task:0');
    if (!m) throw new TypeError(`Not a SQL migration cursor: ${options.from}`);
    let kind = m[1] as 'task' | 'group';
    let after = Number(m[2]);
    for (;;) {
      const columns = kind === 'task' ? this.#init.readColumns : ['taskset_id', 'result', 'date_done'];
      const rows = await this.#init.dialect.selectPage(kind, columns, after, size);
      const entries = rows.map((row) => this.#entry(kind, row));
      if (rows.length) after = Number(rows[rows.length - 1]!.id);
      if (rows.length < size) {
        if (kind === 'group') {
          yield { entries, cursor: null };
          return;
        }
        kind = 'group';
        after = 0;
        yield { entries, cursor: 'group:0' };
        continue;
      }
      yield { entries, cursor: `${kind}:${after}` };
    }
  }

  async count(): Promise<number> {
    const [tasks, groups] = await Promise.all([this.#init.dialect.countRows('task'), this.#init.dialect.countRows('group')]);
    return tasks + groups;
  }

  /** Two statements at most (one `IN` list per table), however many refs. */
  async readEntries(refs: readonly EntryRef[]): Promise<(StoredEntry | null)[]> {
    const { dialect, readColumns } = this.#init;
    const taskIds = refs.filter((r) => r.kind === 'task').map((r) => r.id);
    const groupIds = refs.filter((r) => r.kind === 'group').map((r) => r.id);
    const [taskRows, groupRows] = await Promise.all([dialect.selectTasks(readColumns, taskIds), groupIds.length ? dialect.selectGroups(groupIds) : []]);
    const tasks = this.#byId(taskRows, 'task_id');
    const groups = this.#byId(groupRows, 'taskset_id');
    return refs.map((ref) => {
      const row = (ref.kind === 'task' ? tasks : groups)(ref.id);
      return row ? this.#entry(ref.kind, row) : null;
    });
  }

  /**
   * One read of what the target has and one multi-row upsert per page and table. Copied rows
   * send no NOTIFY: a result that was already stored in the source has nobody waiting for it on
   * the target, and the notifications would double the cost of every page on PostgreSQL.
   */
  async writeEntries(entries: readonly StoredEntry[], options: WriteEntriesOptions): Promise<WriteOutcome[]> {
    const current = await this.readEntries(entries);
    const outcomes: WriteOutcome[] = [];
    const tasks: StoredEntry[] = [];
    const groups: StoredEntry[] = [];
    entries.forEach((entry, i) => {
      const stored = current[i];
      if (stored && options.existing === 'skip') outcomes.push('skipped');
      else if (stored && entry.kind === 'task' && stored.row!.status === 'SUCCESS') outcomes.push('kept');
      else {
        outcomes.push('written');
        (entry.kind === 'task' ? tasks : groups).push(entry);
      }
    });
    const { dialect, readColumns } = this.#init;
    const writes: Promise<void>[] = [];
    if (tasks.length) {
      const values = tasks.map((e) => readColumns.map((c) => (c === 'date_done' ? this.#timestamp(e.row!.date_done) : (e.row![c] ?? null))));
      // The SUCCESS guard holds even for a row written between the read above and this write.
      writes.push(dialect.upsertTasks(readColumns, values, this.#copyUpsert));
    }
    if (groups.length) {
      const now = this.#timestamp(new Date().toISOString())!;
      const rows = groups.map((group) => [group.id, group.row!.result as Uint8Array, this.#timestamp(group.row!.date_done) ?? now] as const);
      writes.push(dialect.upsertGroups(rows, this.#init.groupIdFromSequence));
    }
    await Promise.all(writes);
    return outcomes;
  }

  /** Finds a row by id, as the database compares ids (case-insensitively on MySQL). */
  #byId(rows: readonly Record<string, unknown>[], column: string): (id: string) => Record<string, unknown> | undefined {
    const exact = new Map(rows.map((row) => [String(row[column]), row]));
    if (!this.#init.dialect.caseInsensitiveIds) return (id) => exact.get(id);
    const folded = new Map(rows.map((row) => [String(row[column]).toLowerCase(), row]));
    return (id) => exact.get(id) ?? folded.get(id.toLowerCase());
  }

  decodeEntry(entry: StoredEntry): Record<string, unknown> {
    const row = entry.row!;
    if (entry.kind === 'group') {
      const value = loads(row.result as Uint8Array, { exact: true }) as { asTuple?: () => unknown };
      return { result: value?.asTuple ? value.asTuple() : value, date_done: isoOf(row.date_done) };
    }
    const status = String(row.status);
    const exception = EXCEPTION_STATES.has(status);
    const raw = row.result === null || row.result === undefined ? null : loads(row.result as Uint8Array, { strict: !exception, exact: true });
    const document: Record<string, unknown> = {
      status,
      result: exception ? exceptionDocument(raw) : raw,
      traceback: row.traceback ?? null,
      children: null,
      date_done: isoOf(row.date_done),
    };
    for (const column of ['group_id', 'parent_id', 'name', 'worker', 'retries', 'queue'] as const) if (row[column] !== undefined && row[column] !== null) document[column] = row[column];
    // Read exactly, as the result is: `3.0` in args stays a float, so a narrowing is seen.
    for (const column of ['args', 'kwargs'] as const) if (row[column] instanceof Uint8Array) document[column] = decodeBytesExactly(this.#init.codec, row[column]);
    document.task_id = entry.id;
    return document;
  }

  encodeEntry(ref: EntryRef, document: Record<string, unknown>): StoredEntry {
    const protocol = this.#init.pickleProtocol;
    if (ref.kind === 'group') {
      const [, members] = document.result as ResultTuple;
      const pickled = new PickledGroupResult(ref.id, ((members ?? []) as ResultTuple[]).map(fromTuple));
      return { kind: 'group', id: ref.id, row: { taskset_id: ref.id, result: dumps(pickled, { protocol }), date_done: document.date_done ?? null } };
    }
    const status = String(document.status);
    let result = document.result ?? null;
    if (EXCEPTION_STATES.has(status) && result && typeof result === 'object') {
      const doc = result as { exc_type?: string; exc_module?: string; exc_message?: unknown };
      const args = Array.isArray(doc.exc_message) ? doc.exc_message : [doc.exc_message];
      // Celery's exception dict, as the pickler writes a RemoteTaskError (arguments as a tuple),
      // built directly: an Error per row would capture a stack trace for nothing.
      result = { exc_type: String(doc.exc_type ?? 'Exception'), exc_message: PyTuple.of(...args), exc_module: doc.exc_module ?? 'builtins' };
    }
    const row: Record<string, unknown> = {
      task_id: ref.id,
      status,
      result: result === null ? null : dumps(result, { protocol }),
      date_done: document.date_done ?? null,
      traceback: document.traceback ?? null,
    };
    for (const column of ['group_id', 'parent_id', 'name', 'worker', 'retries', 'queue'] as const) if (document[column] !== undefined) row[column] = document[column];
    for (const column of ['args', 'kwargs'] as const) if (document[column] !== undefined && document[column] !== null) row[column] = this.#init.codec.encode(document[column]);
    // Only columns this table has are kept, as the table will hold them.
    for (const key of Object.keys(row)) if (!this.#init.readColumns.includes(key as TaskColumn)) delete row[key];
    row.date_done = this.#timestamp(row.date_done);
    return { kind: 'task', id: ref.id, row: { ...row, date_done: row.date_done === null ? null : isoOf(row.date_done) } };
  }

  #entry(kind: 'task' | 'group', row: Record<string, unknown>): StoredEntry {
    const { id: _id, ...columns } = row;
    return { kind, id: String(kind === 'task' ? row.task_id : row.taskset_id), row: columns };
  }

  /** date_done as this table writes it: UTC wall time cut to the column's fractional digits. */
  #timestamp(value: unknown): string | null {
    const iso = isoOf(value);
    if (iso === null) return null;
    const [date, time = '00:00:00'] = iso.split('T');
    const [hms, frac = ''] = time.split('.');
    const digits = Math.min(6, this.#digits);
    return digits > 0 ? `${date} ${hms}.${frac.padEnd(6, '0').slice(0, digits)}` : `${date} ${hms}`;
  }
}

/** UTC wall time as naive ISO text with microseconds (what Celery 5.2 writes into key/value stores). */
function isoOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString().slice(0, 23) + '000';
  const text = String(value);
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?\d*\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  if (!m) return text;
  let wall = `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(6, '0')}`;
  const zone = m[4];
  if (zone && zone !== 'Z' && !/^[+-]00:?00$/.test(zone)) {
    const sign = zone[0] === '-' ? 1 : -1;
    const digits = zone.slice(1).replace(':', '');
    const shifted = Date.parse(`${wall.slice(0, 19)}Z`) + sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
    wall = `${new Date(shifted).toISOString().slice(0, 19)}.${wall.slice(20)}`;
  }
  return wall;
}

/**
 * Celery's exception dict for a stored exception: `{exc_type, exc_message: [args...], exc_module}`.
 * The arguments are a list, as key/value stores keep them: Celery rebuilds the exception from a
 * list or a tuple alike, and the row is always written with a tuple, as Celery writes it.
 */
function exceptionDocument(value: unknown): unknown {
  if (value instanceof RemoteTaskError) return { exc_type: value.excType, exc_message: [...value.excArgs], exc_module: value.excModule };
  if (value instanceof PickledObject && value.name) return { exc_type: value.name, exc_message: [...value.args], exc_module: value.module || null };
  const dict = value as { exc_type?: unknown; exc_message?: unknown } | null;
  if (dict && typeof dict === 'object' && 'exc_type' in dict && Array.isArray(dict.exc_message)) return { ...dict, exc_message: [...dict.exc_message] };
  return value;
}

