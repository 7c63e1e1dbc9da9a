import type { BackendOptions, ResultBackend } from '@resultkit/core';
import type { SuiteAPI, TestAPI } from 'vitest';

/** How a backend package wires the conformance suite into its tests. */
export interface ConformanceOptions {
  /** vitest's `it`; tests use their own context's `expect`, so they may run concurrently. */
  it: TestAPI;
  /** vitest's `describe`; groups the tests by topic when given. */
  describe?: SuiteAPI;
  /**
   * Opens a new backend on the store under test, with `options` merged over the package's own
   * (the suite passes `expires`, `accept`, `jsonDialect`, `maxValueSize`). The suite closes
   * every backend it opens.
   */
  factory: (options?: BackendOptions) => Promise<ResultBackend>;
  /**
   * Writes `bytes` exactly where the backend keeps the stored result of `taskId`, for the
   * corrupt-data tests. Leave it out where the store has no raw form (the tests are then off).
   */
  writeRaw?: (backend: ResultBackend, taskId: string, bytes: Uint8Array) => Promise<void>;
  /**
   * Stores `document` (a result document in Celery's field names, e.g. a FAILURE whose result is
   * not an exception dict) as a foreign writer would, bypassing every check. Enables the tests
   * of malformed documents written by someone else.
   */
  writeDocument?: (backend: ResultBackend, taskId: string, document: Record<string, unknown>) => Promise<void>;
  /**
   * Writes `bytes` exactly where the backend keeps the saved group `groupId`, for the tests of a
   * corrupt saved group. Leave it out where the store has no raw form of a group.
   */
  writeRawGroup?: (backend: ResultBackend, groupId: string, bytes: Uint8Array) => Promise<void>;
  /**
   * Stores a SUCCESS for `taskId` whose `date_done` is `text`, as a foreign writer would, for
   * the unparseable-date test. A store whose date column is typed stores the nearest thing it
   * holds that no Python datetime is (PostgreSQL's `infinity`, MySQL's zero date). By default
   * `writeDocument` plants a document with that `date_done`.
   */
  writeDateDone?: (backend: ResultBackend, taskId: string, text: string) => Promise<void>;
  /** The smallest expiry the store honours: `seconds` (Redis SETEX) or `milliseconds`. Default `seconds`. */
  ttlGranularity?: 'seconds' | 'milliseconds';
  /**
   * The stored result goes through the configured serializer (default true). False for SQL,
   * whose `result` column is a pickle whatever the serializer (Celery's PickleType): there a
   * value JSON cannot encode, such as bytes under kombu 5.2, is stored and read back instead.
   */
  resultThroughSerializer?: boolean;
  /** Size of the large-value test in bytes (default 10 MiB). */
  largeValueSize?: number;
}

/** The options with every default filled in. */
type OptionalHooks = 'describe' | 'writeRaw' | 'writeDocument' | 'writeRawGroup' | 'writeDateDone';
export type ResolvedConformanceOptions = Required<Omit<ConformanceOptions, OptionalHooks>> & Pick<ConformanceOptions, OptionalHooks>;

export function resolveOptions(options: ConformanceOptions): ResolvedConformanceOptions {
  return {
    ttlGranularity: 'seconds',
    resultThroughSerializer: true,
    largeValueSize: 10 * 1024 * 1024,
    ...options,
  };
}
