/**
 * Coalescing of concurrent statements. Stores (and reads) that arrive while others are being
 * collected or are in flight go to the database together, as one multi-row statement, instead
 * of one round trip each. Collection waits for the end of the current turn of the event loop
 * (`setImmediate`), so a burst of calls from one I/O callback becomes one batch.
 *
 * Semantics are those of running the writes one after another, in the order they were made:
 * - writes of the same task id never run concurrently: a write whose id is in flight waits in
 *   the queue, and later writes of that id wait behind it;
 * - repeated writes of one id inside a batch are split into rounds (round k holds each id's k-th
 *   write) run in order, since one multi-row upsert cannot touch a row twice;
 * - each caller's promise settles with its own row's outcome: when a multi-row statement fails
 *   for a reason that is not the connection, its rows are written one by one to find out which.
 */

interface PendingWrite<T> {
  key: string;
  item: T;
  resolve(): void;
  reject(error: unknown): void;
}

export interface WriteBatcherOptions<T> {
  /** Writes items with distinct keys in one statement. */
  write(items: T[]): Promise<void>;
  /** A failure of the whole statement (connection lost): the items are not retried one by one. */
  isRetryable(error: unknown): boolean;
  maxRows: number;
  maxInFlight: number;
}

export class WriteBatcher<T> {
  readonly #options: WriteBatcherOptions<T>;
  #queue: PendingWrite<T>[] = [];
  readonly #inFlightKeys = new Map<string, number>();
  #inFlight = 0;
  #scheduled = false;
  #idle: (() => void)[] = [];

  constructor(options: WriteBatcherOptions<T>) {
    this.#options = options;
  }

  /** Queues a write of `item` (its task id is `key`); resolves once it is committed. */
  submit(key: string, item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ key, item, resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves when nothing is queued or in flight (for `close()`). */
  drain(): Promise<void> {
    if (!this.#queue.length && !this.#inFlight) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#queue.length && this.#inFlight < this.#options.maxInFlight) {
      const batch = this.#take();
      if (!batch.length) break;
      this.#inFlight++;
      for (const write of batch) this.#inFlightKeys.set(write.key, (this.#inFlightKeys.get(write.key) ?? 0) + 1);
      void this.#run(batch).finally(() => {
        this.#inFlight--;
        for (const write of batch) {
          const n = this.#inFlightKeys.get(write.key)! - 1;
          if (n) this.#inFlightKeys.set(write.key, n);
          else this.#inFlightKeys.delete(write.key);
        }
        if (this.#queue.length) this.#schedule();
        else if (!this.#inFlight) for (const resolve of this.#idle.splice(0)) resolve();
      });
    }
  }

  /** Up to `maxRows` queued writes whose ids are not in flight, in queue order. */
  #take(): PendingWrite<T>[] {
    const taken: PendingWrite<T>[] = [];
    const rest: PendingWrite<T>[] = [];
    const blocked = new Set<string>();
    for (const write of this.#queue) {
      // A write whose id is in flight, or queued behind one that is, keeps its place.
      if (taken.length < this.#options.maxRows && !blocked.has(write.key) && !this.#inFlightKeys.has(write.key)) taken.push(write);
      else {
        blocked.add(write.key);
        rest.push(write);
      }
    }
    this.#queue = rest;
    return taken;
  }

  async #run(batch: PendingWrite<T>[]): Promise<void> {
    for (const round of rounds(batch)) await this.#runRound(round);
  }

  async #runRound(round: PendingWrite<T>[]): Promise<void> {
    try {
      await this.#options.write(round.map((w) => w.item));
      for (const w of round) w.resolve();
    } catch (error) {
      if (round.length === 1 || this.#options.isRetryable(error)) {
        for (const w of round) w.reject(error);
        return;
      }
      // One bad row (an id too long, a value over a column's size) fails the whole statement:
      // write them one by one so that only its own caller sees the error.
      for (const w of round) {
        try {
          await this.#options.write([w.item]);
          w.resolve();
        } catch (own) {
          w.reject(own);
        }
      }
    }
  }
}

/** Round k holds the k-th write of each key, in queue order. */
function rounds<T extends { key: string }>(batch: T[]): T[][] {
  const out: T[][] = [];
  const seen = new Map<string, number>();
  for (const write of batch) {
    const k = seen.get(write.key) ?? 0;
    seen.set(write.key, k + 1);
    (out[k] ??= []).push(write);
  }
  return out;
}

interface PendingRead<R> {
  resolve(value: R): void;
  reject(error: unknown): void;
}

export interface ReadBatcherOptions<R> {
  /** Reads many keys at once; an entry is the value or the error decoding it raised. */
  read(keys: string[]): Promise<(R | Error)[]>;
  maxRows: number;
  maxInFlight: number;
}

/** Coalesces concurrent reads of single ids into `WHERE task_id IN (...)` reads. */
export class ReadBatcher<R> {
  readonly #options: ReadBatcherOptions<R>;
  #pending = new Map<string, PendingRead<R>[]>();
  #inFlight = 0;
  #scheduled = false;
  #idle: (() => void)[] = [];

  constructor(options: ReadBatcherOptions<R>) {
    this.#options = options;
  }

  submit(key: string): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const waiting = this.#pending.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else this.#pending.set(key, [{ resolve, reject }]);
      this.#schedule();
    });
  }

  drain(): Promise<void> {
    if (!this.#pending.size && !this.#inFlight) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#pending.size && this.#inFlight < this.#options.maxInFlight) {
      const batch = new Map<string, PendingRead<R>[]>();
      for (const [key, waiting] of this.#pending) {
        if (batch.size >= this.#options.maxRows) break;
        batch.set(key, waiting);
      }
      for (const key of batch.keys()) this.#pending.delete(key);
      this.#inFlight++;
      void this.#run(batch).finally(() => {
        this.#inFlight--;
        if (this.#pending.size) this.#schedule();
        else if (!this.#inFlight) for (const resolve of this.#idle.splice(0)) resolve();
      });
    }
  }

  async #run(batch: Map<string, PendingRead<R>[]>): Promise<void> {
    const keys = [...batch.keys()];
    let values: (R | Error)[];
    try {
      values = await this.#options.read(keys);
    } catch (error) {
      for (const waiting of batch.values()) for (const w of waiting) w.reject(error);
      return;
    }
    keys.forEach((key, i) => {
      const value = values[i] as R | Error;
      for (const w of batch.get(key)!) {
        if (value instanceof Error) w.reject(value);
        else w.resolve(value);
      }
    });
  }
}
