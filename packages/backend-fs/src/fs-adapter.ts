import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  NotSupportedError,
  decodeStoredMeta,
  GROUP_KEY_PREFIX,
  isStoredSuccess,
  TASK_KEY_PREFIX,
  groupFromDocument,
  groupToDocument,
  toDocument,
  type AdapterCapabilities,
  type BackendAdapter,
  type Codec,
  type GroupMeta,
  type PushChannel,
  type PushListener,
  type TaskMeta,
} from '@resultkit/core';
import { FileLocks } from './file-lock.js';
import { FsEntries } from './fs-entries.js';
import { codeOf, isTransient, readIfExists, removeIfExists, unavailable, writeAtomic } from './files.js';
import type { ResolvedFsOptions } from './options.js';
import { WatchChannel } from './watch-channel.js';

/** Celery's key prefixes (`KeyValueStoreBackend.task_keyprefix`, `group_keyprefix`): the file names. */

export interface FsAdapterInit {
  /** The absolute, checked directory. */
  directory: string;
  codec: Codec;
  options: ResolvedFsOptions;
  /** Whether the directory can be watched here (false: core polls). */
  watchable: boolean;
}

/**
 * Celery's file-system result backend: the encoded document of each task in the file
 * `celery-task-meta-<id>` of one directory, and each saved group in `celery-taskset-meta-<id>`,
 * byte for byte what Celery's `FilesystemBackend` writes. Files are replaced atomically
 * (temporary file, then rename), a stored SUCCESS is never replaced (a lock file per result
 * makes the check and the rename one step), and waits are pushed by a directory watch.
 */
export class FsAdapter implements BackendAdapter {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'fs';
  readonly capabilities: AdapterCapabilities;
  readonly directory: string;
  /** The result and group files, for migration (`migrate` in core). */
  readonly entries: FsEntries;
  readonly #codec: Codec;
  readonly #options: ResolvedFsOptions;
  readonly #locks: FileLocks;
  #channel: WatchChannel | null = null;

  constructor(init: FsAdapterInit) {
    this.directory = init.directory;
    this.#codec = init.codec;
    this.#options = init.options;
    this.#locks = new FileLocks(init.options.staleLockTimeout);
    this.entries = new FsEntries({
      directory: init.directory,
      codec: init.codec,
      locks: this.#locks,
      fsync: init.options.fsync,
      fileOf: (ref) => (ref.kind === 'task' ? this.taskFile(ref.id) : this.groupFile(ref.id)),
    });
    this.capabilities = {
      push: init.watchable && init.options.watch,
      groups: true,
      // Celery's FilesystemBackend has no atomic counter, so no chords (as in Celery).
      chords: false,
      selfExpiry: false,
      durable: true,
      preservesSuccess: true,
      forget: true,
      sharedReads: true,
      // Values are kept as the bytes given (Celery's supports_result_compression).
      compression: true,
    };
  }

  /** The push channel, once a wait opened it (for tests). */
  get channel(): WatchChannel | null {
    return this.#channel;
  }

  /** The file holding the result of `taskId`. */
  taskFile(taskId: string): string {
    return this.#file(TASK_KEY_PREFIX, taskId);
  }

  /** The file holding the saved group `groupId`. */
  groupFile(groupId: string): string {
    return this.#file(GROUP_KEY_PREFIX, groupId);
  }

