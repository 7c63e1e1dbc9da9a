/**
 * Celery's key names for key/value result stores (`KeyValueStoreBackend`: Redis, the file
 * system, and the memory backend that stands in for them). A key is a plain concatenation of
 * an optional global prefix, Celery's prefix and the id.
 */

/** Celery's `task_keyprefix`. */
export const TASK_KEY_PREFIX = 'celery-task-meta-';
/** Celery's `group_keyprefix`; Redis chord keys add `.j`, `.s` and `.t` to a group key. */
export const GROUP_KEY_PREFIX = 'celery-taskset-meta-';

/**
 * How `global_keyprefix` joins Celery's prefixes, which changed between releases (celery#9066):
 * - `celery-5.5` (5.5 and later): a `_` is inserted only when the prefix does not already end
 *   in one of `:`, `_`, `-` or `.`, so `myapp:` gives `myapp:celery-task-meta-<id>`.
 * - `celery-5.3` (5.3 and 5.4): a `_` is always inserted, so `myapp:` gives
 *   `myapp:_celery-task-meta-<id>`.
 * Celery 5.2 has no global prefix at all: leave it unset for it.
 */
export type KeyPrefixStyle = 'celery-5.5' | 'celery-5.3';

const SEPARATORS_5_5 = new Set([':', '_', '-', '.']);

/** The text put in front of Celery's own prefixes for `keyPrefix` under `style`. */
export function globalKeyPrefix(keyPrefix: string | null | undefined, style: KeyPrefixStyle = 'celery-5.5'): string {
  if (!keyPrefix) return '';
  if (style === 'celery-5.3') return `${keyPrefix}_`;
  return SEPARATORS_5_5.has(keyPrefix.slice(-1)) ? keyPrefix : `${keyPrefix}_`;
}

/** Builds the task and group keys of one store, with its global prefix applied once. */
export class CeleryKeys {
  /** The prefix of every task key: global prefix + `celery-task-meta-`. */
  readonly taskPrefix: string;
  /** The prefix of every group key: global prefix + `celery-taskset-meta-`. */
  readonly groupPrefix: string;

  constructor(keyPrefix?: string | null, style: KeyPrefixStyle = 'celery-5.5') {
    const global = globalKeyPrefix(keyPrefix, style);
    this.taskPrefix = global + TASK_KEY_PREFIX;
    this.groupPrefix = global + GROUP_KEY_PREFIX;
  }

  /** `celery-task-meta-<id>`: where a task's result is stored. */
  task(taskId: string): string {
    return this.taskPrefix + requireId(taskId, 'task');
  }

  /** `celery-taskset-meta-<gid>`: a saved group. */
  group(groupId: string): string {
    return this.groupPrefix + requireId(groupId, 'group');
  }

  /** The task id a task key names, or null for any other key. */
  taskIdOf(key: string): string | null {
    return key.startsWith(this.taskPrefix) && key.length > this.taskPrefix.length ? key.slice(this.taskPrefix.length) : null;
  }
}

// Celery 5.3+ refuses empty ids: `celery-task-meta-` alone would be one key shared by every
// caller that lost its id.
function requireId(id: string, what: string): string {
  if (typeof id !== 'string' || id === '') throw new TypeError(`A ${what} id must be a non-empty string.`);
  return id;
}
