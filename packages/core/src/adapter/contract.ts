import type { RemoteTaskError } from '../remote-task-error.js';
import type { ResultTuple } from '../result-tuple.js';
import type { TaskMeta } from '../task-meta.js';
import type { TaskProperties } from '../task-properties.js';
import type { TaskRequest } from '../task-request.js';
import type { StoredEntries } from './stored-entries.js';

/**
 * What a store can do natively. Core fills in the rest the same way for every backend:
 * polling with backoff where there is no push, `NotSupportedError` where there are no groups.
 */
export interface AdapterCapabilities {
  /** Ready results are pushed to waiters (pub/sub, LISTEN/NOTIFY, a consumer); otherwise core polls. */
  push: boolean;
  /** Groups can be saved, restored and deleted. */
  groups: boolean;
  /** The Celery chord protocol is implemented (`setChordSize`, `onChordPartReturn`). */
  chords: boolean;
  /** Entries expire by themselves (`expires`); otherwise `cleanup()` removes old results. */
  selfExpiry: boolean;
  /** Results survive a restart of this process. */
  durable: boolean;
  /** A stored SUCCESS is never overwritten by a later state, atomically. */
  preservesSuccess: boolean;
  /** Results can be deleted (`forget`). */
  forget: boolean;
  /** Any client can read any result (false for RPC, where only the sender's queue receives them). */
  sharedReads: boolean;
  /**
   * Values may be stored compressed (Celery's `supports_result_compression`): the store keeps
   * arbitrary bytes unchanged. True for Redis and the filesystem; absent means false.
   */
  compression?: boolean;
}

export interface AdapterStoreOptions {
  /** Seconds until the stored entry may disappear; null keeps it forever. */
  expires: number | null;
  /** The request of the task whose state is stored, when the worker gave one (RPC publishes to its `replyTo`). */
  request?: TaskRequest;
}

/** A saved group: its id and its members as result tuples, in order. */
export interface GroupMeta {
  groupId: string;
  results: ResultTuple[];
  dateDone: Date | null;
}

/** One finished member (header task) of a chord, as the worker that ran it reports it. */
export interface ChordPart {
  groupId: string;
  /** The member's position in the header (`group_index`); null when unknown (then it sorts last). */
  groupIndex: number | null;
  taskId: string;
  status: string;
  /** The member's value; for FAILURE/REVOKED/RETRY the `RemoteTaskError`. */
  result: unknown;
}

/** What `onChordPartReturn` found after recording a part. */
export type ChordProgress =
  /** More parts are outstanding (or the chord size was never set: then it never completes, as in Celery). */
  | { complete: false; count: number; total: number | null }
  /** This part was the last: the header results in order, for the body to run with. Returned to exactly one caller. */
  | { complete: true; results: unknown[] }
  /** This part was the last and a member failed: Celery's `ChordError`, for the body's FAILURE. */
  | { complete: true; error: RemoteTaskError };

/** Receives what a push channel delivers. */
export interface PushListener {
  /** A state change for a subscribed task, or the error that decoding it raised. */
  message(taskId: string, meta: TaskMeta | Error): void;
  /**
   * The channel reconnected after a break: changes may have been missed, so core reads every
   * subscribed id again (one batched read) and resolves what is ready.
   */
  resync(): void;
  /**
   * Push cannot deliver for now (the connection is lost, or the store turned out unable to
   * push, as PostgreSQL behind a transaction-mode pooler): core polls every pending id, with
   * each wait's `interval` and the usual backoff, until `pushRestored`. A channel never polls
   * by itself.
   */
  pushUnavailable(): void;
  /** Push delivers again: core stops polling and reads every pending id once, as for `resync`. */
  pushRestored(): void;
}

