/**
 * The in-process storage behind `memory://`: encoded bytes by key, with expiry and
 * publish/subscribe on the key, like a tiny Redis. Backends opened with the same URL in one
 * process share a store, so a worker and a client in the same program see each other's results.
 */
/** Receives what is published on a key it subscribed to; one function may serve many keys. */
export type MemorySubscriber = (key: string, bytes: Uint8Array) => void;

export class MemoryStore {
  readonly name: string;
  readonly #values = new Map<string, { bytes: Uint8Array; expiresAt: number }>();
  // An array per key, not a Set: a key has one subscriber or a few, and 100,000 waits pending at
  // once would each pay for a Set's hash table.
  readonly #subscribers = new Map<string, MemorySubscriber[]>();
  #writesSinceSweep = 0;
  /** Backends using this store; the store is dropped when the last one closes. */
  users = 0;

  constructor(name: string) {
    this.name = name;
  }

  get(key: string): Uint8Array | null {
    const entry = this.#values.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= Date.now()) {
      this.#values.delete(key);
      return null;
    }
    return entry.bytes;
  }

  /** Stores `bytes` (for `ttlMs` milliseconds, or forever when null). */
  set(key: string, bytes: Uint8Array, ttlMs: number | null): void {
    this.#values.set(key, { bytes, expiresAt: ttlMs === null ? Infinity : Date.now() + ttlMs });
    // Expired entries nobody reads again are swept now and then, so memory stays bounded.
    if (++this.#writesSinceSweep >= 1024) this.sweep();
  }

  /** Milliseconds `key` has left; null when it is kept forever or missing. */
  remainingTtl(key: string): number | null {
    const entry = this.#values.get(key);
    if (!entry || entry.expiresAt === Infinity) return null;
    return Math.max(1, entry.expiresAt - Date.now());
  }

  /** The live keys starting with `prefix`, sorted (for listing with a resumable cursor). */
  keysWithPrefix(prefix: string): string[] {
    const now = Date.now();
    const keys: string[] = [];
    for (const [key, entry] of this.#values) if (entry.expiresAt > now && key.startsWith(prefix)) keys.push(key);
    return keys.sort();
  }

  delete(key: string): boolean {
    return this.#values.delete(key);
  }

  /** Removes every expired entry; returns how many. */
  sweep(): number {
    this.#writesSinceSweep = 0;
    const now = Date.now();
    let removed = 0;
    for (const [key, entry] of this.#values) {
      if (entry.expiresAt <= now) {
        this.#values.delete(key);
        removed++;
      }
    }
    return removed;
  }

  get size(): number {
    return this.#values.size;
  }

  publish(key: string, bytes: Uint8Array): void {
    const subscribers = this.#subscribers.get(key);
    if (!subscribers) return;
    for (const deliver of [...subscribers]) deliver(key, bytes);
  }

  /** `deliver` is called with each value published on `key`; subscribing twice is a no-op. */
  subscribe(key: string, deliver: MemorySubscriber): void {
    const list = this.#subscribers.get(key);
    if (!list) this.#subscribers.set(key, [deliver]);
    else if (!list.includes(deliver)) list.push(deliver);
  }

  unsubscribe(key: string, deliver: MemorySubscriber): void {
    const list = this.#subscribers.get(key);
    const at = list ? list.indexOf(deliver) : -1;
    if (at < 0) return;
    if (list!.length === 1) this.#subscribers.delete(key);
    else list!.splice(at, 1);
  }

  /** How many keys have subscribers (for tests: no subscription may outlive its wait). */
  get subscribedKeys(): number {
    return this.#subscribers.size;
  }
}

const stores = new Map<string, MemoryStore>();

/** The shared store for a name, created on first use. */
export function acquireMemoryStore(name: string): MemoryStore {
  let store = stores.get(name);
  if (!store) stores.set(name, (store = new MemoryStore(name)));
  store.users++;
  return store;
}

/** Releases one use; the store's data is dropped when nobody uses it any more. */
export function releaseMemoryStore(store: MemoryStore): void {
  if (--store.users <= 0 && stores.get(store.name) === store) stores.delete(store.name);
}
