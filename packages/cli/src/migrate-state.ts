import { createHash } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { redactUrl } from '@resultkit/core';
import { UsageError } from './usage-error.js';

/**
 * What `resultkit migrate` saves after every page, so that `--resume` continues an interrupted
 * run (Ctrl-C, a crash, a lost connection) where it stopped. Only redacted URLs are written:
 * the file holds no password.
 */
export interface MigrateState {
  version: 1;
  from: string;
  to: string;
  /** Where the copy continues (a cursor of the source's scan); null before the first page. */
  cursor: string | null;
  /** True once every page was copied: a resumed run only verifies. */
  copied: boolean;
  /** Entries read from the source by all runs so far. */
  scanned: number;
  updatedAt: string;
}

/** The default state file: in the working directory, named after the two (redacted) URLs. */
export function defaultStatePath(from: string, to: string): string {
  const digest = createHash('sha256').update(`${redactUrl(from)}\n${redactUrl(to)}`).digest('hex').slice(0, 12);
  return `.resultkit-migrate-${digest}.json`;
}

export function freshState(from: string, to: string): MigrateState {
  return { version: 1, from: redactUrl(from), to: redactUrl(to), cursor: null, copied: false, scanned: 0, updatedAt: new Date().toISOString() };
}

/** The saved state of the same migration, or null when there is none. */
export async function loadState(path: string, from: string, to: string): Promise<MigrateState | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let state: MigrateState;
  try {
    state = JSON.parse(text) as MigrateState;
  } catch {
    throw new UsageError(`The state file ${path} is not JSON; remove it to start over.`);
  }
  if (state.version !== 1 || state.from !== redactUrl(from) || state.to !== redactUrl(to)) {
    throw new UsageError(`The state file ${path} belongs to another migration (${state.from} -> ${state.to}); pass --state-file, or remove it to start over.`);
  }
  return state;
}

/** Saves the state atomically: a crash while writing leaves the previous state, never half a file. */
export async function saveState(path: string, state: MigrateState): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ ...state, updatedAt: new Date().toISOString() }, null, 2)}\n`);
  await rename(temporary, path);
}

export async function removeState(path: string): Promise<void> {
  await rm(path, { force: true });
}

/**
 * Saves states one write at a time, always the newest: pages can be copied faster than a file
 * is replaced, and a queue of every state would leave the file far behind the copy.
 */
export class StateSaver {
  readonly #path: string;
  #pending: MigrateState | null = null;
  #writing: Promise<void> | null = null;
  #error: unknown = null;

  constructor(path: string) {
    this.#path = path;
  }

  save(state: MigrateState): void {
    this.#pending = state;
    this.#writing ??= this.#drain();
  }

  /** Resolves once the newest state is on disk; rejects when a save failed. */
  async flush(): Promise<void> {
    await this.#writing;
    if (this.#error) throw this.#error;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending) {
        const state = this.#pending;
        this.#pending = null;
        await saveState(this.#path, state);
      }
    } catch (error) {
      // Reported by flush(): the copy goes on, and the run ends with this error.
      this.#error ??= error;
    } finally {
      this.#writing = null;
    }
  }
}
