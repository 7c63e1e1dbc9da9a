import type { AdapterContext, AdapterFactory } from '../backend-options.js';
import type {
  AdapterCapabilities,
  BackendAdapter,
  GroupMeta,
  PushChannel,
  PushListener,
  AdapterStoreOptions,
} from '../adapter/contract.js';
import type { Codec } from '../codec/codec.js';
import { decodeStoredMeta, decodeStoredMetaOrError, isStoredSuccess } from '../adapter/stored-document.js';
import { CeleryKeys } from '../celery-keys.js';
import { ConfigurationError } from '../errors.js';
import { groupFromDocument, groupToDocument } from '../group-document.js';
import { toDocument, type TaskMeta } from '../task-meta.js';
import { MemoryEntries } from './memory-entries.js';
import { acquireMemoryStore, releaseMemoryStore, type MemoryStore } from './memory-store.js';

// Key names are Celery's Redis keys, so the memory backend is a faithful stand-in for Redis.
const keys = new CeleryKeys();

/**
 * `memory://[name]`: an embedded backend for tests, demos and single-process apps. It stores
 * encoded bytes (so the codec, `accept` and size rules apply exactly as on a real store),
 * never overwrites a SUCCESS, expires entries, saves groups and pushes ready results to waiters.
 */
export class MemoryAdapter implements BackendAdapter {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'memory';
  readonly capabilities: AdapterCapabilities = {
    push: true,
    groups: true,
    chords: false,
    selfExpiry: true,
    durable: false,
    preservesSuccess: true,
    forget: true,
    sharedReads: true,
    // It keeps the bytes it is given, like Redis.
    compression: true,
  };
  /** The shared in-process store (exposed for tests and tools). */
  readonly memory: MemoryStore;
  readonly entries: MemoryEntries;
  readonly #codec: Codec;
  #closed = false;

  constructor(store: MemoryStore, codec: Codec, options: { push?: boolean } = {}) {
    this.memory = store;
    this.#codec = codec;
    this.entries = new MemoryEntries(store, codec, keys);
    if (options.push === false) {
      // Behaves like a store without push (SQL): waits fall back to core's batched polling.
      this.capabilities = { ...this.capabilities, push: false };
    }
  }

  async store(meta: TaskMeta, options: AdapterStoreOptions): Promise<void> {
    const key = keys.task(meta.taskId);
    const bytes = this.#codec.encode(toDocument(meta));
    // Read and write happen in one synchronous step, so the "SUCCESS is final" rule cannot race.
    const current = this.memory.get(key);
    if (current && isStoredSuccess(this.#codec, current)) return;
    this.memory.set(key, bytes, ttl(options));
    this.memory.publish(key, bytes);
  }

  async load(taskId: string): Promise<TaskMeta | null> {
    const bytes = this.memory.get(keys.task(taskId));
    return bytes ? decodeStoredMeta(this.#codec, bytes, taskId) : null;
  }

  async loadMany(taskIds: readonly string[]): Promise<(TaskMeta | null | Error)[]> {
    return taskIds.map((id) => {
      const bytes = this.memory.get(keys.task(id));
      return bytes ? decodeStoredMetaOrError(this.#codec, bytes, id) : null;
    });
  }

  async remove(taskId: string): Promise<void> {
    this.memory.delete(keys.task(taskId));
  }

  async saveGroup(group: GroupMeta, options: AdapterStoreOptions): Promise<void> {
    const key = keys.group(group.groupId);
    const bytes = this.#codec.encode(groupToDocument(group));
    this.memory.set(key, bytes, ttl(options));
    this.memory.publish(key, bytes);
  }

  async loadGroup(groupId: string): Promise<GroupMeta | null> {
    const bytes = this.memory.get(keys.group(groupId));
    if (!bytes) return null;
    return groupFromDocument(this.#codec.decode(bytes), groupId);
  }

  async removeGroup(groupId: string): Promise<void> {
    this.memory.delete(keys.group(groupId));
  }

  openPush(listener: PushListener): PushChannel {
    const subscriptions = new Set<string>();
    const store = this.memory;
    // One subscriber function for every key of this channel (not a closure per task id): the
    // task id is the key without its prefix.
    const prefixLength = keys.taskPrefix.length;
    const deliver = (key: string, bytes: Uint8Array): void => {
      const id = key.slice(prefixLength);
      listener.message(id, decodeStoredMetaOrError(this.#codec, bytes, id));
    };
    return {
      subscribe: async (taskIds) => {
        for (const id of taskIds) {
          if (subscriptions.has(id)) continue;
          subscriptions.add(id);
          store.subscribe(keys.task(id), deliver);
        }
      },
      unsubscribe: async (taskIds) => {
        for (const id of taskIds) {
          if (!subscriptions.delete(id)) continue;
          store.unsubscribe(keys.task(id), deliver);
        }
      },
      close: async () => {
        for (const id of subscriptions) store.unsubscribe(keys.task(id), deliver);
        subscriptions.clear();
      },
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    releaseMemoryStore(this.memory);
  }
}

function ttl(options: AdapterStoreOptions): number | null {
  return options.expires === null || options.expires <= 0 ? null : options.expires * 1000;
}

/**
 * Opens `memory://` or `memory://<name>`; the same name in one process means the same store.
 * `?push=false` turns push waiting off, so waits poll as they would on a SQL store.
 */
export const memoryAdapter: AdapterFactory = {
  specificationVersion: 'v1',
  schemes: ['memory'],
  create(url: string, context: AdapterContext): BackendAdapter {
    const match = /^memory:\/\/([^/?#]*)\/?(?:\?([^#]*))?(?:#.*)?$/i.exec(url);
    if (!match) throw new ConfigurationError('A memory backend URL looks like memory:// or memory://<name>.');
    const query = new URLSearchParams(match[2] ?? '');
    const push = query.get('push');
    if (push !== null && push !== 'true' && push !== 'false') throw new ConfigurationError('memory:// takes push=true or push=false.');
    return new MemoryAdapter(acquireMemoryStore(decodeURIComponent(match[1] ?? '') || 'default'), context.codec, { push: push !== 'false' });
  },
};
