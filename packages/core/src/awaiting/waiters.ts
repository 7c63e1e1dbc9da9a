import type { PushChannel } from '../adapter/contract.js';
import { AbortError, BackendClosedError, ResultkitError, timeoutError } from '../errors.js';
import { READY_STATES } from '../states.js';
import { DeadlineQueue, type Deadlined } from './deadline-queue.js';
import { joinAbort, leaveAbort, type AbortMember } from './shared-abort.js';
import type { TaskMeta } from '../task-meta.js';
import { DEFAULT_MAX_POLL_INTERVAL, DEFAULT_POLL_INTERVAL, type WaitOptions } from './wait-options.js';

/** Reads many ids at once; an entry is a meta, null (nothing stored), or the error decoding it raised. */
export type LoadMany = (taskIds: readonly string[]) => Promise<(TaskMeta | null | Error)[]>;

/**
 * What a wait resolves with when that is not the meta itself: `AsyncResult.get()` resolves with
 * the task's value (or rejects with its error) straight from the settling wait, with no promise
 * and no turn of the microtask queue in between.
 */
export interface MetaSettler {
  _settle(meta: TaskMeta, propagate: boolean): unknown;
}

/**
 * One pending wait: a plain record, with no closure or timer of its own, because 100,000 of them
 * may be pending on one connection. It is its own entry in the deadline queue and its own member
 * of a shared signal's set.
 */
class Wait implements Deadlined, AbortMember {
  heapIndex = -1;
  // The other waits on the same task id, as a doubly linked list whose head the entries map holds.
  prev: Wait | null = null;
  next: Wait | null = null;

  constructor(
    readonly owner: Waiters,
    readonly taskId: string,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: unknown) => void,
    /** null: the wait resolves with the meta. */
    readonly settler: MetaSettler | null,
    readonly propagate: boolean,
    /** Poll mode: the interval this wait asked for. */
    readonly interval: number,
    readonly maxInterval: number,
    readonly timeout: number,
    /** `Date.now()` after which it times out; Infinity when it has no timeout. */
    readonly deadline: number,
    readonly signal: AbortSignal | undefined,
  ) {}

  signalAborted(signal: AbortSignal): void {
    this.owner._settle(this, abortError(signal), false);
  }
}

/**
 * Every pending wait of one backend, sharing one subscription per task id (push) or one batched
 * read per tick (polling). Whatever a wait registers (its record, its deadline, its share of a
 * signal's listener, a subscription) is removed when it settles, times out or is aborted, so
 * nothing outlives it. Timeouts share one timer (DeadlineQueue) and signals one listener each
 * (shared-abort), so a pending wait costs its promise and one record.
 *
 * Push: subscribe first, then read once, so a result stored before the subscription existed is
 * found by the read and one stored after it arrives as a message. After a reconnect the adapter
 * asks for a resync and every pending id is read again.
 */
export class Waiters {
  // The first wait of each task id; the others hang off it (Wait.next).
  readonly #entries = new Map<string, Wait>();
  readonly #deadlines = new DeadlineQueue<Wait>((wait) => this._settle(wait, this.#timeoutError(wait.timeout), false));
  readonly #loadMany: LoadMany;
  readonly #openPush: (() => PushChannel) | null;
  #channel: PushChannel | null = null;
  #closed = false;

  // Push: ids waiting to be subscribed (then read) in one batch, and ids to unsubscribe.
  #toSubscribe = new Set<string>();
  #toUnsubscribe = new Set<string>();
  #flushScheduled = false;
  // Unsubscribes alone wait for the next turn of the event loop (see #scheduleUnsubscribe).
  #unsubscribeTimer: NodeJS.Immediate | null = null;

  // Polling: one loop for all waiters.
  #pollTimer: NodeJS.Timeout | null = null;
  #pollDelay = DEFAULT_POLL_INTERVAL;
  #polling = false;
  // A waiter arrived during a poll: read again right after it instead of after the delay.
  #pollAgain = false;
  // Push: the channel said it cannot deliver for now, so pending ids are polled meanwhile.
  #pushDown = false;
  // The error of the last poll, while polls fail: a wait that times out names it.
  #pollFailure: unknown = null;

