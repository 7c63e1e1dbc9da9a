import { hostname } from 'node:os';
import type { AdapterCapabilities, BackendAdapter, ChordPart, ChordProgress, GroupMeta, PushChannel } from './adapter/contract.js';
import { AsyncResult } from './awaiting/async-result.js';
import { onSignalAbort } from './awaiting/shared-abort.js';
import { GroupResult } from './awaiting/group-result.js';
import { ResultSet } from './awaiting/result-set.js';
import type { WaitOptions } from './awaiting/wait-options.js';
import { Waiters } from './awaiting/waiters.js';
import type { Codec } from './codec/codec.js';
import { AbortError, BackendClosedError, NotSupportedError, ResultkitError, timeoutError } from './errors.js';
import { RemoteTaskError } from './remote-task-error.js';
import { tupleToRef, type ResultTuple } from './result-tuple.js';
import { attempt, DEFAULT_RETRY_POLICY, retryAfter, withRetry, type RetryPolicy } from './retry.js';
import { READY_STATES, states, type State } from './states.js';
import { defaultReplyTo, type TaskProperties } from './task-properties.js';
import type { TaskRequest } from './task-request.js';
import { pendingMeta, type TaskMeta } from './task-meta.js';

export interface ResultBackendConfig {
  /** Seconds a result lives; null keeps it forever (default one day, as in Celery). */
  expires: number | null;
  /** Store name, args, kwargs, worker, retries and queue with each result. */
  extended: boolean;
  retry: Required<RetryPolicy>;
}

/** Options of the one-shot calls (`getTaskMeta`, `storeResult`, `forget`, group and chord calls). */
export interface CallOptions {
  /**
   * Milliseconds the call may take, retries included, before it fails with `TimeoutError`
   * (whose `cause` is the last failure, if any). Default: no limit of its own; an unreachable
   * server still fails it within `connectTimeout`. A store that timed out may still be applied.
   */
  timeout?: number;
  /** Cancels the call with `AbortError` (a store already sent may still be applied). */
  signal?: AbortSignal;
}

export interface StoreOptions extends CallOptions {
  traceback?: string | null;
  /** The task being run: its group, parent and (with `extended`) name, args, worker... */
  request?: TaskRequest;
}

/**
 * The result backend users hold: the worker side stores state changes, the client side reads
 * and awaits them. Backend-specific storage lives in the adapter; everything Celery keeps in
 * `backends/base.py` (states, exceptions, precedence, awaiting, retries) lives here, once.
 */
export class ResultBackend {
  readonly adapter: BackendAdapter;
  readonly codec: Codec;
  readonly config: ResultBackendConfig;
  readonly #waiters: Waiters;
  readonly #isRetryable: (error: unknown) => boolean;
  #closed = false;

