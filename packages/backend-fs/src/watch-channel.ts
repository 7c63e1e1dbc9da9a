import { watch, type FSWatcher } from 'node:fs';
import type { PushChannel, PushListener, TaskMeta } from '@resultkit/core';

export interface WatchChannelInit {
  directory: string;
  /** The task id a file name holds the result of, or null for any other file. */
  taskIdOf(filename: string): string | null;
  /** Reads one stored result: a meta, null when there is none, or the error decoding it raised. */
  read(taskId: string): Promise<TaskMeta | Error | null>;
  listener: PushListener;
  /** Milliseconds between reads once the watch has failed and waits poll. */
  pollInterval: number;
}

// A file that does not decode may be caught in the middle of a Celery worker's write (Celery
// truncates and rewrites in place): it is read once more, this much later, before the error is
// delivered.
const SETTLE_MS = 50;

// Even a working watch can drop events (an overflowing inotify queue): while anything is
// subscribed, everything is read again this often.
const SAFETY_RESYNC_MS = 5_000;

/**
 * The push channel of one backend: one directory watch for all waits. A change to a subscribed
 * result's file reads that file and hands the meta to core. The watch is set up when the channel
 * opens, so `subscribe` only records the id: everything changed after it resolves is seen, and
 * core's read right after covers what was stored before.
 *
 * If the watch fails, the channel falls back to polling: core is asked to read every pending id
 * at once (`resync`) and then every `pollInterval` ms.
 */
export class WatchChannel implements PushChannel {
  readonly #init: WatchChannelInit;
  readonly #ids = new Set<string>();
  // Ids being read, and whether another change arrived meanwhile (then they are read again).
  readonly #reading = new Map<string, boolean>();
  #watcher: FSWatcher | null = null;
  #timer: NodeJS.Timeout | null = null;
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

  /** The directory watch (for tests). */
  get watcher(): FSWatcher | null {
    return this.#watcher;
  }

  async subscribe(taskIds: readonly string[]): Promise<void> {
    for (const id of taskIds) this.#ids.add(id);
    this.#schedule();
  }

  async unsubscribe(taskIds: readonly string[]): Promise<void> {
    for (const id of taskIds) this.#ids.delete(id);
    this.#schedule();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#ids.clear();
    this.#watcher?.close();
    this.#watcher = null;
    this.#schedule();
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
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#schedule();
    this.#init.listener.resync();
  }

  // One timer: the polling of a failed watch, or the safety net of a working one, and only
  // while something is subscribed.
  #schedule(): void {
    const wanted = !this.#closed && this.#ids.size > 0;
    if (this.#watcher) {
      if (wanted) this.#watcher.ref();
      else this.#watcher.unref();
    }
    if (!wanted) {
      if (this.#timer) clearInterval(this.#timer);
      this.#timer = null;
      return;
    }
    if (this.#timer) return;
    const polling = !this.#watcher;
    this.#timer = setInterval(() => this.#init.listener.resync(), polling ? this.#init.pollInterval : SAFETY_RESYNC_MS);
    // The safety net alone never keeps the process alive; the watch does.
    if (!polling) this.#timer.unref();
  }
}
