import { RemoteTaskError } from '../remote-task-error.js';
import { asyncResultTuple, type ResultTuple } from '../result-tuple.js';
import { PROPAGATE_STATES, READY_STATES, states, type State } from '../states.js';
import type { TaskMeta } from '../task-meta.js';
import type { WaitOptions } from './wait-options.js';

/** The part of a backend an `AsyncResult` needs. */
export interface ResultSource {
  getTaskMeta(taskId: string): Promise<TaskMeta>;
  waitForMeta(taskId: string, options?: WaitOptions): Promise<TaskMeta>;
  /** @internal Waits and resolves with `result._settle(meta, propagate)` itself, where the source can. */
  _waitForValue?<T>(result: AsyncResult<T>, options: WaitOptions, propagate: boolean): Promise<T>;
  forget(taskId: string): Promise<void>;
}

export interface GetOptions extends WaitOptions {
  /** Throw the task's exception for FAILURE and REVOKED (default true); otherwise return it. */
  propagate?: boolean;
}

/**
 * A handle on one task's result. Reads go to the backend until a ready state is seen; from then
 * on the ready meta is cached, so `get()` after `ready()` costs nothing.
 */
export class AsyncResult<T = unknown> {
  readonly id: string;
  readonly #source: ResultSource;
  #ready: TaskMeta | null = null;

  constructor(id: string, source: ResultSource) {
    this.id = id;
    this.#source = source;
  }

  /**
   * Waits for the task to be ready and returns its value. With `propagate` (the default) a
   * FAILURE or REVOKED throws `RemoteTaskError`; otherwise the error is returned as the value.
   * STARTED, RETRY and custom states do not end the wait.
   */
  get(options: GetOptions = {}): Promise<T> {
    const propagate = options.propagate ?? true;
    if (this.#ready) {
      try {
        return Promise.resolve(this.#valueOf(this.#ready, propagate));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    // Not an async function: a pending async call keeps a suspended frame (generator and
    // registers) for every pending wait. Where the source can, the wait resolves with the value
    // itself, so not even a `.then` reaction (a promise, a microtask turn) is left.
    const source = this.#source;
    if (source._waitForValue) return source._waitForValue(this, options, propagate);
    return source.waitForMeta(this.id, options).then((meta) => this._settle(meta, propagate));
  }

  /** The current meta (PENDING for an unknown id). */
  async meta(): Promise<TaskMeta> {
    return this.#ready ?? this.#remember(await this.#source.getTaskMeta(this.id));
  }

  async state(): Promise<State> {
    return (await this.meta()).status;
  }

  /** True once the task is SUCCESS, FAILURE or REVOKED. */
  async ready(): Promise<boolean> {
    return READY_STATES.has(await this.state());
  }

  async successful(): Promise<boolean> {
    return (await this.state()) === states.SUCCESS;
  }

  async failed(): Promise<boolean> {
    return (await this.state()) === states.FAILURE;
  }

  /** The stored traceback, if the task failed or is retrying. */
  async traceback(): Promise<string | null> {
    return (await this.meta()).traceback;
  }

  /** Deletes the stored result (and stops caching it). */
  async forget(): Promise<void> {
    this.#ready = null;
    await this.#source.forget(this.id);
  }

  /** Celery's `as_tuple()` form, as stored in `children` and groups. */
  toTuple(): ResultTuple {
    return asyncResultTuple(this.id);
  }

  /** The ready meta when already known, without I/O. */
  get cached(): TaskMeta | null {
    return this.#ready;
  }

  #remember(meta: TaskMeta): TaskMeta {
    if (READY_STATES.has(meta.status)) this.#ready = meta;
    return meta;
  }

  #valueOf(meta: TaskMeta, propagate: boolean): T {
    if (propagate && PROPAGATE_STATES.has(meta.status)) {
      throw meta.result instanceof RemoteTaskError
        ? meta.result
        : new RemoteTaskError({ excType: 'Exception', excArgs: [String(meta.result)], taskId: this.id, state: meta.status });
    }
    return meta.result as T;
  }

  /** @internal Used by `ResultSet` to share one wait for all members. */
  _settle(meta: TaskMeta, propagate: boolean): T {
    return this.#valueOf(this.#remember(meta), propagate);
  }
}
