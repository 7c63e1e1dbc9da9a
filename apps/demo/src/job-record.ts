import { READY_STATES, RemoteTaskError, type TaskMeta } from '@resultkit/core';

/**
 * The kinds of job the API accepts: each maps to one task, a group of tasks, or a chord. The
 * `celery-*` kinds run in a Python Celery worker (Celery mode).
 */
export const JOB_KINDS = ['divide', 'countdown', 'squares', 'sum-of-squares', 'celery-divide', 'celery-countdown'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** One member of a group or chord header, as the dashboard shows it. */
export interface PartRecord {
  id: string;
  state: string;
}

/** What the app knows about one submitted job: what the API returns and the dashboard shows. */
export interface JobRecord {
  /** The task id; for a group or chord, the group id. */
  id: string;
  /** `task` for a task this app did not submit, found in the backend by id. */
  kind: JobKind | 'task';
  input: Record<string, unknown>;
  state: string;
  submittedAt: string;
  /** `date_done` of the ready state. */
  doneAt: string | null;
  /** Milliseconds from submission to `date_done`. */
  durationMs: number | null;
  /** The value of a SUCCESS (a group's joined values), or the meta of a custom state such as PROGRESS. */
  result: unknown;
  exception: { type: string; module: string | null; message: string } | null;
  traceback: string | null;
  worker: string | null;
  /**
   * Counts the record's changes. A reader that gets the same job from two places (the answer
   * to its POST and the event stream) keeps the higher revision, never an older copy.
   */
  revision: number;
  /** Group and chord members, in order. */
  parts?: PartRecord[];
  /** The chord's body task. */
  bodyId?: string;
}

/** Copies what a stored meta says into the record: state, value or exception, traceback, `date_done`. */
export function applyMeta(record: JobRecord, meta: TaskMeta): void {
  record.state = meta.status;
  if (meta.worker) record.worker = meta.worker;
  if (meta.result instanceof RemoteTaskError) {
    record.exception = describeException(meta.result);
    record.result = null;
  } else {
    record.result = meta.result ?? null;
  }
  record.traceback = meta.traceback;
  if (READY_STATES.has(meta.status)) markDone(record, meta.dateDone ?? new Date());
}

export function describeException(error: RemoteTaskError): NonNullable<JobRecord['exception']> {
  return { type: error.excType, module: error.excModule, message: error.message };
}

export function markDone(record: JobRecord, doneAt: Date): void {
  record.doneAt = doneAt.toISOString();
  record.durationMs = Math.max(0, doneAt.getTime() - Date.parse(record.submittedAt));
}

/** JSON for the API: big integers (which Python may store) as strings, bytes as arrays of numbers. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Array.from(value);
  return value;
}
