import {
  AbortError,
  BackendClosedError,
  READY_STATES,
  RemoteTaskError,
  states,
  type AsyncResult,
  type ResultBackend,
  type ResultSet,
  type TaskMeta,
} from '@resultkit/core';
import type { JobIndex } from './job-index.js';
import { applyMeta, describeException, jsonReplacer, markDone, type JobRecord, type PartRecord } from './job-record.js';

/**
 * Follows submitted jobs through the backend and keeps their records current.
 *
 * The ready state arrives through `AsyncResult.get()` and `GroupResult`'s completion order,
 * which the backend pushes where it can (Redis pub/sub, PostgreSQL NOTIFY, a directory watch).
 * Waits end only at a ready state, so the states before it (STARTED, PROGRESS) are read by one
 * timer that looks at every unfinished task every `pollInterval` milliseconds.
 */
export class JobTracker {
  readonly #backend: ResultBackend;
  readonly #index: JobIndex;
  readonly #stop = new AbortController();
  /** Unfinished task ids and what to do with each new state of theirs. */
  readonly #watched = new Map<string, { last: string; onState: (meta: TaskMeta) => void }>();
  readonly #running = new Set<Promise<void>>();
  readonly #timer: NodeJS.Timeout;
  readonly #onError: (error: unknown) => void;
  #polling = false;

  constructor(backend: ResultBackend, index: JobIndex, { pollInterval = 250, onError = console.error } = {}) {
    this.#backend = backend;
    this.#index = index;
    this.#onError = onError;
    this.#timer = setInterval(() => void this.#poll(), pollInterval);
  }

  /** One task: its record takes every state the task goes through. */
  followTask(record: JobRecord): void {
    this.#watch(record.id, (meta) => this.#update(record, () => applyMeta(record, meta)));
    this.#follow(record, async (signal) => {
      const result = this.#backend.asyncResult(record.id);
      await result.get({ signal, propagate: false });
      const meta = await result.meta();
      this.#update(record, () => applyMeta(record, meta));
    });
  }

  /** A group: each member's state as it changes, then the joined values in member order. */
  followGroup(record: JobRecord, group: ResultSet): void {
    this.#followParts(record, group);
    this.#follow(record, async (signal) => {
      await this.#awaitParts(record, group, signal);
      try {
        const values = await group.join({ signal });
        this.#update(record, () => {
          record.state = states.SUCCESS;
          record.result = values;
          markDone(record, new Date());
        });
      } catch (error) {
        if (!(error instanceof RemoteTaskError)) throw error;
        // join() rejects with the first member (in order) that failed: the group's exception.
        this.#update(record, () => {
          record.state = states.FAILURE;
          record.exception = describeException(error);
          record.traceback = error.traceback;
          markDone(record, new Date());
        });
      }
    });
  }

  /** A chord: the header members like a group's, then the body's result as the job's result. */
  followChord(record: JobRecord, header: ResultSet, body: AsyncResult): void {
    this.#followParts(record, header);
    this.#follow(record, async (signal) => {
      await this.#awaitParts(record, header, signal);
      await body.get({ signal, propagate: false });
      const meta = await body.meta();
      this.#update(record, () => applyMeta(record, meta));
    });
  }

  /** Ends every wait and the timer; records keep the last state seen. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#stop.abort();
    await Promise.all(this.#running);
  }

  #followParts(record: JobRecord, members: ResultSet): void {
    record.parts = members.results.map((member): PartRecord => ({ id: member.id, state: states.PENDING }));
    for (const part of record.parts) this.#watch(part.id, (meta) => this.#updatePart(record, part, meta.status));
  }

  /** Each member's ready state as it arrives, in completion order. */
  async #awaitParts(record: JobRecord, members: ResultSet, signal: AbortSignal): Promise<void> {
    const parts = new Map(record.parts!.map((part) => [part.id, part]));
    for await (const meta of members.completed({ signal })) {
      this.#watched.delete(meta.taskId);
      this.#updatePart(record, parts.get(meta.taskId)!, meta.status);
    }
  }

  #updatePart(record: JobRecord, part: PartRecord, state: string): void {
    if (READY_STATES.has(part.state) || part.state === state) return;
    this.#update(record, () => {
      part.state = state;
      if (record.state === states.PENDING) record.state = states.STARTED;
    });
  }

  /** Applies a change to a record that is not finished yet, and tells the event streams. */
  #update(record: JobRecord, change: () => void): void {
    if (READY_STATES.has(record.state)) return;
    change();
    this.#index.changed(record);
  }

  #watch(taskId: string, onState: (meta: TaskMeta) => void): void {
    this.#watched.set(taskId, { last: '', onState });
  }

  #follow(record: JobRecord, wait: (signal: AbortSignal) => Promise<void>): void {
    const running = wait(this.#stop.signal)
      .catch((error: unknown) => {
        if (error instanceof AbortError || error instanceof BackendClosedError) return;
        this.#onError(error);
      })
      .finally(() => {
        this.#running.delete(running);
        this.#watched.delete(record.id);
        for (const part of record.parts ?? []) this.#watched.delete(part.id);
      });
    this.#running.add(running);
  }

  async #poll(): Promise<void> {
    if (this.#polling || this.#watched.size === 0) return;
    this.#polling = true;
    try {
      for (const [taskId, watch] of [...this.#watched]) {
        if (this.#stop.signal.aborted) return;
        const meta = await this.#backend.getTaskMeta(taskId, { signal: this.#stop.signal });
        // A custom state changes its meta without changing its name (PROGRESS 1/5, 2/5...).
        const seen = `${meta.status} ${JSON.stringify(meta.result, jsonReplacer)}`;
        if (seen === watch.last || READY_STATES.has(meta.status)) continue;
        watch.last = seen;
        watch.onState(meta);
      }
    } catch (error) {
      if (!(error instanceof AbortError || error instanceof BackendClosedError)) this.#onError(error);
    } finally {
      this.#polling = false;
    }
  }
}
