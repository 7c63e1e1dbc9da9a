import { formatDateDone, parseDateDone } from './date-done.js';
import { describeValue } from './describe-value.js';
import { DecodeError } from './errors.js';
import { decodeException, encodeException } from './exception-codec.js';
import { RemoteTaskError } from './remote-task-error.js';
import { EXCEPTION_STATES, states, type State } from './states.js';

/**
 * Everything a backend knows about one task. For RETRY, FAILURE and REVOKED `result` is the
 * decoded `RemoteTaskError` (or null for a RETRY stored without an exception), as in Celery's
 * `meta_from_decoded`.
 */
export interface TaskMeta {
  taskId: string;
  status: State;
  result: unknown;
  traceback: string | null;
  /** Child result tuples; null when the writer was outside a task (or the store drops them). */
  children: unknown[] | null;
  /** When the task became ready; null for unready states. */
  dateDone: Date | null;
  groupId?: string | null;
  parentId?: string | null;
  /** Extended fields (`result_extended`). */
  name?: string | null;
  args?: unknown[] | null;
  kwargs?: Record<string, unknown> | null;
  worker?: string | null;
  retries?: number | null;
  queue?: string | null;
  /** Top-level fields this library does not model (for example 5.3+ stamps), kept verbatim. */
  extra?: Record<string, unknown>;
}

/** The meta of a task nobody has stored anything for: PENDING, forever. */
export function pendingMeta(taskId: string): TaskMeta {
  return { taskId, status: states.PENDING, result: null, traceback: null, children: null, dateDone: null };
}

const EXTENDED_KEYS = ['name', 'args', 'kwargs', 'worker', 'retries', 'queue'] as const;
const KNOWN_KEYS = new Set<string>([
  'status', 'result', 'traceback', 'children', 'date_done', 'group_id', 'parent_id', 'task_id', ...EXTENDED_KEYS,
]);

/**
 * The document Celery stores (Redis value, RPC body): its keys in Celery's order, `task_id`
 * last, `date_done` in the one format every Celery version reads, exceptions as dicts.
 */
export function toDocument(meta: TaskMeta): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    status: meta.status,
    // A task that returns nothing stores None: a document without `result` makes Python's
    // `AsyncResult.result` raise KeyError, so `undefined` is never left out.
    result: EXCEPTION_STATES.has(meta.status) ? encodeStoredException(meta.result) : (meta.result ?? null),
    traceback: meta.traceback ?? null,
    children: meta.children ?? [],
    date_done: meta.dateDone ? formatDateDone(meta.dateDone) : null,
  };
  if (meta.groupId) doc.group_id = meta.groupId;
  if (meta.parentId) doc.parent_id = meta.parentId;
  if (meta.name !== undefined) {
    for (const key of EXTENDED_KEYS) doc[key] = meta[key] ?? null;
  }
  if (meta.extra) {
    for (const [key, value] of Object.entries(meta.extra)) if (!KNOWN_KEYS.has(key)) doc[key] = value;
  }
  doc.task_id = meta.taskId;
  return doc;
}

function encodeStoredException(value: unknown): unknown {
  // A RETRY without an exception is stored as null, exactly like Celery.
  if (value === null || value === undefined) return null;
  return encodeException(value);
}

/**
 * Reads a stored document into a `TaskMeta`, tolerating every shape Celery 5.2–5.6 writes (the
 * RPC body has no date_done). `taskId` is the id that was asked for; a document without
 * `task_id` still reads. Anything malformed is a `DecodeError`.
 */
export function fromDocument(value: unknown, taskId: string): TaskMeta {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
    throw new DecodeError(`A result document must be a map; the one for task ${taskId} is ${describeValue(value)}.`);
  }
  const doc = value as Record<string, unknown>;
  const status = doc.status;
  if (typeof status !== 'string' || status === '') {
    throw new DecodeError(
      status === undefined
        ? `The result document for task ${taskId} has no status.`
        : `The status of the result document for task ${taskId} is ${describeValue(status)}, not a state name such as "SUCCESS".`,
    );
  }
  const traceback = typeof doc.traceback === 'string' ? doc.traceback : null;
  const id = typeof doc.task_id === 'string' ? doc.task_id : taskId;
  const meta: TaskMeta = {
    taskId: id,
    status,
    result: EXCEPTION_STATES.has(status)
      ? decodeException(doc.result, { traceback, taskId: id, state: status })
      : doc.result === undefined
        ? null
        : doc.result,
    traceback,
    children: Array.isArray(doc.children) ? doc.children : null,
    dateDone: readDate(doc.date_done, id),
  };
  if (typeof doc.group_id === 'string') meta.groupId = doc.group_id;
  if (typeof doc.parent_id === 'string') meta.parentId = doc.parent_id;
  if ('name' in doc || 'worker' in doc) {
    meta.name = typeof doc.name === 'string' ? doc.name : null;
    meta.args = Array.isArray(doc.args) ? doc.args : null;
    meta.kwargs = isRecord(doc.kwargs) ? doc.kwargs : null;
    meta.worker = typeof doc.worker === 'string' ? doc.worker : null;
    meta.retries = typeof doc.retries === 'number' ? doc.retries : null;
    meta.queue = typeof doc.queue === 'string' ? doc.queue : null;
  }
  for (const key of Object.keys(doc)) {
    if (!KNOWN_KEYS.has(key)) (meta.extra ??= {})[key] = doc[key];
  }
  return meta;
}

function readDate(value: unknown, taskId: string): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  if (typeof value === 'string') return parseDateDone(value);
  throw new DecodeError(`date_done of task ${taskId} is ${describeValue(value)}, not an ISO-8601 string or null.`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}


/** The exception of a meta in an exception state, or null. */
export function metaException(meta: TaskMeta): RemoteTaskError | null {
  return meta.result instanceof RemoteTaskError ? meta.result : null;
}
