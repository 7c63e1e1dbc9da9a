/**
 * A `TaskMeta` to a `celery_taskmeta` row and back, exactly as Celery's database backend does:
 *
 * - `result` is `pickle.dumps(value)` whatever the serializer (SQLAlchemy's PickleType), read by
 *   a data-only unpickler that never executes anything. Exceptions are Celery's dict
 *   `{'exc_type', 'exc_message': (args...), 'exc_module'}` with a *tuple* of arguments.
 * - `args`/`kwargs` (extended) are the configured serializer's bytes (`Codec`).
 * - `date_done` is UTC wall time, NULL for states that are not ready.
 * - `children` is not stored (a DB reader always gets none); `group_id`/`parent_id` only in the
 *   optional relation columns.
 */
import {
  ContentDisallowedError,
  DecodeError,
  EncodeError,
  EXCEPTION_STATES,
  RemoteTaskError,
  ValueTooLargeError,
  decodeException,
  encodeException,
  parseDateDone,
  type Codec,
  type GroupMeta,
  type ResultTuple,
  type TaskMeta,
} from '@resultkit/core';
import { dumps, loads, PickledAsyncResult, PickledGroupResult, PickledObject, type LoadOptions, type PickledResult } from '@resultkit/serializer-pickle';
import type { Row } from './engines/executor.js';
import { EXTENDED_COLUMNS, RELATION_COLUMNS, type ColumnInfo, type TaskColumn } from './tables.js';

export interface RowCodecOptions {
  codec: Codec;
  pickleProtocol: 2 | 3 | 4 | 5;
  /** The task table's columns as found in the database (sizes are checked before writing). */
  taskColumns: ReadonlyMap<string, ColumnInfo>;
  groupColumns: ReadonlyMap<string, ColumnInfo>;
  /** Write `group_id`/`parent_id` (when the table has them). */
  relationColumns: boolean;
  /** Formats `date_done` for the database (UTC wall time, the column's precision). */
  formatTimestamp: (date: Date, fractionalDigits?: number) => string;
}

/** A row to write: the columns and their values in the same order. */
export interface EncodedTaskRow {
  taskId: string;
  columns: readonly TaskColumn[];
  values: unknown[];
}

const TRUNCATED = '…(traceback truncated to fit the column)\n';
const TEXT = new TextEncoder();

export class RowCodec {
  readonly #codec: Codec;
  readonly #protocol: 2 | 3 | 4 | 5;
  readonly #columns: ReadonlyMap<string, ColumnInfo>;
  readonly #groupColumns: ReadonlyMap<string, ColumnInfo>;
  readonly #format: RowCodecOptions['formatTimestamp'];
  readonly #baseColumns: readonly TaskColumn[];
  readonly #extendedColumns: readonly TaskColumn[];
  readonly #hasExtended: boolean;
  readonly #hasRelations: boolean;
  /** Reads are refused (as Celery's decode would) when `accept` excludes the configured serializer. */
  readonly #readable: boolean;

