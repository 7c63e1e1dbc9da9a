import { AbortError, TimeoutError } from '../errors.js';
import { READY_STATES, states } from '../states.js';
import type { TaskMeta } from '../task-meta.js';
import { onSignalAbort } from './shared-abort.js';
import type { AsyncResult, GetOptions, ResultSource } from './async-result.js';

/**
 * Many results waited on together: one batched subscription (or one batched poll) for all of
 * them, one deadline for the whole set.
 */
export class ResultSet<T = unknown> {
  readonly results: readonly AsyncResult<T>[];
  protected readonly source: ResultSource;

  constructor(results: readonly AsyncResult<T>[], source: ResultSource) {
    this.results = results;
    this.source = source;
  }

  get ids(): string[] {
    return this.results.map((r) => r.id);
  }

  /**
   * Waits for every member and returns their values in member order. With `propagate` (the
   * default) the first member to fail rejects the join at once and the other waits end.
   */
  async join(options: GetOptions = {}): Promise<T[]> {
    const propagate = options.propagate ?? true;
    const { signal, cleanup, abort } = linkedSignal(options);
    const member = { ...options, timeout: undefined, signal };
    try {
      return await Promise.all(
        this.results.map(async (result) => {
          const meta = result.cached ?? (await this.source.waitForMeta(result.id, member));
          return result._settle(meta, propagate);
        }),
      );
    } finally {
      // Ends the member waits still running after the first failure.
      abort();
      cleanup();
    }
  }

  /**
   * Yields each member's ready meta in completion order. Breaking out of the loop ends the
   * remaining waits.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<TaskMeta> {
    yield* this.completed();
  }

  /** As the async iterator, with a timeout and signal for the whole set. */
  async *completed(options: Omit<GetOptions, 'propagate'> = {}): AsyncGenerator<TaskMeta> {
    const { signal, cleanup, abort } = linkedSignal(options);
    const member = { ...options, timeout: undefined, signal };
    const queue: (TaskMeta | { error: unknown })[] = [];
    let wake: (() => void) | null = null;
    const pending = this.results.map((result) =>
      (result.cached ? Promise.resolve(result.cached) : this.source.waitForMeta(result.id, member)).then(
        (meta) => {
          result._settle(meta, false);
          queue.push(meta);
          wake?.();
        },
        (error: unknown) => {
          queue.push({ error });
          wake?.();
        },
      ),
    );
    try {
      for (let delivered = 0; delivered < pending.length; delivered++) {
        while (!queue.length) await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        const next = queue.shift()!;
        if ('error' in next && !('status' in next)) throw next.error;
        yield next as TaskMeta;
      }
    } finally {
      abort();
      cleanup();
      await Promise.allSettled(pending);
    }
  }

  /** True when every member is ready. */
  async ready(): Promise<boolean> {
    const states_ = await Promise.all(this.results.map((r) => r.state()));
    return states_.every((s) => READY_STATES.has(s));
  }

  /** True when every member succeeded. */
  async successful(): Promise<boolean> {
    const states_ = await Promise.all(this.results.map((r) => r.state()));
    return states_.every((s) => s === states.SUCCESS);
  }

  /** True when any member failed. */
  async failed(): Promise<boolean> {
    const states_ = await Promise.all(this.results.map((r) => r.state()));
    return states_.some((s) => s === states.FAILURE);
  }

  /** How many members are ready. */
  async completedCount(): Promise<number> {
    const states_ = await Promise.all(this.results.map((r) => r.state()));
    return states_.filter((s) => READY_STATES.has(s)).length;
  }

  async forget(): Promise<void> {
    await Promise.all(this.results.map((r) => r.forget()));
  }
}

// One signal for all member waits: the caller's signal, the set's own deadline, and an internal
// abort (first failure, early exit from iteration). Member waits then need no timers of their own.
function linkedSignal(options: GetOptions): { signal: AbortSignal; abort: () => void; cleanup: () => void } {
  const controller = new AbortController();
  const outer = options.signal;
  if (outer?.aborted) controller.abort(outer.reason);
  const stopListening = outer && !outer.aborted ? onSignalAbort(outer, () => controller.abort(outer.reason)) : undefined;
  let timer: NodeJS.Timeout | undefined;
  if (options.timeout !== undefined && options.timeout !== Infinity) {
    timer = setTimeout(() => controller.abort(new TimeoutError()), Math.max(0, options.timeout));
  }
  return {
    signal: controller.signal,
    abort: () => controller.abort(new AbortError()),
    cleanup: () => {
      if (timer) clearTimeout(timer);
      stopListening?.();
    },
  };
}
