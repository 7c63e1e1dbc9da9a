import type { AdapterCapabilities, AdapterStoreOptions, BackendAdapter, GroupMeta, PushChannel, PushListener } from '../adapter/contract.js';
import { ResultkitError } from '../errors.js';
import { ResultBackend } from '../result-backend.js';
import { DEFAULT_RETRY_POLICY, withRetry } from '../retry.js';
import type { TaskMeta } from '../task-meta.js';

/** Which side of a mirror failed. */
export type MirrorSide = 'primary' | 'secondary';

/**
 * A write reached one side of a mirror and not the other (or neither). `failed` names the
 * sides that failed; `errors` holds their typed errors, in the same order.
 */
export class MirrorWriteError extends ResultkitError {
  readonly failed: readonly MirrorSide[];
  readonly errors: readonly Error[];

  constructor(operation: string, failed: MirrorSide[], errors: Error[]) {
    const which = failed.length === 2 ? 'both sides' : `the ${failed[0]} side`;
    super('ERR_RESULTKIT_MIRROR_WRITE', `The mirrored ${operation} failed on ${which}: ${errors.map((e) => e.message).join(' | ')}`, {
      cause: errors[0],
    });
    this.failed = failed;
    this.errors = errors;
  }
}

export interface MirrorOptions {
  /**
   * Called with every `MirrorWriteError`. With `secondaryFailures: 'report'` a write that
   * failed only on the secondary resolves after this call instead of rejecting.
   */
  onWriteError?: (error: MirrorWriteError) => void;
  /**
   * `throw` (default): a write that fails on either side rejects with `MirrorWriteError`.
   * `report`: one that fails only on the secondary is handed to `onWriteError` (required) and
   * the write succeeds; a primary failure still rejects. Nothing is ever dropped silently.
   */
  secondaryFailures?: 'throw' | 'report';
  /**
   * Milliseconds between reads of pending waits when only one side pushes, so results written
   * straight to the other side (by Celery workers not yet switched) are still found. Default 1000.
   */
  safetyPollInterval?: number;
}

/**
 * Dual-write, the first step of a zero-downtime migration: every write goes to both backends,
 * reads come from the primary and fall back to the secondary when the primary has nothing,
 * and waits are served by whichever side can push. Closing the mirror closes both backends.
 * The mirror uses the primary's codec, `expires` and `extended` settings.
 */
export function mirrorBackend(primary: ResultBackend, secondary: ResultBackend, options: MirrorOptions = {}): ResultBackend {
  if (options.secondaryFailures === 'report' && !options.onWriteError) {
    throw new TypeError('secondaryFailures: "report" needs onWriteError: a failed write is never dropped silently.');
  }
  return new ResultBackend(new MirrorAdapter(primary.adapter, secondary.adapter, options), primary.codec, primary.config);
}

/** The adapter behind `mirrorBackend`. */
export class MirrorAdapter implements BackendAdapter {
  readonly specificationVersion = 'v1' as const;
  readonly name: string;
  readonly capabilities: AdapterCapabilities;
  readonly primary: BackendAdapter;
  readonly secondary: BackendAdapter;
  readonly #options: MirrorOptions;

  constructor(primary: BackendAdapter, secondary: BackendAdapter, options: MirrorOptions = {}) {
    this.primary = primary;
    this.secondary = secondary;
    this.#options = options;
    this.name = `mirror(${primary.name}, ${secondary.name})`;
    const a = primary.capabilities;
    const b = secondary.capabilities;
    this.capabilities = {
      push: a.push || b.push,
      groups: a.groups && b.groups,
      // A chord's counters live in one store: mirroring them would count every part twice.
      chords: false,
      selfExpiry: a.selfExpiry && b.selfExpiry,
      durable: a.durable && b.durable,
      preservesSuccess: a.preservesSuccess && b.preservesSuccess,
      forget: a.forget && b.forget,
      sharedReads: a.sharedReads && b.sharedReads,
    };
  }

  store(meta: TaskMeta, options: AdapterStoreOptions): Promise<void> {
    return this.#both('store', (side) => side.store(meta, options));
  }

  async load(taskId: string): Promise<TaskMeta | null> {
    return (await this.primary.load(taskId)) ?? (await this.secondary.load(taskId));
  }