  constructor(options: RowCodecOptions) {
    this.#codec = options.codec;
    this.#protocol = options.pickleProtocol;
    this.#columns = options.taskColumns;
    this.#groupColumns = options.groupColumns;
    this.#format = options.formatTimestamp;
    this.#hasExtended = EXTENDED_COLUMNS.every((c) => this.#columns.has(c));
    this.#hasRelations = options.relationColumns && RELATION_COLUMNS.every((c) => this.#columns.has(c));
    const base: TaskColumn[] = ['task_id', 'status', 'result', 'date_done', 'traceback'];
    if (this.#hasRelations) base.push(...RELATION_COLUMNS);
    this.#baseColumns = base;
    this.#extendedColumns = [...base, ...EXTENDED_COLUMNS];
    const type = this.#codec.contentType.toLowerCase();
    this.#readable = this.#codec.accept.includes(type) || type === 'application/data' || type === 'application/text';
  }

  // ---- writing ------------------------------------------------------------------------------

  /**
   * The row for a state change. Throws (before anything is sent) `EncodeError` for a value the
   * pickle cannot hold and `ValueTooLargeError` for one over the size limit or the column's size.
   */
  encodeTask(meta: TaskMeta): EncodedTaskRow {
    const extended = meta.name !== undefined && this.#hasExtended;
    const columns = extended ? this.#extendedColumns : this.#baseColumns;
    const values: unknown[] = [
      this.#text(meta.taskId, 'task_id'),
      this.#text(meta.status, 'status'),
      this.#pickleResult(meta),
      meta.dateDone ? this.#format(meta.dateDone, this.#columns.get('date_done')?.fractionalDigits ?? 6) : null,
      this.#traceback(meta.traceback),
    ];
    if (this.#hasRelations) values.push(this.#text(meta.groupId ?? null, 'group_id'), this.#text(meta.parentId ?? null, 'parent_id'));
    if (extended) {
      values.push(
        this.#text(meta.name ?? null, 'name'),
        this.#serialized(meta.args ?? null, 'args'),
        this.#serialized(meta.kwargs ?? null, 'kwargs'),
        this.#text(meta.worker ?? null, 'worker'),
        meta.retries ?? null,
        this.#text(meta.queue ?? null, 'queue'),
      );
    }
    return { taskId: meta.taskId, columns, values };
  }

  #pickleResult(meta: TaskMeta): Uint8Array | null {
    let value = meta.result;
    if (EXCEPTION_STATES.has(meta.status)) {
      // A RETRY without an exception stores nothing, as Celery does.
      if (value === null || value === undefined) return null;
      // Celery's exception dict, pickled with a tuple of arguments (byte for byte Celery's).
      const doc = encodeException(value);
      value = new RemoteTaskError({ excType: doc.exc_type, excModule: doc.exc_module, excArgs: doc.exc_message });
    }
    // SQLAlchemy's PickleType stores None as NULL.
    if (value === null || value === undefined) return null;
    let bytes: Uint8Array;
    try {
      bytes = dumps(value, { protocol: this.#protocol });
    } catch (error) {
      throw new EncodeError(`The result of task ${meta.taskId} cannot be pickled: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
    this.#checkBytes(bytes.length, 'result', this.#columns);
    return bytes;
  }

  #serialized(value: unknown, column: 'args' | 'kwargs'): Uint8Array | null {
    if (value === null || value === undefined) return null;
    const bytes = this.#codec.encode(value);
    this.#checkBytes(bytes.length, column, this.#columns);
    return bytes;
  }

  #checkBytes(size: number, column: string, columns: ReadonlyMap<string, ColumnInfo>): void {
    this.#codec.assertSize(size);
    const limit = columns.get(column)?.maxLength;
    if (limit !== undefined && size > limit) throw new ValueTooLargeError(size, limit);
  }

  #text(value: string | null, column: string): string | null {
    if (value === null) return null;
    const limit = this.#columns.get(column)?.maxLength;
    // Checked here because MySQL outside strict mode would silently cut the value.
    if (limit !== undefined && value.length > limit && [...value].length > limit) {
      throw new EncodeError(`${column} is ${[...value].length} characters long; the column holds ${limit}: ${value.slice(0, 40)}…`);
    }
    return value;
  }

  /** A traceback longer than the column (MySQL TEXT: 64 KiB) keeps its end, where the error is. */
  #traceback(traceback: string | null): string | null {
    const limit = this.#columns.get('traceback')?.maxLength;
    if (traceback === null || limit === undefined || traceback.length * 3 <= limit) return traceback;
    const bytes = TEXT.encode(traceback);
    if (bytes.length <= limit) return traceback;
    let start = bytes.length - (limit - TEXT.encode(TRUNCATED).length);
    // Do not start inside a UTF-8 sequence.
    while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++;
    return TRUNCATED + new TextDecoder().decode(bytes.subarray(start));
  }

  // ---- reading ------------------------------------------------------------------------------

  /**
   * A stored row as a `TaskMeta`. Throws `ContentDisallowedError` when `accept` excludes the
   * configured serializer (the row is taken to be written with it, as Celery's reader does),
   * and `DecodeError` for anything malformed; never executes anything.
   */
  decodeTask(row: Row, taskId: string): TaskMeta {
    if (!this.#readable) throw new ContentDisallowedError(this.#codec.contentType, this.#codec.accept);
    const status = row.status;
    if (typeof status !== 'string' || status === '') throw new DecodeError(`The row of task ${taskId} has no status.`);
    const traceback = typeof row.traceback === 'string' ? row.traceback : null;
    // Exception states hold the exception itself when Celery pickles results, an instance of
    // the task's own class (myapp.errors.QuotaExceeded), which no allow-list can name. There the
    // reader keeps unknown globals as inert data, and the exception becomes a RemoteTaskError
    // naming the class: nothing is imported or called. Every other state is read strictly.
    if (row.result instanceof Uint8Array) this.#codec.assertReadableSize(row.result.length);
    const exception = EXCEPTION_STATES.has(status);
    const value = unpickle(row.result, 'the result of task', taskId, !exception);
    const meta: TaskMeta = {
      taskId: typeof row.task_id === 'string' ? row.task_id : taskId,
      status,
      result: exception ? toException(value, { traceback, taskId, state: status }) : value,
      traceback,
      // Celery's database backend does not store children.
      children: null,
      dateDone: readTimestamp(row.date_done, taskId),
    };
    if (typeof row.group_id === 'string') meta.groupId = row.group_id;
    if (typeof row.parent_id === 'string') meta.parentId = row.parent_id;
    // Without `extended` the columns are not read at all (`row.name` is then absent).
    if (row.name !== undefined && EXTENDED_COLUMNS.some((c) => row[c] !== null && row[c] !== undefined)) {
      const args = this.#deserialized(row.args, 'args', taskId);
      const kwargs = this.#deserialized(row.kwargs, 'kwargs', taskId);
      meta.name = typeof row.name === 'string' ? row.name : null;
      meta.args = Array.isArray(args) ? args : null;
      meta.kwargs = kwargs !== null && typeof kwargs === 'object' && !Array.isArray(kwargs) ? (kwargs as Record<string, unknown>) : null;
      meta.worker = typeof row.worker === 'string' ? row.worker : null;
      meta.retries = typeof row.retries === 'number' ? row.retries : row.retries === null || row.retries === undefined ? null : Number(row.retries);
      meta.queue = typeof row.queue === 'string' ? row.queue : null;
    }
    return meta;
  }

  #deserialized(value: unknown, column: string, taskId: string): unknown {
    if (value === null || value === undefined) return null;
    if (!(value instanceof Uint8Array)) throw new DecodeError(`The ${column} column of task ${taskId} is not binary.`);
    return this.#codec.decode(value);
  }

  // ---- groups -------------------------------------------------------------------------------

  /** `celery.result.GroupResult(group_id, [AsyncResult(id), ...])`, the minimal pickle Celery restores. */
  encodeGroup(group: GroupMeta): Uint8Array {
    let bytes: Uint8Array;
    try {
      bytes = dumps(new PickledGroupResult(group.groupId, group.results.map(fromTuple)), { protocol: this.#protocol });
    } catch (error) {
      throw new EncodeError(`The group ${group.groupId} cannot be pickled: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    this.#checkBytes(bytes.length, 'result', this.#groupColumns);
    return bytes;
  }

  /** A saved group: ours, or the full object graph Celery's `GroupResult.save()` pickles (read as data). */
  decodeGroup(row: Row, groupId: string): GroupMeta {
    if (row.result instanceof Uint8Array) this.#codec.assertReadableSize(row.result.length);
    const value = unpickle(row.result, 'the saved group', groupId);
    if (!(value instanceof PickledGroupResult)) throw new DecodeError(`The saved group ${groupId} is not a pickled celery.result.GroupResult.`);
    return { groupId, results: value.results.map((r) => r.asTuple() as ResultTuple), dateDone: readTimestamp(row.date_done, groupId) };
  }
}

// The options of every read, made once: a read allocates only what it returns.
const STRICT: LoadOptions = { strict: true };
const LENIENT: LoadOptions = { strict: false };

/** `what` and `id` name the value in an error message, which is only built for an error. */
function unpickle(value: unknown, what: string, id: string, strict = true): unknown {
  if (value === null || value === undefined) return null;
  if (!(value instanceof Uint8Array)) throw new DecodeError(`${what} ${id} is not binary (a pickle was expected).`);
  return loads(value, strict ? STRICT : LENIENT);
}

/**
 * The exception of an exception state. Celery's dict (json/msgpack/yaml serializers) and a
 * pickled exception instance (pickle serializer) both become a `RemoteTaskError`; an instance
 * of a class outside the pickle allow-list (`myapp.errors.QuotaExceeded`) arrives as an inert
 * `PickledObject` and is read from its class name and arguments, never constructed.
 */
function toException(value: unknown, context: { traceback: string | null; taskId: string; state: string }): RemoteTaskError | null {
  if (value instanceof RemoteTaskError) {
    return new RemoteTaskError({ excType: value.excType, excModule: value.excModule, excArgs: value.excArgs, ...context });
  }
  if (value instanceof PickledObject && value.name) {
    return new RemoteTaskError({ excType: value.name, excModule: value.module || null, excArgs: [...value.args], ...context });
  }
  return decodeException(value, context);
}

function readTimestamp(value: unknown, id: string): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  // Core reads the shape every dialect gives back (PostgreSQL's to_char, MySQL's DATE_FORMAT,
  // SQLAlchemy's SQLite text) without a regular expression.
  if (typeof value === 'string') return parseDateDone(value);
  throw new DecodeError(`date_done of ${id} is neither a timestamp nor NULL.`);
}

/** A result tuple as the pickled Celery result object it stands for. */
export function fromTuple(tuple: ResultTuple): PickledResult {
  if (!Array.isArray(tuple) || !Array.isArray(tuple[0])) throw new TypeError('A group member must be a result tuple.');
  const [[id, parent], children] = tuple;
  const parentResult = parent ? fromTuple(parent) : null;
  return children ? new PickledGroupResult(id, children.map(fromTuple), parentResult) : new PickledAsyncResult(id, parentResult);
}
