/**
 * Celery's Redis key names: core's key/value names (an optional global prefix, Celery's prefix
 * and the id) plus the chord keys. The pub/sub channel of a result is its key, prefix included.
 */
import { CeleryKeys } from '@resultkit/core';

export { TASK_KEY_PREFIX, GROUP_KEY_PREFIX, globalKeyPrefix } from '@resultkit/core';
export type { KeyPrefixStyle } from '@resultkit/core';

/** Builds every key one backend uses, with its global prefix applied once. */
export class RedisKeys extends CeleryKeys {
  /** `…<gid>.j`: the results of a chord's finished header parts (ZSET, or LIST when unordered). */
  chordJoin(groupId: string): string {
    return `${this.group(groupId)}.j`;
  }

  /** `…<gid>.s`: the chord's header size, written by the client before the last header task. */
  chordSize(groupId: string): string {
    return `${this.group(groupId)}.s`;
  }

  /** `…<gid>.t`: parts added to a running chord (`add_to_chord`). */
  chordExtra(groupId: string): string {
    return `${this.group(groupId)}.t`;
  }
}
