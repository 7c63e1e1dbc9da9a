import { createHash } from 'node:crypto';
import type { Buffer } from 'node:buffer';
import {
  asBuffer,
  isStoredSuccess,
  NotSupportedError,
  type Codec,
  type EntryPage,
  type EntryRef,
  type ScanOptions,
  type StoredEntries,
  type StoredEntry,
  type WriteEntriesOptions,
  type WriteOutcome,
} from '@resultkit/core';
import type { Redis } from 'ioredis';
import type { RedisClient } from './connect.js';
import type { RedisKeys } from './keys.js';
import { LuaScript, publishingScripts } from './scripts.js';

// SET NX (with the entry's expiry) and PUBLISH when it was set: a copy never replaces anything.
// KEYS[1] the key; ARGV[1] the value; ARGV[2] 'PX' or ''; ARGV[3] milliseconds. Returns 1 set, 0 present.
const SET_IF_ABSENT_SOURCE = `
local set
if ARGV[2] == 'PX' then set = redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3], 'NX')
else set = redis.call('SET', KEYS[1], ARGV[1], 'NX') end
if not set then return 0 end
redis.call('PUBLISH', KEYS[1], ARGV[1])
return 1
`;
const setIfAbsentScript = new LuaScript(SET_IF_ABSENT_SOURCE);

const DEFAULT_PAGE = 500;

/**
 * Redis entries for migration: SCAN over the task keys, then over the group keys (the configured
 * prefix included), each page read with GET and PTTL in one pipeline. The cursor is the phase
 * and Redis's own SCAN cursor (`task:<n>`, `group:<n>`), so a run can resume where it stopped;
 * SCAN may list a key twice, which a copy that skips existing ids absorbs. A chord's working
 * keys (`<group>.j`, `.s`, `.t`) are not entries: they belong to chords still running.
 */
export class RedisEntries implements StoredEntries {
  readonly layout = 'document' as const;
  readonly format: string;
  readonly #ready: () => Promise<RedisClient>;
  readonly #keys: RedisKeys;
  readonly #codec: Codec;

  constructor(ready: () => Promise<RedisClient>, keys: RedisKeys, codec: Codec) {
    this.#ready = ready;
    this.#keys = keys;
    this.#codec = codec;
    this.format = `document:${codec.contentType}`;
  }

  async *scan(options: ScanOptions = {}): AsyncIterable<EntryPage> {
    const client = await this.#ready();
    if (client.isCluster) throw new NotSupportedError('Listing the results of a Redis Cluster is not supported yet; migrate each node as its own backend.');
    const redis = client as Redis;
    const count = options.pageSize ?? DEFAULT_PAGE;
    let [phase, cursor] = parseCursor(options.from ?? null);
    for (;;) {
      const prefix = phase === 'task' ? this.#keys.taskPrefix : this.#keys.groupPrefix;
      const [next, found] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', count);
      const keys = phase === 'group' ? found.filter((k) => !/\.[jst]$/.test(k)) : found;
      const entries = (await this.#read(redis, keys, phase)).filter((e): e is StoredEntry => e !== null);
      cursor = next;
      if (cursor === '0' && phase === 'task') {
        phase = 'group';
        yield { entries, cursor: 'group:0' };
        continue;
      }
      if (cursor === '0') {
        yield { entries, cursor: null };
        return;
      }
      yield { entries, cursor: `${phase}:${cursor}` };
    }
  }

  async readEntries(refs: readonly EntryRef[]): Promise<(StoredEntry | null)[]> {
    const redis = (await this.#ready()) as Redis;
    const out: (StoredEntry | null)[] = [];
    const tasks = await this.#read(redis, refs.map((r) => this.#key(r)), null);
    for (const entry of tasks) out.push(entry);
    return out;
  }

  async writeEntries(entries: readonly StoredEntry[], options: WriteEntriesOptions): Promise<WriteOutcome[]> {
    const redis = await this.#ready();
    return Promise.all(entries.map((entry) => this.#write(redis, entry, options)));
  }

  async #write(redis: RedisClient, entry: StoredEntry, options: WriteEntriesOptions): Promise<WriteOutcome> {
    const key = this.#key(entry);
    const value = asBuffer(entry.bytes!);
    const ttl = typeof entry.ttl === 'number' ? Math.max(1, Math.round(entry.ttl)) : null;
    const [mode, amount] = ttl === null ? ['', '0'] : ['PX', String(ttl)];
    if (options.existing === 'skip') return (await setIfAbsentScript.run(redis, [key], [value, mode, amount])) === 1 ? 'written' : 'skipped';
    if (entry.kind === 'group') {
      await publishingScripts(redis).setAndPublish.run(redis, [key], [value, mode, amount]);
      return 'written';
    }
    let judged = '';
    for (let attempt = 0; attempt < 10; attempt++) {
      const reply = await publishingScripts(redis).store.run(redis, [key], [value, mode, amount, judged]);
      if (!Array.isArray(reply)) return reply === 1 ? 'written' : 'kept';
      const stored = reply[1] as Buffer;
      if (isStoredSuccess(this.#codec, stored)) return 'kept';
      judged = createHash('sha1').update(stored).digest('hex');
    }
    return 'kept';
  }

  async #read(redis: Redis, keys: readonly string[], phase: 'task' | 'group' | null): Promise<(StoredEntry | null)[]> {
    if (!keys.length) return [];
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.getBuffer(key).pttl(key);
    const replies = (await pipeline.exec()) ?? [];
    return keys.map((key, i) => {
      const [getError, bytes] = replies[2 * i] ?? [];
      const [, pttl] = replies[2 * i + 1] ?? [];
      if (getError) throw getError;
      if (bytes === null || bytes === undefined) return null;
      const group = phase === 'group' || (phase === null && key.startsWith(this.#keys.groupPrefix));
      const id = key.slice(group ? this.#keys.groupPrefix.length : this.#keys.taskPrefix.length);
      const ms = Number(pttl);
      return { kind: group ? 'group' : 'task', id, bytes: bytes as Buffer, ttl: ms >= 0 ? ms : null };
    });
  }

  #key(ref: EntryRef): string {
    return ref.kind === 'task' ? this.#keys.task(ref.id) : this.#keys.group(ref.id);
  }
}

function parseCursor(cursor: string | null): ['task' | 'group', string] {
  if (!cursor) return ['task', '0'];
  const m = /^(task|group):(\d+)$/.exec(cursor);
  if (!m) throw new TypeError(`Not a Redis migration cursor: ${cursor}`);
  return [m[1] as 'task' | 'group', m[2]!];
}

// A prefix such as `app[1]:` must match itself, not a glob class.
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
