import { watch, type FSWatcher } from 'node:fs';
import type { PushChannel, PushListener, TaskMeta } from '@resultkit/core';

export interface WatchChannelInit {
  directory: string;
  /** The task id a file name holds the result of, or null for any other file. */
  taskIdOf(filename: string): string | null;
  /** Reads one stored result: a meta, null when there is none, or the error decoding it raised. */
  read(taskId: string): Promise<TaskMeta | Error | null>;
  listener: PushListener;
}

// A file that does not decode may be caught in the middle of a Celery worker's write (Celery
// truncates and rewrites in place): it is read once more, this much later, before the error is
// delivered.
const SETTLE_MS = 50;

// Even a working watch can drop events (an overflowing inotify queue): while anything is
// subscribed, core reads everything pending again this often.
const SAFETY_POLL_MS = 5_000;

/**
 * The push channel of one backend: one directory watch for all waits. A change to a subscribed
 * result's file reads that file and hands the meta to core. The watch is set up when the channel
 * opens, so `subscribe` only records the id: everything changed after it resolves is seen, and
 * core's read right after covers what was stored before.
 *
 * If the watch fails, the channel tells core that push is unavailable, and core polls every
 * pending id (with each wait's interval) from then on. The channel never polls by itself.
 */
export class WatchChannel implements PushChannel {
  readonly #init: WatchChannelInit;
  readonly #ids = new Set<string>();
  // Ids being read, and whether another change arrived meanwhile (then they are read again).
  readonly #reading = new Map<string, boolean>();
  #watcher: FSWatcher | null = null;
  #closed = false;

  constructor(init: WatchChannelInit) {
    this.#init = init;
    try {
      this.#watcher = watch(init.directory);
      this.#watcher.on('change', (_event, filename) => this.#changed(filename));
      this.#watcher.on('error', () => this.#fallBack());
      // Only subscriptions keep the process alive, as a socket with pending replies would.
      this.#watcher.unref();
    } catch {
      this.#watcher = null;
    }
  }

  /** `watch` while the directory watch works, `poll` after it failed. */
  get mode(): 'watch' | 'poll' {
    return this.#watcher ? 'watch' : 'poll';
  }

  /** Core reads every pending id this often while the watch works, in case it dropped events. */
  get safetyPollInterval(): number | undefined {
    return this.#watcher ? SAFETY_POLL_MS : undefined;
  }

  /** The directory watch (for tests). */
  get watcher(): FSWatcher | null {
    return this.#watcher;
  }

  async subscribe(taskIds: readonly string[]): Promise<void> {
    for (const id of taskIds) this.#ids.add(id);
    this.#holdProcess();
  }

  async unsubscribe(taskIds: readonly string[]): Promise<void> {
    for (const id of taskIds) this.#ids.delete(id);
    this.#holdProcess();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#ids.clear();
    this.#watcher?.close();
    this.#watcher = null;
    this.#holdProcess();
  }

  #changed(filename: string | Buffer | null): void {
    // Some platforms do not say which file changed: then everything pending is read again.
    if (filename === null) return this.#init.listener.resync();
    const id = this.#init.taskIdOf(filename.toString());
    if (id !== null && this.#ids.has(id)) void this.#refresh(id);
  }

  async #refresh(id: string): Promise<void> {
    if (this.#reading.has(id)) {
      this.#reading.set(id, true);
      return;
    }
    this.#reading.set(id, false);
    try {
      do {
        this.#reading.set(id, false);
        let meta = await this.#init.read(id);
        if (meta instanceof Error) {
          await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
          meta = await this.#init.read(id);
        }
        if (meta !== null && this.#ids.has(id)) this.#init.listener.message(id, meta);
      } while (this.#reading.get(id) && this.#ids.has(id));
    } finally {
      this.#reading.delete(id);
    }
  }

  #fallBack(): void {
    this.#watcher?.close();
    this.#watcher = null;
    this.#init.listener.pushUnavailable();
  }

  // A watch with subscriptions keeps the process alive, as a socket with pending replies would;
  // without any it never does.
  #holdProcess(): void {
    if (!this.#watcher) return;
    if (!this.#closed && this.#ids.size > 0) this.#watcher.ref();
    else this.#watcher.unref();
  }
}