  async store(meta: TaskMeta): Promise<void> {
    // Encoding checks the size limit: a value over it is refused before any file is touched.
    const bytes = this.#codec.encode(toDocument(meta));
    const file = this.taskFile(meta.taskId);
    await this.#locks.run(file, async () => {
      const current = await readIfExists(file);
      // A file this backend cannot read is not a SUCCESS anyone here could read: it is replaced.
      if (current && isStoredSuccess(this.#codec, current)) return;
      await writeAtomic(file, bytes, this.#options.fsync);
    });
  }

  async load(taskId: string): Promise<TaskMeta | null> {
    const bytes = await readIfExists(this.taskFile(taskId));
    return bytes === null ? null : decodeStoredMeta(this.#codec, bytes, taskId);
  }

  loadMany(taskIds: readonly string[]): Promise<(TaskMeta | null | Error)[]> {
    return Promise.all(taskIds.map((id) => this.#loadOrError(id)));
  }

  async remove(taskId: string): Promise<void> {
    await removeIfExists(this.taskFile(taskId));
  }

  async saveGroup(group: GroupMeta): Promise<void> {
    // Celery's _save_group: {"result": [[gid, null], [member tuples]]}, no SUCCESS guard.
    await writeAtomic(this.groupFile(group.groupId), this.#codec.encode(groupToDocument(group)), this.#options.fsync);
  }

  async loadGroup(groupId: string): Promise<GroupMeta | null> {
    const bytes = await readIfExists(this.groupFile(groupId));
    return bytes === null ? null : groupFromDocument(this.#codec.decode(bytes), groupId);
  }

  async removeGroup(groupId: string): Promise<void> {
    await removeIfExists(this.groupFile(groupId));
  }

  openPush(listener: PushListener): PushChannel {
    const channel = new WatchChannel({
      directory: this.directory,
      taskIdOf: (name) => (name.startsWith(TASK_KEY_PREFIX) ? name.slice(TASK_KEY_PREFIX.length) : null),
      read: (id) => this.#loadOrError(id),
      listener,
    });
    this.#channel = channel;
    return channel;
  }

  /**
   * Deletes the result and group files last written before `olderThan`, judged by their
   * modification time as Celery's `cleanup()` does (it also covers unready results and groups,
   * which have no `date_done`), and the temporary and lock files a crashed writer left behind.
   * Returns how many results and groups were removed.
   */
  async cleanup(olderThan: Date): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      throw unavailable(`list ${this.directory}`, error);
    }
    const cutoff = olderThan.getTime();
    let removed = 0;
    const candidates = names.filter((n) => n.startsWith(TASK_KEY_PREFIX) || n.startsWith(GROUP_KEY_PREFIX) || isLeftover(n));
    // A bounded number at a time, so a huge directory does not exhaust file descriptors.
    for (let i = 0; i < candidates.length; i += 64) {
      await Promise.all(
        candidates.slice(i, i + 64).map(async (name) => {
          const path = join(this.directory, name);
          const info = await stat(path).catch(() => null);
          if (!info || info.mtimeMs >= cutoff) return;
          try {
            await unlink(path);
            if (!isLeftover(name)) removed++;
          } catch (error) {
            if (codeOf(error) !== 'ENOENT') throw unavailable(`delete ${path}`, error);
          }
        }),
      );
    }
    return removed;
  }

  isRetryable(error: unknown): boolean {
    return isTransient(error);
  }

  async close(): Promise<void> {
    const channel = this.#channel;
    this.#channel = null;
    await channel?.close();
  }

  async #loadOrError(taskId: string): Promise<TaskMeta | null | Error> {
    try {
      return await this.load(taskId);
    } catch (error) {
      return error instanceof Error ? error : unavailable(`read the result of ${taskId}`, error);
    }
  }

  #file(prefix: string, id: string): string {
    // An id is part of a file name: a separator or NUL would reach outside the directory.
    if (typeof id !== 'string' || id === '' || /[/\\\0]/.test(id)) {
      throw new NotSupportedError(`The file-system backend cannot store the id ${JSON.stringify(id)}: ids must not contain "/", "\\" or NUL.`);
    }
    return join(this.directory, prefix + id);
  }
}

// What a crashed writer leaves: `.celery-...<rand>.tmp`, `.celery-....lock`, `...lock.<rand>.stale`.
function isLeftover(name: string): boolean {
  return name.startsWith('.celery-') && /\.(tmp|lock|stale)$/.test(name);
}
