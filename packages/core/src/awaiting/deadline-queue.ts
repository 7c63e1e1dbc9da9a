/** What a `DeadlineQueue` holds: its deadline, and where the queue keeps it (-1 when not queued). */
export interface Deadlined {
  readonly deadline: number;
  heapIndex: number;
}

// Node caps a timer's delay at 2^31 - 1 ms (about 24.8 days); a longer delay would fire at once.
const LONGEST_DELAY = 2 ** 31 - 1;

/**
 * Every pending deadline of many waits behind one timer. A timer per wait costs a `Timeout`
 * object, its closure and a slot in Node's timer lists for each of, say, 100,000 waits; here a
 * binary min-heap orders the waits by deadline and a single timer is set for the earliest one.
 * Each item remembers its index in the heap, so removing a wait that settled early is
 * O(log n) and nothing of it stays behind until its deadline.
 */
export class DeadlineQueue<T extends Deadlined> {
  readonly #heap: T[] = [];
  readonly #expire: (item: T) => void;
  #timer: NodeJS.Timeout | null = null;
  // The deadline the timer is set for (Infinity when none).
  #timerAt = Infinity;

  /** `expire` is called for each item whose deadline has passed, after it left the queue. */
  constructor(expire: (item: T) => void) {
    this.#expire = expire;
  }

  get size(): number {
    return this.#heap.length;
  }

  add(item: T): void {
    item.heapIndex = this.#heap.length;
    this.#heap.push(item);
    this.#up(item.heapIndex);
    if (item.deadline < this.#timerAt) this.#arm();
    // A timer kept from before the queue last emptied holds the process open again.
    else this.#timer?.ref();
  }

  /** Takes `item` out of the queue; nothing happens when it is not in it. */
  remove(item: T): void {
    const at = item.heapIndex;
    if (at < 0 || this.#heap[at] !== item) return;
    item.heapIndex = -1;
    const last = this.#heap.pop()!;
    if (last !== item) {
      this.#heap[at] = last;
      last.heapIndex = at;
      this.#down(at);
      this.#up(last.heapIndex);
    }
    // A timer left set for a removed earlier deadline fires, finds nothing due and re-arms.
    // So is one left when the queue empties, only no longer holding the process open: a wait
    // that settles must not pay for clearing a timer, nor the next wait for setting one (a
    // settle is on the path of every result to its caller).
    if (!this.#heap.length) this.#timer?.unref();
  }

  /** Stops the timer and forgets every item (they are not expired). */
  clear(): void {
    for (const item of this.#heap) item.heapIndex = -1;
    this.#heap.length = 0;
    this.#disarm();
  }

  #arm(): void {
    this.#disarm();
    const first = this.#heap[0];
    if (!first) return;
    this.#timerAt = first.deadline;
    const delay = Math.min(LONGEST_DELAY, Math.max(0, first.deadline - Date.now()));
    this.#timer = setTimeout(this.#fire, delay);
  }

  #disarm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerAt = Infinity;
  }

  readonly #fire = (): void => {
    this.#timer = null;
    this.#timerAt = Infinity;
    const now = Date.now();
    // Items are taken out before any is expired, and the timer re-armed before, so an `expire`
    // callback that adds or removes waits sees a consistent queue.
    const due: T[] = [];
    while (this.#heap.length && this.#heap[0]!.deadline <= now) {
      const first = this.#heap[0]!;
      this.remove(first);
      due.push(first);
    }
    if (this.#heap.length && !this.#timer) this.#arm();
    for (const item of due) this.#expire(item);
  };

  #up(at: number): void {
    const heap = this.#heap;
    const item = heap[at]!;
    while (at > 0) {
      const parentAt = (at - 1) >> 1;
      const parent = heap[parentAt]!;
      if (parent.deadline <= item.deadline) break;
      heap[at] = parent;
      parent.heapIndex = at;
      at = parentAt;
    }
    heap[at] = item;
    item.heapIndex = at;
  }

  #down(at: number): void {
    const heap = this.#heap;
    const item = heap[at]!;
    const half = heap.length >> 1;
    while (at < half) {
      let childAt = 2 * at + 1;
      const right = childAt + 1;
      if (right < heap.length && heap[right]!.deadline < heap[childAt]!.deadline) childAt = right;
      const child = heap[childAt]!;
      if (item.deadline <= child.deadline) break;
      heap[at] = child;
      child.heapIndex = at;
      at = childAt;
    }
    heap[at] = item;
    item.heapIndex = at;
  }
}
