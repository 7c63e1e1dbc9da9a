import { link, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BackendUnavailableError } from '@resultkit/core';
import { codeOf, unavailable } from './files.js';

/**
 * A lock file per result (`.<name>.lock`, created with O_EXCL), held while a writer reads the
 * stored state and renames its new file into place. It is what makes "a SUCCESS is never
 * overwritten" hold between processes: rename alone cannot compare and swap.
 *
 * A lock left behind by a crashed process is taken over once it is `staleAfter` ms old, so the
 * rule holds as long as no writer stalls inside the lock for that long. Inside one process the
 * writers of one file queue in memory and never spin against each other.
 */
export class FileLocks {
  readonly #staleAfter: number;
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(staleAfter: number) {
    this.#staleAfter = staleAfter;
  }

  /** Runs `body` holding the lock of `file`. */
  run<T>(file: string, body: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(file) ?? Promise.resolve();
    const next = previous.then(
      () => this.#locked(file, body),
      () => this.#locked(file, body),
    );
    const tail = next.catch(() => {});
    this.#queues.set(file, tail);
    void tail.then(() => {
      if (this.#queues.get(file) === tail) this.#queues.delete(file);
    });
    return next;
  }

  async #locked<T>(file: string, body: () => Promise<T>): Promise<T> {
    const lock = lockPathOf(file);
    const ino = await this.#acquire(lock);
    try {
      return await body();
    } finally {
      // Only our own lock is removed: if it was taken over as stale, the file there is another's.
      const current = await stat(lock).catch(() => null);
      if (current?.ino === ino) await unlink(lock).catch(() => {});
    }
  }

  async #acquire(lock: string): Promise<number> {
    const giveUp = Date.now() + 2 * this.#staleAfter;
    let delay = 1;
    for (;;) {
      try {
        // Empty: the inode number identifies the holder, and the mtime dates it.
        const handle = await open(lock, 'wx');
        try {
          return (await handle.stat()).ino;
        } finally {
          await handle.close();
        }
      } catch (error) {
        if (codeOf(error) !== 'EEXIST') throw unavailable(`create the lock ${lock}`, error);
      }
      if (await this.#takeOverIfStale(lock)) continue;
      if (Date.now() > giveUp) {
        throw new BackendUnavailableError(`The lock ${lock} stayed taken for ${2 * this.#staleAfter} ms; nothing was written. Try again.`);
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 20);
    }
  }

  // Moves a stale lock aside (rename is atomic, so of two processes that both found it stale
  // only one moves it) and checks it moved the stale file, not a fresh lock taken meanwhile;
  // a fresh one is linked back (link never replaces an existing file).
  async #takeOverIfStale(lock: string): Promise<boolean> {
    const seen = await stat(lock).catch(() => null);
    if (!seen) return true;
    if (Date.now() - seen.mtimeMs < this.#staleAfter) return false;
    const aside = `${lock}.${randomBytes(4).toString('hex')}.stale`;
    try {
      await rename(lock, aside);
    } catch {
      return true;
    }
    const moved = await stat(aside).catch(() => null);
    if (moved && moved.ino !== seen.ino) await link(aside, lock).catch(() => {});
    await unlink(aside).catch(() => {});
    return true;
  }
}

/** `dir/celery-task-meta-x` -> `dir/.celery-task-meta-x.lock`. */
export function lockPathOf(file: string): string {
  return join(dirname(file), `.${basename(file)}.lock`);
}
