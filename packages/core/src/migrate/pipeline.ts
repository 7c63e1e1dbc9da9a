/**
 * The two pieces that let a migration keep both stores busy: the next page is read while the
 * current one is converted and written, and several pages are written at once while their
 * results are still taken in page order (so a saved cursor never runs ahead of a write).
 */

/**
 * The items of `source`, with the next one already requested while the caller works on the
 * current one. Stopping early (a `break` or a throw in the loop) waits for the request in
 * flight before closing `source`, so nothing runs on after the loop.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  let finished = false;
  try {
    for (;;) {
      const item = await next;
      if (item.done) {
        finished = true;
        return;
      }
      next = iterator.next();
      yield item.value;
    }
  } finally {
    if (!finished) {
      const pending = await next.then(
        (item) => !item.done,
        () => false,
      );
      if (pending) await iterator.return?.();
    }
  }
}

/**
 * Up to `size` operations in flight; each one's `then` runs in the order the operations were
 * added, however they finish. `add` waits while the window is full; the first failure is
 * thrown by `add` or `drain`.
 */
export class InOrderWindow {
  readonly #size: number;
  readonly #queue: { operation: Promise<unknown>; then: (value: never) => void }[] = [];

  constructor(size: number) {
    this.#size = Math.max(1, Math.floor(size));
  }

  async add<T>(operation: Promise<T>, then: (value: T) => void): Promise<void> {
    // Marked as handled now: a failure is thrown when its turn comes, not reported as unhandled.
    operation.catch(() => undefined);
    this.#queue.push({ operation, then: then as (value: never) => void });
    while (this.#queue.length >= this.#size) await this.#takeOldest();
  }

  /** Waits for every operation, in order. */
  async drain(): Promise<void> {
    while (this.#queue.length) await this.#takeOldest();
  }

  /** Waits until nothing is in flight, ignoring failures (after an error, before giving up). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.#queue.splice(0).map((entry) => entry.operation));
  }

  async #takeOldest(): Promise<void> {
    const oldest = this.#queue.shift()!;
    oldest.then((await oldest.operation) as never);
  }
}