  async loadMany(taskIds: readonly string[]): Promise<(TaskMeta | null | Error)[]> {
    const first = await loadMany(this.primary, taskIds);
    const missing = taskIds.filter((_, i) => first[i] === null);
    if (!missing.length) return first;
    const second = await loadMany(this.secondary, missing);
    let next = 0;
    return first.map((meta) => (meta === null ? (second[next++] ?? null) : meta));
  }

  remove(taskId: string): Promise<void> {
    return this.#both('forget', (side) => side.remove(taskId));
  }

  saveGroup(group: GroupMeta, options: AdapterStoreOptions): Promise<void> {
    return this.#both('saveGroup', (side) => side.saveGroup!(group, options));
  }

  async loadGroup(groupId: string): Promise<GroupMeta | null> {
    return (await this.primary.loadGroup!(groupId)) ?? (await this.secondary.loadGroup!(groupId));
  }

  removeGroup(groupId: string): Promise<void> {
    return this.#both('deleteGroup', (side) => side.removeGroup!(groupId));
  }

  async cleanup(olderThan: Date): Promise<number> {
    const counts = await Promise.all([this.primary, this.secondary].map((side) => side.cleanup?.(olderThan) ?? 0));
    return counts[0]!;
  }

  openPush(listener: PushListener): PushChannel {
    const sides = [this.primary, this.secondary].filter((side) => side.capabilities.push && side.openPush);
    const down = new Set<number>();
    const channels = sides.map((side, i) =>
      side.openPush!({
        message: (id, meta) => listener.message(id, meta),
        resync: () => listener.resync(),
        pushUnavailable: () => {
          if (down.size === 0) listener.pushUnavailable();
          down.add(i);
        },
        pushRestored: () => {
          down.delete(i);
          if (down.size === 0) listener.pushRestored();
        },
      }),
    );
    const onlyOne = sides.length === 1;
    const interval = this.#options.safetyPollInterval ?? 1000;
    return {
      subscribe: async (ids) => void (await Promise.all(channels.map((c) => c.subscribe(ids)))),
      unsubscribe: async (ids) => void (await Promise.all(channels.map((c) => c.unsubscribe(ids)))),
      close: async () => void (await Promise.all(channels.map((c) => c.close()))),
      get connectionError() {
        return channels.map((c) => c.connectionError).find((e) => e) ?? null;
      },
      get safetyPollInterval() {
        // A side without push is read at this pace; with both pushing, their own settings apply.
        if (onlyOne) return interval;
        const own = channels.map((c) => c.safetyPollInterval).filter((v): v is number => v !== undefined);
        return own.length ? Math.min(...own) : undefined;
      },
    };
  }

  isRetryable(): boolean {
    // Each side is retried on its own inside the mirror; the mirror's outcome is final.
    return false;
  }

  wrapError(error: unknown): Error {
    if (error instanceof Error && error instanceof ResultkitError) return error;
    return this.primary.wrapError ? this.primary.wrapError(error) : (error as Error);
  }

  async close(): Promise<void> {
    await Promise.all([this.primary.close(), this.secondary.close()]);
  }

  async #both(operation: string, write: (side: BackendAdapter) => Promise<void>): Promise<void> {
    const sides = [this.primary, this.secondary] as const;
    const outcomes = await Promise.allSettled(sides.map((side) => withRetry(() => write(side), (e) => side.isRetryable?.(e) ?? false, DEFAULT_RETRY_POLICY)));
    const failed: MirrorSide[] = [];
    const errors: Error[] = [];
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') return;
      const side = sides[i]!;
      failed.push(i === 0 ? 'primary' : 'secondary');
      errors.push(side.wrapError ? side.wrapError(outcome.reason) : asError(outcome.reason));
    });
    if (!failed.length) return;
    const error = new MirrorWriteError(operation, failed, errors);
    this.#options.onWriteError?.(error);
    if (this.#options.secondaryFailures === 'report' && failed.length === 1 && failed[0] === 'secondary') return;
    throw error;
  }
}

async function loadMany(adapter: BackendAdapter, ids: readonly string[]): Promise<(TaskMeta | null | Error)[]> {
  if (adapter.loadMany) return adapter.loadMany(ids);
  return Promise.all(ids.map((id) => adapter.load(id).catch((error: unknown) => asError(error))));
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
