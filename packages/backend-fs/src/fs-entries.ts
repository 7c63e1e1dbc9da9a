import { readdir } from 'node:fs/promises';
import {
  GROUP_KEY_PREFIX,
  isStoredSuccess,
  TASK_KEY_PREFIX,
  type Codec,
  type EntryPage,
  type EntryRef,
  type ScanOptions,
  type StoredEntries,
  type StoredEntry,
  type WriteEntriesOptions,
  type WriteOutcome,
} from '@resultkit/core';
import type { FileLocks } from './file-lock.js';
import { readIfExists, unavailable, writeAtomic } from './files.js';

const DEFAULT_PAGE = 500;

export interface FsEntriesInit {
  directory: string;
  codec: Codec;
  locks: FileLocks;
  fsync: boolean;
  fileOf: (ref: EntryRef) => string;
}

/**
 * The directory's result and group files, for migration: the names are listed and sorted once
 * per scan (names only; each page's files are read as the page is produced), and the last name
 * of a page is the cursor to resume after. Files have no expiry of their own.
 */
export class FsEntries implements StoredEntries {
  readonly layout = 'document' as const;
  readonly format: string;
  readonly #init: FsEntriesInit;

  constructor(init: FsEntriesInit) {
    this.#init = init;
    this.format = `document:${init.codec.contentType}`;
  }

  async *scan(options: ScanOptions = {}): AsyncIterable<EntryPage> {
    let names: string[];
    try {
      names = await readdir(this.#init.directory);
    } catch (error) {
      throw unavailable(`list ${this.#init.directory}`, error);
    }
    const from = options.from ?? '';
    names = names.filter((n) => (n.startsWith(TASK_KEY_PREFIX) || n.startsWith(GROUP_KEY_PREFIX)) && n > from).sort();
    const size = options.pageSize ?? DEFAULT_PAGE;
    if (!names.length) yield { entries: [], cursor: null };
    for (let i = 0; i < names.length; i += size) {
      const page = names.slice(i, i + size);
      const entries = (await this.readEntries(page.map(refOf))).filter((e): e is StoredEntry => e !== null);
      yield { entries, cursor: i + size < names.length ? page[page.length - 1]! : null };
    }
  }

  readEntries(refs: readonly EntryRef[]): Promise<(StoredEntry | null)[]> {
    return Promise.all(
      refs.map(async (ref) => {
        const bytes = await readIfExists(this.#init.fileOf(ref));
        return bytes ? { kind: ref.kind, id: ref.id, bytes } : null;
      }),
    );
  }

  async writeEntries(entries: readonly StoredEntry[], options: WriteEntriesOptions): Promise<WriteOutcome[]> {
    const out: WriteOutcome[] = [];
    // A bounded number at a time, so a big page does not exhaust file descriptors.
    for (let i = 0; i < entries.length; i += 64) {
      out.push(...(await Promise.all(entries.slice(i, i + 64).map((entry) => this.#write(entry, options)))));
    }
    return out;
  }

  #write(entry: StoredEntry, options: WriteEntriesOptions): Promise<WriteOutcome> {
    const file = this.#init.fileOf(entry);
    return this.#init.locks.run(file, async (): Promise<WriteOutcome> => {
      const current = await readIfExists(file);
      if (current && options.existing === 'skip') return 'skipped';
      if (current && entry.kind === 'task' && isStoredSuccess(this.#init.codec, current)) return 'kept';
      await writeAtomic(file, entry.bytes!, this.#init.fsync);
      return 'written';
    });
  }
}

function refOf(name: string): EntryRef {
  return name.startsWith(GROUP_KEY_PREFIX) ? { kind: 'group', id: name.slice(GROUP_KEY_PREFIX.length) } : { kind: 'task', id: name.slice(TASK_KEY_PREFIX.length) };
}
