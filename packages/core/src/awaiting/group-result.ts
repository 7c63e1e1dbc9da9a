import { groupResultTuple, type ResultTuple } from '../result-tuple.js';
import type { AsyncResult, ResultSource } from './async-result.js';
import { ResultSet } from './result-set.js';

/** The part of a backend a `GroupResult` needs beyond reading results. */
export interface GroupStore extends ResultSource {
  saveGroupTuple(groupId: string, results: readonly ResultTuple[]): Promise<void>;
  deleteGroup(groupId: string): Promise<void>;
}

/** A `ResultSet` with an id, saved and restored in Celery's `GroupResult` format. */
export class GroupResult<T = unknown> extends ResultSet<T> {
  readonly id: string;
  readonly #store: GroupStore;

  constructor(id: string, results: readonly AsyncResult<T>[], store: GroupStore) {
    super(results, store);
    this.id = id;
    this.#store = store;
  }

  /** Stores the group so `restoreGroup(id)` (here or in Python) finds it. */
  async save(): Promise<this> {
    await this.#store.saveGroupTuple(this.id, this.results.map((r) => r.toTuple()));
    return this;
  }

  async delete(): Promise<void> {
    await this.#store.deleteGroup(this.id);
  }

  /** Celery's `as_tuple()`: `[[groupId, null], [member tuples]]`. */
  toTuple(): ResultTuple {
    return groupResultTuple(this.id, this.results.map((r) => r.toTuple()));
  }
}