  constructor(adapter: BackendAdapter, codec: Codec, config: ResultBackendConfig) {
    this.adapter = adapter;
    this.codec = codec;
    this.config = config;
    // Core's own errors are final: an adapter that already waited `connectTimeout` for its
    // connection (BackendUnavailableError) or was refused (ConfigurationError) is not asked again.
    this.#isRetryable = adapter.isRetryable ? (e) => !(e instanceof ResultkitError) && adapter.isRetryable!(e) : () => false;
    this.#waiters = new Waiters({
      loadMany: (ids) => this.#loadMany(ids),
      openPush:
        adapter.capabilities.push && adapter.openPush
          ? (waiters) =>
              this.#typedChannel(() =>
                adapter.openPush!({
                  message: (taskId, meta) => waiters.deliver(taskId, meta),
                  resync: () => waiters.resync(),
                  pushUnavailable: () => waiters.pushUnavailable(),
                  pushRestored: () => waiters.pushRestored(),
                }),
              )
          : null,
    });
  }

  get capabilities(): AdapterCapabilities {
    return this.adapter.capabilities;
  }

  // ---- worker side -------------------------------------------------------------------------

  /** Records that the task started (Celery's `task_track_started`): `{pid, hostname}` by default. */
  markAsStarted(taskId: string, meta: Record<string, unknown> = { pid: process.pid, hostname: hostname() }, options: StoreOptions = {}): Promise<void> {
    return this.storeResult(taskId, meta, states.STARTED, options);
  }

  /** Stores a state and its value. Ready states get `date_done`; exception states store `value` as an exception. */
  storeResult(taskId: string, value: unknown, state: State = states.SUCCESS, options: StoreOptions = {}): Promise<void> {
    // Not `async` (nor is getTaskMeta): see #run.
    let meta: TaskMeta;
    try {
      this.#assertOpen();
      meta = this.#buildMeta(taskId, value, state, options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run(() => this.adapter.store(meta, { expires: this.config.expires, request: options.request }), options);
  }

  /** Stores FAILURE with the error; the traceback defaults to the error's stack. */
  markAsFailure(taskId: string, error: unknown, options: StoreOptions = {}): Promise<void> {
    return this.storeResult(taskId, toRemote(error), states.FAILURE, { ...options, traceback: tracebackOf(error, options) });
  }

  /** Stores RETRY with the error that caused the retry (or none). */
  markAsRetry(taskId: string, error: unknown = null, options: StoreOptions = {}): Promise<void> {
    const value = error === null || error === undefined ? null : toRemote(error);
    return this.storeResult(taskId, value, states.RETRY, { ...options, traceback: tracebackOf(error, options) });
  }

  /** Stores REVOKED with Celery's `TaskRevokedError(reason)`: `revoked`, `expired` or `terminated`. */
  markAsRevoked(taskId: string, reason = 'revoked', options: StoreOptions = {}): Promise<void> {
    const error = new RemoteTaskError({ excType: 'TaskRevokedError', excModule: 'celery.exceptions', excArgs: [reason] });
    return this.storeResult(taskId, error, states.REVOKED, options);
  }

  /** Stores a custom state such as `PROGRESS` with its meta (Celery's `update_state`). */
  updateState(taskId: string, state: State, meta: unknown = null, options: StoreOptions = {}): Promise<void> {
    return this.storeResult(taskId, meta, state, options);
  }

  // ---- client side -------------------------------------------------------------------------

  /** The stored meta; PENDING for an id nothing was stored for. */
  getTaskMeta(taskId: string, options: CallOptions = {}): Promise<TaskMeta> {
    if (this.#closed) return Promise.reject(new BackendClosedError());
    return this.#run(() => this.adapter.load(taskId), options, true, (meta) => meta ?? pendingMeta(taskId));
  }

  /** A handle to await and inspect one task's result. */
  asyncResult<T = unknown>(taskId: string): AsyncResult<T> {
    return new AsyncResult<T>(taskId, this);
  }

  /** Handles for many tasks, awaited together. */
  resultSet<T = unknown>(taskIds: readonly string[]): ResultSet<T> {
    return new ResultSet<T>(taskIds.map((id) => this.asyncResult<T>(id)), this);
  }

  /** Waits for the first ready meta of a task: push where the adapter can, polling otherwise. */
  waitForMeta(taskId: string, options: WaitOptions = {}): Promise<TaskMeta> {
    if (this.#closed) return Promise.reject(new BackendClosedError());
    return this.#waiters.wait(taskId, options) as Promise<TaskMeta>;
  }

  /** @internal `AsyncResult.get()`: the wait itself resolves with the value (see `MetaSettler`). */
  _waitForValue<T>(result: AsyncResult<T>, options: WaitOptions, propagate: boolean): Promise<T> {
    if (this.#closed) return Promise.reject(new BackendClosedError());
    return this.#waiters.wait(result.id, options, result, propagate) as Promise<T>;
  }

  /** Deletes a stored result. */
  async forget(taskId: string, options: CallOptions = {}): Promise<void> {
    this.#assertOpen();
    if (!this.adapter.capabilities.forget) throw new NotSupportedError(`The ${this.adapter.name} backend cannot forget results.`);
    await this.#run(() => this.adapter.remove(taskId), options);
  }

  // ---- groups ------------------------------------------------------------------------------

  /** Saves a group of results in Celery's format and returns its `GroupResult`. */
  async saveGroup<T = unknown>(groupId: string, members: readonly (string | AsyncResult<T>)[]): Promise<GroupResult<T>> {
    const group = new GroupResult<T>(
      groupId,
      members.map((m) => (typeof m === 'string' ? this.asyncResult<T>(m) : m)),
      this.#groupStore(),
    );
    return group.save();
  }

  /** The saved group, or null when none is stored under `groupId`. */
  async restoreGroup<T = unknown>(groupId: string, options: CallOptions = {}): Promise<GroupResult<T> | null> {
    this.#assertOpen();
    const load = this.#requireGroups().loadGroup!;
    const meta = await this.#run(() => load.call(this.adapter, groupId), options);
    if (!meta) return null;
    const members = meta.results.map((tuple) => this.asyncResult<T>(tupleToRef(tuple).id));
    return new GroupResult<T>(meta.groupId, members, this.#groupStore());
  }

  async deleteGroup(groupId: string, options: CallOptions = {}): Promise<void> {
    this.#assertOpen();
    const remove = this.#requireGroups().removeGroup!;
    await this.#run(() => remove.call(this.adapter, groupId), options);
  }

  // ---- chords -------------------------------------------------------------------------------

  /**
   * Client side of a chord: how many header parts must finish before the body runs. Write it
   * once, before the last header task is published (Celery #4207, #3538).
   */
  async setChordSize(groupId: string, size: number, options: CallOptions = {}): Promise<void> {
    this.#assertOpen();
    const adapter = this.#requireChords();
    await this.#run(() => adapter.setChordSize!(groupId, size, { expires: this.config.expires }), options);
  }

  /** A running chord gets one more header part (Celery's `Task.add_to_chord`). */
  async addToChord(groupId: string, options: CallOptions = {}): Promise<void> {
    this.#assertOpen();
    const adapter = this.#requireChords();
    await this.#run(() => adapter.addToChord!(groupId, { expires: this.config.expires }), options);
  }

  /**
   * Worker side of a chord: records that a header task finished (after its own result was
   * stored). The one caller whose part completes the chord gets the ordered results (or the
   * `ChordError`) and runs the body; every other caller gets `complete: false`.
   */
  async onChordPartReturn(taskId: string, state: State, result: unknown, request: TaskRequest, options: CallOptions = {}): Promise<ChordProgress> {
    this.#assertOpen();
    if (!request.group) throw new TypeError('onChordPartReturn needs request.group (the chord header id)');
    const adapter = this.#requireChords();
    const part: ChordPart = { groupId: request.group, groupIndex: request.groupIndex ?? null, taskId, status: state, result };
    // Not retried: a part recorded twice would be counted twice.
    return this.#run(() => adapter.onChordPartReturn!(part, { expires: this.config.expires }), options, false);
  }

  // ---- task messages -----------------------------------------------------------------------

  /**
   * The AMQP properties (`reply_to`, `correlation_id`) a task message for `taskId` must carry.
   * Over `rpc://` this declares the reply queue first, so the result has somewhere to go.
   */
  async taskProperties(taskId: string, options: CallOptions = {}): Promise<TaskProperties> {
    this.#assertOpen();
    if (typeof taskId !== 'string' || taskId === '') throw new TypeError('taskId must be a non-empty string');
    if (this.adapter.taskProperties) return this.#run(() => this.adapter.taskProperties!(taskId), options);
    return { replyTo: defaultReplyTo(), correlationId: taskId };
  }

  // ---- housekeeping ------------------------------------------------------------------------

  /**
   * Deletes results older than `expires`, for stores that cannot expire entries by themselves
   * (SQL). Returns how many were removed; 0 where the store expires entries itself.
   */
  async cleanup(options: CallOptions = {}): Promise<number> {
    this.#assertOpen();
    const cleanup = this.adapter.cleanup;
    if (!cleanup || this.config.expires === null) return 0;
    const olderThan = new Date(Date.now() - this.config.expires * 1000);
    return this.#run(() => cleanup.call(this.adapter, olderThan), options, false);
  }

  /** Ends every pending wait with `BackendClosedError` and closes the adapter's connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#waiters.close();
    try {
      await this.adapter.close();
    } catch (error) {
      throw this.#wrap(error);
    }
  }

  /** How many task ids are being waited on right now. */
  get pendingWaits(): number {
    return this.#waiters.pendingCount;
  }

  // ---- internals ---------------------------------------------------------------------------

  #buildMeta(taskId: string, value: unknown, state: State, options: StoreOptions): TaskMeta {
    if (typeof taskId !== 'string' || taskId === '') throw new TypeError('taskId must be a non-empty string');
    const request = options.request;
    const meta: TaskMeta = {
      taskId,
      status: state,
      // A task that returns another result stores its reference, as Celery's prepare_value does.
      result: value instanceof AsyncResult || value instanceof GroupResult ? value.toTuple() : value,
      traceback: options.traceback ?? null,
      children: request?.children ?? [],
      dateDone: READY_STATES.has(state) ? new Date() : null,
    };
    if (request?.group) meta.groupId = request.group;
    if (request?.parentId) meta.parentId = request.parentId;
    if (this.config.extended && request) {
      meta.name = request.name ?? null;
      meta.args = request.args ?? null;
      meta.kwargs = request.kwargs ?? null;
      meta.worker = request.hostname ?? null;
      meta.retries = request.retries ?? 0;
      meta.queue = request.routingKey ?? null;
    }
    return meta;
  }

  async #loadMany(ids: readonly string[]): Promise<(TaskMeta | null | Error)[]> {
    const adapter = this.adapter;
    if (adapter.loadMany) return this.#run(() => adapter.loadMany!(ids));
    return Promise.all(ids.map((id) => this.#run(() => adapter.load(id)).catch((error: unknown) => asError(error))));
  }

  #groupStore() {
    const store = {
      getTaskMeta: (id: string) => this.getTaskMeta(id),
      waitForMeta: (id: string, options?: WaitOptions) => this.waitForMeta(id, options),
      forget: (id: string) => this.forget(id),
      saveGroupTuple: async (groupId: string, results: readonly ResultTuple[]) => {
        this.#assertOpen();
        const save = this.#requireGroups().saveGroup!;
        const group: GroupMeta = { groupId, results: [...results], dateDone: new Date() };
        await this.#run(() => save.call(this.adapter, group, { expires: this.config.expires }));
      },
      deleteGroup: (groupId: string) => this.deleteGroup(groupId),
    };
    return store;
  }

  #requireChords(): BackendAdapter {
    const a = this.adapter;
    if (!a.capabilities.chords || !a.setChordSize || !a.onChordPartReturn || !a.addToChord) {
      throw new NotSupportedError(`The ${a.name} backend does not implement Celery's chord protocol.`);
    }
    return a;
  }

  #requireGroups(): BackendAdapter {
    const a = this.adapter;
    if (!a.capabilities.groups || !a.saveGroup || !a.loadGroup || !a.removeGroup) {
      throw new NotSupportedError(`The ${a.name} backend does not store groups (Celery's ${a.name} backend does not either).`);
    }
    return a;
  }

  /**
   * Runs one adapter operation: retried under the policy (unless `retry` is false), bounded by
   * the call's `timeout` and `signal`, and ending, when it fails, with a typed and scrubbed
   * error from the adapter's `wrapError`; `then` maps the value on the way out.
   *
   * Every store and read passes here, so a call without a timeout or signal costs one promise
   * reaction on top of the adapter's own promise: no `async` frame per layer (the caller, this,
   * the retry loop), each of which would add a promise and a turn of the microtask queue
   * before the caller sees its result. The retry loop starts only once an attempt has failed.
   */
  #run<T, R = T>(operation: () => Promise<T>, call: CallOptions = {}, retry = true, then?: (value: T) => R): Promise<R> {
    const { timeout, signal } = call;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const bounded = (timeout !== undefined && timeout !== Infinity) || signal !== undefined;
    if (!bounded) {
      return attempt(operation).then(then, (error: unknown) => this.#recover(error, operation, retry, then)) as Promise<R>;
    }
    const work = this.#runBounded(operation, timeout, signal, retry);
    return (then ? work.then(then) : work) as Promise<R>;
  }

  /** An unbounded call whose first attempt failed: its retries, then the typed error. */
  async #recover<T, R>(error: unknown, operation: () => Promise<T>, retry: boolean, then: ((value: T) => R) | undefined): Promise<R | T> {
    try {
      if (!retry) throw error;
      const value = await retryAfter(error, operation, this.#isRetryable, this.config.retry);
      return then ? then(value) : value;
    } catch (failure) {
      throw this.#wrap(failure);
    }
  }

  /** `#run` with a timeout or a signal. */
  #runBounded<T>(operation: () => Promise<T>, timeout: number | undefined, signal: AbortSignal | undefined, retry: boolean): Promise<T> {
    // The last failure of any attempt, for the TimeoutError to say why the call took so long.
    let lastFailure: unknown;
    const tracked = (): Promise<T> =>
      attempt(operation).catch((error: unknown) => {
        lastFailure = error;
        throw error;
      });
    const stop = new AbortController();
    const work = retry ? withRetry(tracked, this.#isRetryable, this.config.retry, stop.signal) : tracked();
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      let stopListening: (() => void) | undefined;
      const settle = (finish: () => void): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        stopListening?.();
        // Ends the retry loop's sleep; an attempt already sent runs to its end unobserved.
        stop.abort();
        finish();
      };
      if (timeout !== undefined && timeout !== Infinity) {
        timer = setTimeout(() => {
          const failure = lastFailure === undefined ? undefined : this.#wrap(lastFailure);
          settle(() => reject(timeoutError(`The ${this.adapter.name} backend did not answer`, timeout, failure)));
        }, Math.max(0, timeout));
      }
      // One listener per signal however many calls share it (see awaiting/shared-abort.ts).
      if (signal) stopListening = onSignalAbort(signal, () => settle(() => reject(abortError(signal))));
      work.then(
        (value) => settle(() => resolve(value)),
        (error: unknown) => settle(() => reject(this.#wrap(error))),
      );
    });
  }

  #wrap(error: unknown): unknown {
    return this.adapter.wrapError ? this.adapter.wrapError(error) : error;
  }

  // The push channel as core's waits see it: its failures typed and scrubbed like any other.
  #typedChannel(open: () => PushChannel): PushChannel {
    let channel: PushChannel;
    try {
      channel = open();
    } catch (error) {
      throw this.#wrap(error);
    }
    const wrap = (error: unknown): never => {
      throw this.#wrap(error);
    };
    const typed = (error: Error | null | undefined): Error | null => (error ? (this.#wrap(error) as Error) : null);
    return {
      subscribe: (ids) => channel.subscribe(ids).catch(wrap),
      unsubscribe: (ids) => channel.unsubscribe(ids).catch(wrap),
      close: () => channel.close().catch(wrap),
      get connectionError() {
        return typed(channel.connectionError);
      },
      get safetyPollInterval() {
        return channel.safetyPollInterval;
      },
    };
  }

  #assertOpen(): void {
    if (this.#closed) throw new BackendClosedError();
  }
}

export { DEFAULT_RETRY_POLICY };

function toRemote(error: unknown): unknown {
  return error instanceof Error ? error : new RemoteTaskError({ excType: 'Exception', excModule: 'builtins', excArgs: [String(error)] });
}

function tracebackOf(error: unknown, options: StoreOptions): string | null {
  if (options.traceback !== undefined) return options.traceback;
  if (error instanceof RemoteTaskError) return error.traceback;
  return error instanceof Error ? (error.stack ?? null) : null;
}

// A signal aborted with one of our errors (a set's shared deadline) rejects with that error.
function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof ResultkitError ? signal.reason : new AbortError(signal.reason);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
