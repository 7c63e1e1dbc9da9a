import type { EntryRef, EntryPage, ScanOptions, StoredEntries, StoredEntry, WriteEntriesOptions, WriteOutcome } from '../adapter/stored-entries.js';
import { isStoredSuccess } from '../adapter/stored-document.js';
import type { CeleryKeys } from '../celery-keys.js';
import type { Codec } from '../codec/codec.js';
import type { MemoryStore } from './memory-store.js';

const DEFAULT_PAGE = 500;

/**
 * The memory backend's entries: its encoded documents under Celery's key names, listed in key
 * order (tasks, then groups) so that the last key of a page is a cursor to resume after.
 */
export class MemoryEntries implements StoredEntries {
  readonly layout = 'document' as const;
  readonly format: string;
  readonly #store: MemoryStore;
  readonly #codec: Codec;
  readonly #keys: CeleryKeys;

  constructor(store: MemoryStore, codec: Codec, keys: CeleryKeys) {
    this.#store = store;
    this.#codec = codec;
    this.#keys = keys;
    this.format = `document:${codec.contentType}`;
  }

  async *scan(options: ScanOptions = {}): AsyncIterable<EntryPage> {
    const pageSize = options.pageSize ?? DEFAULT_PAGE;
    // Task keys sort before group keys ("celery-task-" < "celery-taskset-"), so one sorted
    // listing of both prefixes is one cursor space.
    const keys = [...this.#store.keysWithPrefix(this.#keys.taskPrefix), ...this.#store.keysWithPrefix(this.#keys.groupPrefix)].sort();
    let start = 0;
    if (options.from) {
      while (start < keys.length && keys[start]! <= options.from) start++;
    }
    if (start >= keys.length) {
      yield { entries: [], cursor: null };
      return;
    }
    for (let i = start; i < keys.length; i += pageSize) {
      const page = keys.slice(i, i + pageSize);
      const entries: StoredEntry[] = [];
      for (const key of page) {
        const entry = this.#entry(key);
        if (entry) entries.push(entry);
      }
      yield { entries, cursor: i + pageSize < keys.length ? page[page.length - 1]! : null };
    }
  }

  async readEntries(refs: readonly EntryRef[]): Promise<(StoredEntry | null)[]> {
    return refs.map((ref) => this.#entry(this.#key(ref)));
  }

  async writeEntries(entries: readonly StoredEntry[], options: WriteEntriesOptions): Promise<WriteOutcome[]> {
    return entries.map((entry) => {
      const key = this.#key(entry);
      const current = this.#store.get(key);
      if (current && options.existing === 'skip') return 'skipped';
      if (current && entry.kind === 'task' && isStoredSuccess(this.#codec, current)) return 'kept';
      const bytes = entry.bytes!;
      this.#store.set(key, bytes, typeof entry.ttl === 'number' ? entry.ttl : null);
      this.#store.publish(key, bytes);
      return 'written';
    });
  }

  #key(ref: EntryRef): string {
    return ref.kind === 'task' ? this.#keys.task(ref.id) : this.#keys.group(ref.id);
  }

  #entry(key: string): StoredEntry | null {
    const bytes = this.#store.get(key);
    if (!bytes) return null;
    const { taskPrefix, groupPrefix } = this.#keys;
    const group = key.startsWith(groupPrefix);
    return {
      kind: group ? 'group' : 'task',
      id: key.slice(group ? groupPrefix.length : taskPrefix.length),
      bytes,
      ttl: this.#store.remainingTtl(key),
    };
  }
}