/** A subscription to state changes. Subscribe first, then read once: nothing is missed. */
export interface PushChannel {
  /** Resolves once the subscriptions are active on the server. */
  subscribe(taskIds: readonly string[]): Promise<void>;
  unsubscribe(taskIds: readonly string[]): Promise<void>;
  close(): Promise<void>;
  /**
   * While the channel cannot reach the server, the last error it got (typed and scrubbed by
   * core through `BackendAdapter.wrapError`); null or undefined while it is connected. A wait
   * that times out names it.
   */
  readonly connectionError?: Error | null;
  /**
   * Milliseconds between reads of every pending id while push works, for stores where some
   * writers do not push (Python Celery does not NOTIFY on PostgreSQL). Unset: no such reads.
   */
  readonly safetyPollInterval?: number;
}

/**
 * The contract a backend adapter implements: result documents in, result documents out. The
 * adapter owns its bytes (Redis stores one encoded document, SQL stores columns, RPC publishes
 * a message) through the `Codec` it was given; core owns states, exceptions, awaiting,
 * retries and everything else that is the same for every backend.
 */
export interface BackendAdapter {
  /** The contract version this adapter implements; core may accept older ones. */
  readonly specificationVersion: 'v1';
  /** A short name for messages: `redis`, `postgresql`, `memory`. */
  readonly name: string;
  readonly capabilities: AdapterCapabilities;

  /** Stores a state change. With `preservesSuccess`, a write over a stored SUCCESS is dropped. */
  store(meta: TaskMeta, options: AdapterStoreOptions): Promise<void>;
  /** The stored meta, or null when nothing is stored for the id. */
  load(taskId: string): Promise<TaskMeta | null>;
  /** Reads many ids in one round trip; each entry is a meta, null, or the error decoding it raised. */
  loadMany?(taskIds: readonly string[]): Promise<(TaskMeta | null | Error)[]>;
  remove(taskId: string): Promise<void>;

  saveGroup?(group: GroupMeta, options: AdapterStoreOptions): Promise<void>;
  loadGroup?(groupId: string): Promise<GroupMeta | null>;
  removeGroup?(groupId: string): Promise<void>;

  /** Chords (Celery's `set_chord_size`): records how many header parts complete the chord. */
  setChordSize?(groupId: string, size: number, options: AdapterStoreOptions): Promise<void>;
  /** Chords (`Task.add_to_chord`): one more part will report. */
  addToChord?(groupId: string, options: AdapterStoreOptions): Promise<void>;
  /** Chords (`on_chord_part_return`): records one finished part, atomically, and says whether the chord is complete. */
  onChordPartReturn?(part: ChordPart, options: AdapterStoreOptions): Promise<ChordProgress>;

  /** Opens the push channel (lazily, once per backend). Required when `capabilities.push`. */
  openPush?(listener: PushListener): PushChannel;

  /** Deletes results that became ready before `olderThan`; returns how many were removed. */
  cleanup?(olderThan: Date): Promise<number>;

  /**
   * What a task message for `taskId` must carry so its result reaches this backend (RPC declares
   * its reply queue first, as Celery's `on_task_call` does). Without it core returns a stable
   * per-process `replyTo` and the id, which is what Celery sends to every other backend.
   */
  taskProperties?(taskId: string): Promise<TaskProperties>;

  /** True for errors worth retrying (connection lost, timeouts); core retries those under its policy. */
  isRetryable?(error: unknown): boolean;

  /**
   * Turns a failure of this adapter's driver into one of core's typed errors
   * (`BackendUnavailableError`, `ConfigurationError`, `BackendOperationError`) whose `cause` is
   * a scrubbed copy (`backendError` and `scrubError` do both); core's own errors come back
   * unchanged. Core calls it on every failure an operation ends with, after retries, so no
   * driver error (and no password in one) reaches the user.
   */
  wrapError?(error: unknown): Error;

  /**
   * The stored entries, listed and copied as they are: what `migrate` reads and writes.
   * Absent where a store cannot be listed (RPC: a result is a message in one client's queue).
   */
  readonly entries?: StoredEntries;

  close(): Promise<void>;
}
