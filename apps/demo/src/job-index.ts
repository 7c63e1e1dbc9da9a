import { EventEmitter } from 'node:events';
import type { JobRecord } from './job-record.js';

/**
 * The app's own list of the jobs submitted to it, newest first, bounded to `capacity`.
 *
 * Why not list the backend? Only some stores can be listed (`rpc://` cannot), a listing walks
 * every stored result in key order rather than by time, and it would show other programs'
 * results too. The index holds what this app submitted, in order, and the backend stays the
 * single source of each job's state.
 */
export class JobIndex extends EventEmitter<{ change: [JobRecord] }> {
  readonly #jobs = new Map<string, JobRecord>();
  readonly #capacity: number;

  constructor(capacity = 500) {
    super();
    this.#capacity = capacity;
  }

  add(record: JobRecord): void {
    this.#jobs.set(record.id, record);
    if (this.#jobs.size > this.#capacity) this.#jobs.delete(this.#jobs.keys().next().value!);
    this.emit('change', record);
  }

  get(id: string): JobRecord | undefined {
    return this.#jobs.get(id);
  }

  /** Tells the listeners (the event streams) that a record changed. */
  changed(record: JobRecord): void {
    record.revision += 1;
    if (this.#jobs.get(record.id) === record) this.emit('change', record);
  }

  /** The newest jobs first, optionally only those in one state. */
  list({ state, limit = 100 }: { state?: string; limit?: number } = {}): JobRecord[] {
    const newestFirst = [...this.#jobs.values()].reverse();
    return (state ? newestFirst.filter((job) => job.state === state) : newestFirst).slice(0, limit);
  }
}
