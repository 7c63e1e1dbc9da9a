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

// Many entries in one call: for each key SET NX (with its expiry) and PUBLISH when it was set,
// so a copy never replaces anything and a page costs one round trip, not one per entry.
// KEYS[i] a key; ARGV[3i-2] its value, ARGV[3i-1] 'PX' or '', ARGV[3i] milliseconds.
// Returns, for each key, 1 when it was set and 0 when it was there already.
const SET_IF_ABSENT_MANY_SOURCE = `
local out = {}
for i = 1, #KEYS do
  local value, mode, ms = ARGV[3 * i - 2], ARGV[3 * i - 1], ARGV[3 * i]
  local set
  if mode == 'PX' then set = redis.call('SET', KEYS[i], value, 'PX', ms, 'NX')
  else set = redis.call('SET', KEYS[i], value, 'NX') end
  if set then
    redis.call('PUBLISH', KEYS[i], value)
    out[i] = 1
  else
    out[i] = 0
  end
end
return out
`;
const setIfAbsentManyScript = new LuaScript(SET_IF_ABSENT_MANY_SOURCE);
/** Keys per script call: a call runs alone on the server, so it is kept short. */
const KEYS_PER_CALL = 250;

const DEFAULT_PAGE = 500;
/** A chord's working keys (`<group>.j`, `.s`, `.t`) share the group prefix but are not entries. */
const CHORD_KEY = /\.[jst]$/;

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
      const keys = phase === 'group' ? found.filter((k) => !CHORD_KEY.test(k)) : found;
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

  /** Key names only: SCAN over both prefixes, nothing read. */
  async count(): Promise<number> {
    const redis = (await this.#ready()) as Redis;
    let count = 0;
    for (const [prefix, group] of [[this.#keys.taskPrefix, false], [this.#keys.groupPrefix, true]] as const) {
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
        count += group ? found.filter((k) => !CHORD_KEY.test(k)).length : found.length;
        cursor = next;
      } while (cursor !== '0');
    }
    return count;
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
    if (options.existing === 'skip') return this.#writeAbsent(redis, entries);
    return Promise.all(entries.map((entry) => this.#write(redis, entry)));
  }

  /** `skip`: a script call per chunk of keys (per key on a cluster, where keys live in different slots). */
  async #writeAbsent(redis: RedisClient, entries: readonly StoredEntry[]): Promise<WriteOutcome[]> {
    const size = redis.isCluster ? 1 : KEYS_PER_CALL;
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < entries.length; i += size) {
      const chunk = entries.slice(i, i + size);
      const args: (string | Buffer)[] = [];
      for (const entry of chunk) args.push(asBuffer(entry.bytes!), ...ttlArgs(entry));
      calls.push(setIfAbsentManyScript.run(redis, chunk.map((entry) => this.#key(entry)), args));
    }
    const replies = (await Promise.all(calls)) as number[][];
    return replies.flat().map((set) => (set === 1 ? 'written' : 'skipped'));
  }

  async #write(redis: RedisClient, entry: StoredEntry): Promise<WriteOutcome> {
    const key = this.#key(entry);
    const value = asBuffer(entry.bytes!);
    const [mode, amount] = ttlArgs(entry);
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

/** An entry's expiry as the scripts take it: `PX` and whole milliseconds (at least 1), or none. */
function ttlArgs(entry: StoredEntry): [mode: 'PX' | '', amount: string] {
  return typeof entry.ttl === 'number' ? ['PX', String(Math.max(1, Math.round(entry.ttl)))] : ['', '0'];
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