  constructor(options: { loadMany: LoadMany; openPush: ((waiters: Waiters) => PushChannel) | null }) {
    this.#loadMany = options.loadMany;
    this.#openPush = options.openPush ? () => options.openPush!(this) : null;
  }

  /** How many task ids have at least one waiter (for tests and metrics). */
  get pendingCount(): number {
    return this.#entries.size;
  }

  /**
   * Resolves with the first READY meta of `taskId`, or, given a `settler`, with what its
   * `_settle(meta, propagate)` returns (rejecting with what it throws).
   */
  wait(taskId: string, options: WaitOptions = {}, settler: MetaSettler | null = null, propagate = false): Promise<unknown> {
    if (this.#closed) return Promise.reject(new BackendClosedError());
    const { signal, timeout } = options;
    if (signal?.aborted) return Promise.reject(abortError(signal));

    return new Promise<unknown>((resolve, reject) => {
      const limited = timeout !== undefined && timeout !== Infinity;
      const wait = new Wait(
        this,
        taskId,
        resolve,
        reject,
        settler,
        propagate,
        options.interval ?? DEFAULT_POLL_INTERVAL,
        options.maxInterval ?? DEFAULT_MAX_POLL_INTERVAL,
        limited ? timeout : Infinity,
        limited ? Date.now() + Math.max(0, timeout) : Infinity,
        signal,
      );
      if (limited) this.#deadlines.add(wait);
      if (signal) joinAbort(signal, wait);
      this.#addWaiter(wait);
    });
  }

  /**
   * @internal Ends `wait`: takes it out of every structure it was registered in, then resolves
   * it with a meta or rejects it with an error.
   */
  _settle(wait: Wait, outcome: TaskMeta | unknown, resolved: boolean): void {
    if (wait.heapIndex >= 0) this.#deadlines.remove(wait);
    if (wait.signal) leaveAbort(wait.signal, wait);
    this.#removeWaiter(wait);
    if (!resolved) {
      wait.reject(outcome);
      return;
    }
    const settler = wait.settler;
    if (settler === null) {
      wait.resolve(outcome);
      return;
    }
    let value: unknown;
    try {
      value = settler._settle(outcome as TaskMeta, wait.propagate);
    } catch (error) {
      wait.reject(error);
      return;
    }
    wait.resolve(value);
  }

  /** Called by the push channel (or a read) with a state change of `taskId`. */
  deliver(taskId: string, meta: TaskMeta | Error | null): void {
    if (meta === null || !this.#entries.has(taskId)) return;
    if (meta instanceof Error) {
      this.#settleAll(taskId, meta, false);
      return;
    }
    // Non-final states (STARTED, RETRY, custom) do not end a wait.
    if (!READY_STATES.has(meta.status)) return;
    this.#settleAll(taskId, meta, true);
  }

  /** Reads every pending id again: after a reconnect, messages may have been missed. */
  resync(): void {
    const ids = [...this.#entries.keys()];
    if (ids.length) void this.#readAndDeliver(ids);
  }

  /** Rejects every pending wait and releases the push channel. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const taskId of [...this.#entries.keys()]) this.#settleAll(taskId, new BackendClosedError(), false);
    this.#deadlines.clear();
    this.#stopPolling();
    if (this.#unsubscribeTimer) clearImmediate(this.#unsubscribeTimer);
    this.#unsubscribeTimer = null;
    const channel = this.#channel;
    this.#channel = null;
    await channel?.close();
  }

  #addWaiter(waiter: Wait): void {
    const { taskId } = waiter;
    const first = this.#entries.get(taskId);
    if (first) {
      // Joins right after the first, so the list needs no tail pointer.
      waiter.prev = first;
      waiter.next = first.next;
      if (first.next) first.next.prev = waiter;
      first.next = waiter;
      if (this.#pollsForWaits()) this.#wakePolling(waiter.interval);
      return;
    }
    this.#entries.set(taskId, waiter);
    if (this.#openPush) {
      // A pending unsubscribe for the same id is cancelled rather than undone and redone.
      if (this.#toUnsubscribe.delete(taskId)) {
        void this.#readAndDeliver([taskId]);
        return;
      }
      this.#toSubscribe.add(taskId);
      this.#scheduleFlush();
      // Subscribed all the same, so push takes over again the moment it is restored.
      if (this.#pushDown) this.#wakePolling(waiter.interval);
    } else {
      this.#wakePolling(waiter.interval);
    }
  }

  #removeWaiter(waiter: Wait): void {
    const { taskId, prev, next } = waiter;
    waiter.prev = waiter.next = null;
    if (next) next.prev = prev;
    if (prev) {
      prev.next = next;
      return;
    }
    if (this.#entries.get(taskId) !== waiter) return;
    if (next) {
      this.#entries.set(taskId, next);
      return;
    }
    this.#entries.delete(taskId);
    if (this.#openPush && !this.#toSubscribe.delete(taskId)) {
      this.#toUnsubscribe.add(taskId);
      this.#scheduleUnsubscribe();
    }
    if (this.#entries.size === 0) this.#stopPolling();
  }

  // Subscriptions and unsubscriptions made in the same tick go to the server as one batch:
  // 1,000 concurrent waits cost one SUBSCRIBE and one MGET, not a thousand of each.
  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(() => {
      this.#flushScheduled = false;
      void this.#flush();
    });
  }

  // A wait that just settled is resolved in the same job that settled it, and its UNSUBSCRIBE
  // (a socket write) would otherwise be sent first, in the microtask queued before the
  // promise's reactions: the caller would get its result only after that write. Sent from
  // setImmediate, it goes out once the caller's code has run, batched with every other wait
  // that ended in the same turn. A new wait on the same id before then cancels it (#addWaiter).
  #scheduleUnsubscribe(): void {
    if (this.#flushScheduled || this.#unsubscribeTimer) return;
    this.#unsubscribeTimer = setImmediate(() => {
      this.#unsubscribeTimer = null;
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    if (this.#closed || (!this.#toSubscribe.size && !this.#toUnsubscribe.size)) return;
    let channel: PushChannel;
    try {
      channel = this.#channel ??= this.#openPush!();
    } catch (error) {
      const ids = [...this.#toSubscribe];
      this.#toSubscribe.clear();
      for (const id of ids) this.#rejectAll(id, error);
      return;
    }
    const unsubscribe = [...this.#toUnsubscribe];
    const subscribe = [...this.#toSubscribe];
    this.#toUnsubscribe.clear();
    this.#toSubscribe.clear();
    if (unsubscribe.length) {
      channel.unsubscribe(unsubscribe).catch(() => {
        // A failed unsubscribe only leaves a channel open until the next reconnect; the
        // waiters are gone already, so a late message for it is ignored.
      });
    }
    if (!subscribe.length) return;
    try {
      await channel.subscribe(subscribe);
    } catch (error) {
      for (const id of subscribe) this.#rejectAll(id, error);
      return;
    }
    await this.#readAndDeliver(subscribe);
    this.#scheduleSafetyPoll();
  }

  /** The push channel cannot deliver for now: poll every pending id until it can. */
  pushUnavailable(): void {
    if (this.#closed || this.#pushDown) return;
    this.#pushDown = true;
    let interval = DEFAULT_POLL_INTERVAL;
    for (const w of this.#eachWait()) interval = Math.min(interval, w.interval);
    this.#pollDelay = interval;
    this.#stopPolling();
    if (this.#entries.size) this.#wakePolling(interval);
  }

  /** The push channel delivers again: stop polling, and read once what may have been missed. */
  pushRestored(): void {
    if (this.#closed || !this.#pushDown) return;
    this.#pushDown = false;
    this.#pollFailure = null;
    this.#stopPolling();
    this.resync();
    this.#scheduleSafetyPoll();
  }

  // Waits are served by polling: the store has no push, or push is down for now.
  #pollsForWaits(): boolean {
    return !this.#openPush || this.#pushDown;
  }

  // While push works, a channel may ask for a slow steady read of every pending id anyway, for
  // writers that do not push (see PushChannel.safetyPollInterval).
  #scheduleSafetyPoll(): void {
    const every = this.#channel?.safetyPollInterval;
    if (!every || this.#pushDown || this.#pollTimer || this.#polling || this.#closed || !this.#entries.size) return;
    this.#pollTimer = setTimeout(() => void this.#pollOnce(), every);
  }

  async #readAndDeliver(ids: readonly string[]): Promise<void> {
    const pending = ids.filter((id) => this.#entries.has(id));
    if (!pending.length) return;
    let metas: (TaskMeta | null | Error)[];
    try {
      metas = await this.#loadMany(pending);
    } catch (error) {
      for (const id of pending) this.#rejectAll(id, error);
      return;
    }
    pending.forEach((id, i) => this.deliver(id, metas[i] ?? null));
  }

  #rejectAll(taskId: string, error: unknown): void {
    this.#settleAll(taskId, error, false);
  }

  // Settling a wait unlinks it, so the next one is taken before.
  #settleAll(taskId: string, outcome: TaskMeta | unknown, resolved: boolean): void {
    let wait: Wait | null | undefined = this.#entries.get(taskId);
    while (wait) {
      const next: Wait | null = wait.next;
      this._settle(wait, outcome, resolved);
      wait = next;
    }
  }

  *#eachWait(): Generator<Wait> {
    for (const first of this.#entries.values()) for (let w: Wait | null = first; w; w = w.next) yield w;
  }

  // Polling: every pending id is read in one batch per tick. The delay starts at the smallest
  // interval a waiter asked for and grows by half after each tick that finished nothing.
  #wakePolling(interval: number): void {
    if (this.#pollDelay > interval || !this.#pollTimer) this.#pollDelay = interval;
    if (this.#polling) {
      this.#pollAgain = true;
      return;
    }
    if (this.#pollTimer) {
      clearTimeout(this.#pollTimer);
      this.#pollTimer = null;
    }
    // The first read happens now: a result stored before the wait began is returned at once.
    this.#pollTimer = setTimeout(() => void this.#pollOnce(), 0);
  }

  async #pollOnce(): Promise<void> {
    this.#pollTimer = null;
    if (!this.#entries.size || this.#closed) return;
    this.#polling = true;
    const before = this.#entries.size;
    const ids = [...this.#entries.keys()];
    try {
      const metas = await this.#loadMany(ids);
      this.#pollFailure = null;
      ids.forEach((id, i) => this.deliver(id, metas[i] ?? null));
    } catch (error) {
      // A failed poll (connection lost) is retried on the next tick until each wait's timeout.
      this.#pollFailure = error;
    } finally {
      this.#polling = false;
    }
    if (!this.#entries.size || this.#closed) return;
    if (!this.#pollsForWaits()) {
      this.#scheduleSafetyPoll();
      return;
    }
    let maxInterval = DEFAULT_MAX_POLL_INTERVAL;
    for (const w of this.#eachWait()) maxInterval = Math.min(maxInterval, w.maxInterval);
    const delay = this.#pollAgain ? 0 : this.#pollDelay;
    this.#pollAgain = false;
    this.#pollDelay = this.#entries.size < before ? this.#pollDelay : Math.min(maxInterval, Math.ceil(this.#pollDelay * 1.5));
    this.#pollTimer = setTimeout(() => void this.#pollOnce(), delay);
  }

  // What failed while the wait ran (the polls' reads, or the push channel's connection), so
  // that a wait on an unreachable server does not look like a slow task.
  #timeoutError(timeout: number): Error {
    const failure = (this.#openPush ? this.#channel?.connectionError : null) ?? this.#pollFailure;
    return timeoutError('The result was not ready', timeout, failure);
  }

  #stopPolling(): void {
    if (this.#pollTimer) clearTimeout(this.#pollTimer);
    this.#pollTimer = null;
  }
}

// A signal aborted with one of our errors (a set's shared deadline) rejects with that error;
// any other reason is wrapped in `AbortError`.
function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof ResultkitError ? signal.reason : new AbortError(signal.reason);
}
