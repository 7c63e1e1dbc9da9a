/**
 * The part of the adapter contract that migration uses: a store's entries as the store keeps
 * them (the bytes of a Redis value or a file, the columns of a SQL row), listed with a cursor
 * that can be saved and resumed, read back by id, and written as they are.
 */

/** A result (`celery-task-meta-<id>`, a `celery_taskmeta` row) or a saved group (`celery-taskset-meta-<id>`, a `celery_tasksetmeta` row). */
export type EntryKind = 'task' | 'group';

/** Which entry: its kind and its id. */
export interface EntryRef {
  kind: EntryKind;
  id: string;
}

/** One stored entry, untouched. */
export interface StoredEntry extends EntryRef {
  /**
   * The stored bytes when the store keeps one encoded document per entry (Redis, files,
   * memory): the codec's output, compressed frames included.
   */
  bytes?: Uint8Array;
  /**
   * The stored columns when the store keeps rows (SQL): `result` is the stored pickle, `args`
   * and `kwargs` the serializer's bytes, `date_done` UTC wall time as text.
   */
  row?: Record<string, unknown>;
  /**
   * Milliseconds the entry has left (Redis `PTTL`); null when it is kept forever; undefined
   * when the store has no expiry of its own (SQL and files are aged by `cleanup()` instead).
   */
  ttl?: number | null;
}

/** A page of entries and the cursor after it. */
export interface EntryPage {
  entries: StoredEntry[];
  /**
   * Where the next page starts, or null after the last page. Text the caller may persist and
   * pass back as `from` (a Redis SCAN cursor, the last SQL `id`, the last file name).
   */
  cursor: string | null;
}

export interface ScanOptions {
  /** A cursor from an earlier page, to resume there; null or absent starts at the beginning. */
  from?: string | null;
  /** Entries per page (a hint: Redis SCAN may return a few more or fewer). Default 500. */
  pageSize?: number;
}

/** What `writeEntries` did with one entry. */
export type WriteOutcome =
  /** The entry was written. */
  | 'written'
  /** The target had the entry and `existing` was `skip`. */
  | 'skipped'
  /** The target holds a SUCCESS for the id, which is never replaced. */
  | 'kept';

export interface WriteEntriesOptions {
  /** What to do when the target already has the id: keep it (`skip`) or replace it (`overwrite`; a SUCCESS is still never replaced). */
  existing: 'skip' | 'overwrite';
}

/**
 * A store's entries, for migration. `layout` and `format` say whether two stores keep entries
 * the same way: entries of equal `format` are copied byte for byte; anything else goes through
 * the Celery document (`decodeEntry` / `encodeEntry`, or the codec for the `document` layout).
 */
export interface StoredEntries {
  /** `document`: one encoded Celery document per entry (`bytes`); `row`: SQL columns (`row`). */
  readonly layout: 'document' | 'row';
  /** Entries of stores with the same `format` can be copied without decoding them. */
  readonly format: string;
  /**
   * Every stored result and saved group, a page at a time, in bounded memory. An entry written
   * or deleted while the scan runs may or may not be listed; one that exists throughout is
   * listed at least once (Redis SCAN may list an entry twice).
   */
  scan(options?: ScanOptions): AsyncIterable<EntryPage>;
  /**
   * How many entries `scan` would list, counted without reading them (a SQL `COUNT(*)`, a SCAN
   * of key names). Optional: without it, verification counts a full scan.
   */
  count?(): Promise<number>;
  /** The stored entries of `refs` (null where there is none), in order. */
  readEntries(refs: readonly EntryRef[]): Promise<(StoredEntry | null)[]>;
  /** Writes entries as given (bytes or columns of this store's format), each with its `ttl`. */
  writeEntries(entries: readonly StoredEntry[], options: WriteEntriesOptions): Promise<WriteOutcome[]>;
  /**
   * `row` layout: the Celery document of an entry, read exactly (tuples, integral floats and
   * datetimes kept: see `PyTuple`, `PyFloat`, `PyDatetime`). The `document` layout needs none:
   * core decodes the bytes with the backend's codec.
   */
  decodeEntry?(entry: StoredEntry): Record<string, unknown>;
  /** `row` layout: the entry for a Celery document (the inverse of `decodeEntry`). */
  encodeEntry?(ref: EntryRef, document: Record<string, unknown>): StoredEntry;
}
