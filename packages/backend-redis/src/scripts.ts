import { createHash } from 'node:crypto';
import type { Buffer } from 'node:buffer';
import type { Cluster, Redis } from 'ioredis';
import type { ReplicaWaiter } from './replica-wait.js';

/**
 * The Lua scripts that make a store and a chord step atomic. Each runs in one round trip
 * (EVALSHA, falling back to EVAL once after a restart or SCRIPT FLUSH), and Redis runs a
 * script without interleaving other commands, so two writers can never both "see no
 * SUCCESS" and then overwrite each other the way Celery's GET-then-MULTI can.
 */

// ---------------------------------------------------------------------------------------------
// Store: "a SUCCESS is never overwritten".
//
// The script has to find the status of whatever is stored, whoever wrote it, without a
// decoder for every format (Redis has cjson and cmsgpack, but not pickle, YAML or our
// compressed frames, and decoding a 10 MiB value inside Redis blocks the server). It reads
// the first 512 bytes with GETRANGE and recognises the shapes Celery and resultkit write:
//
//   json     `{"status": "SUCCESS", ...`: Celery and resultkit write `status` first.
//   msgpack  a map header, then the str `status`, then its value (also first).
//   pickle   PROTO, then a dict whose first key (after MARK) is the string `status`.
//   yaml     PyYAML sorts keys, so `status` comes after `result`: the whole value is read
//            and the top-level `status:` line (column 0: nested keys are indented) is used.
//
// Anything else (a compressed frame, a foreign key order, a protocol-0 pickle) is not
// guessed: the script returns the stored value instead of writing, the adapter decodes it
// with its codec, and, if it is not a SUCCESS, calls the script again with the SHA1 of the
// bytes it judged. The script writes only if the value is still exactly those bytes, so the
// rule holds even then; it just costs a second round trip. No marker, companion key or field
// is ever added: Celery peers see exactly the bytes they would write themselves.
//
// KEYS[1]  the result key (also the channel the value is published on)
// ARGV[1]  the encoded document
// ARGV[2]  'EX' (seconds), 'PX' (milliseconds) or '' (no expiry)
// ARGV[3]  the expiry amount
// ARGV[4]  '' or the SHA1 of the stored value the caller decoded and found not to be SUCCESS
// ARGV[5]  '1' when the caller sends WAIT next (waitForReplicas), else ''
// Returns  1 written and published, 0 dropped (a SUCCESS is stored), or {2, value} when the
//          stored value has to be judged by the caller.
// ---------------------------------------------------------------------------------------------
const storeSource = (publish: PublishCommand): string => `
local key = KEYS[1]

-- 'S' a SUCCESS is stored, 'N' something else (or nothing) is, '?' cannot tell here
local verdict
if ARGV[4] ~= '' then
  local current = redis.call('GET', key)
  if (not current) or redis.sha1hex(current) == ARGV[4] then verdict = 'N' end
end

if not verdict then
  local head = redis.call('GETRANGE', key, 0, 511)
  local b1 = string.byte(head, 1)
  if not b1 then
    verdict = 'N'
  elseif b1 == 0x7b then
    -- The common case, kept free of function definitions: JSON with "status" first.
    local status = string.match(head, '^{%s*"status"%s*:%s*"([^"\\\\]*)"')
    if status == 'SUCCESS' then verdict = 'S' elseif status then verdict = 'N' else verdict = '?' end
  else
    -- A string (msgpack fixstr/str8, or pickle SHORT_BINUNICODE/SHORT_BINSTRING/BINUNICODE/
    -- BINSTRING) starting at byte i of s, or nil.
    local function msgpack_str(s, i)
      local b = string.byte(s, i)
      if not b then return nil end
      local len, start
      if b >= 0xa0 and b <= 0xbf then
        len, start = b - 0xa0, i + 1
      elseif b == 0xd9 then
        len, start = string.byte(s, i + 1), i + 2
      else
        return nil
      end
      if not len then return nil end
      local v = string.sub(s, start, start + len - 1)
      if #v ~= len then return nil end
      return v
    end
    local function pickle_str(s, i)
      local op = string.byte(s, i)
      local len, start
      if op == 0x8c or op == 0x55 then
        len, start = string.byte(s, i + 1), i + 2
      elseif op == 0x58 or op == 0x54 then
        local a, b, c, d = string.byte(s, i + 1, i + 4)
        if not d then return nil end
        len, start = a + b * 256 + c * 65536 + d * 16777216, i + 5
      else
        return nil
      end
      if not len then return nil end
      local v = string.sub(s, start, start + len - 1)
      if #v ~= len then return nil end
      return v
    end

    local status
    local at
    if b1 >= 0x81 and b1 <= 0x8f then at = 2 elseif b1 == 0xde then at = 4 elseif b1 == 0xdf then at = 6 end
    if at then
      -- msgpack: a map whose first key is the str "status"
      if string.sub(head, at, at + 6) == '\\166status' then status = msgpack_str(head, at + 7) end
    elseif b1 == 0x80 then
      -- pickle: PROTO, then a dict whose first key (right after MARK) is the string "status"
      local p = string.find(head, 'status', 1, true)
      if p and ((p >= 4 and string.sub(head, p - 3, p - 1) == '(\\140\\6')
          or (p >= 4 and string.sub(head, p - 3, p - 1) == '(U\\6')
          or (p >= 7 and string.sub(head, p - 6, p - 1) == '(X\\6\\0\\0\\0')) then
        local i = p + 6
        local op = string.byte(head, i)
        if op == 0x94 then i = i + 1 elseif op == 0x71 then i = i + 2 elseif op == 0x72 then i = i + 5 end
        status = pickle_str(head, i)
      end
    elseif string.match(head, '^[%a_]') or string.sub(head, 1, 3) == '---' then
      -- YAML: the top-level "status:" line (column 0; nested keys are indented)
      local value = redis.call('GET', key)
      local line = string.match(value, '^status:[ ]*([^\\n]*)') or string.match(value, '\\nstatus:[ ]*([^\\n]*)')
      if line then
        line = string.gsub(line, '[ \\r]+$', '')
        status = string.match(line, "^'(.*)'$") or string.match(line, '^"(.*)"$') or line
      end
    end
    if status == 'SUCCESS' then verdict = 'S' elseif status then verdict = 'N' else verdict = '?' end
  end
end

if verdict == 'S' then
  -- The caller's WAIT vouches only for writes of its own connection. The SUCCESS found here may
  -- be this caller's own earlier attempt, sent on a connection that broke before its WAIT was
  -- answered: writing the same bytes again (same expiry) makes WAIT cover them.
  if ARGV[5] == '1' then redis.call('SET', key, redis.call('GET', key), 'KEEPTTL') end
  return 0
end
if verdict == '?' then
  local current = redis.call('GET', key)
  if current then return {2, current} end
end

if ARGV[2] == 'EX' then
  redis.call('SETEX', key, ARGV[3], ARGV[1])
elseif ARGV[2] == 'PX' then
  redis.call('PSETEX', key, ARGV[3], ARGV[1])
else
  redis.call('SET', key, ARGV[1])
end
redis.call('${publish}', key, ARGV[1])
return 1
`;

// ---------------------------------------------------------------------------------------------
// Plain write + publish, for saved groups and the chord size (Celery's `set()`, which has no
// SUCCESS guard). KEYS[1] key; ARGV[1] value; ARGV[2] 'EX'|'PX'|''; ARGV[3] amount.
// ---------------------------------------------------------------------------------------------
const setAndPublishSource = (publish: PublishCommand): string => `
if ARGV[2] == 'EX' then
  redis.call('SETEX', KEYS[1], ARGV[3], ARGV[1])
elseif ARGV[2] == 'PX' then
  redis.call('PSETEX', KEYS[1], ARGV[3], ARGV[1])
else
  redis.call('SET', KEYS[1], ARGV[1])
end
redis.call('${publish}', KEYS[1], ARGV[1])
return 1
`;

// ---------------------------------------------------------------------------------------------
// One chord part (Celery's `on_chord_part_return`, §3.7), with the "last part" decision and the
// cleanup in the same atomic step, so exactly one caller sees the chord complete even when
// parts race (Celery decides in one MULTI and deletes in a later one).
//
// KEYS[1] <gid>.j   KEYS[2] <gid>.t   KEYS[3] <gid>.s   KEYS[4] the saved group key
// ARGV[1] the encoded entry [1, tid, state, result]
// ARGV[2] the score: group_index, or '+inf' when unknown
// ARGV[3] '1' ordered (ZSET) or '0' unordered (LIST)
// ARGV[4] 'EX'|'PX'|''   ARGV[5] the expiry amount
// Returns {0, readycount, total or -1} while incomplete (-1: the size was never set, so the
// chord never completes, as in Celery), or {1, readycount, total, savedGroup or '', entries}
// to the one caller whose part completed the chord.
// ---------------------------------------------------------------------------------------------
const CHORD_PART_SOURCE = `
local ordered = ARGV[3] == '1'
local readycount
if ordered then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
  readycount = redis.call('ZCOUNT', KEYS[1], '-inf', '+inf')
else
  readycount = redis.call('RPUSH', KEYS[1], ARGV[1])
end
local extra = redis.call('GET', KEYS[2])
local size = redis.call('GET', KEYS[3])
if ARGV[4] == 'EX' then
  redis.call('EXPIRE', KEYS[1], ARGV[5])
  redis.call('EXPIRE', KEYS[2], ARGV[5])
  redis.call('EXPIRE', KEYS[3], ARGV[5])
elseif ARGV[4] == 'PX' then
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  redis.call('PEXPIRE', KEYS[2], ARGV[5])
  redis.call('PEXPIRE', KEYS[3], ARGV[5])
end
local total = size and tonumber(size)
if not total then return {0, readycount, -1} end
total = total + (tonumber(extra) or 0)
if readycount ~= total then return {0, readycount, total} end
local entries
if ordered then
  entries = redis.call('ZRANGE', KEYS[1], 0, -1)
else
  entries = redis.call('LRANGE', KEYS[1], 0, total)
end
local saved = redis.call('GET', KEYS[4]) or ''
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return {1, readycount, total, saved, entries}
`;

/** How a script publishes: classic pub/sub, or Redis 7's sharded pub/sub on a Cluster. */
type PublishCommand = 'PUBLISH' | 'SPUBLISH';

/**
 * The part of an ioredis client (`Redis` or `Cluster`) the scripts need. ioredis generates a
 * `<command>Buffer` method for every command but types only some of them. (Not `callBuffer`:
 * ioredis 5 drops its command name when auto-pipelining is on.)
 */
interface BufferEval {
  evalshaBuffer(sha: string, numKeys: number, ...args: (string | number | Buffer)[]): Promise<unknown>;
  evalBuffer(script: string, numKeys: number, ...args: (string | number | Buffer)[]): Promise<unknown>;
}

/** A Lua script run by its SHA1, loaded again with EVAL when the server does not know it. */
export class LuaScript {
  readonly source: string;
  readonly sha: string;

  constructor(source: string) {
    this.source = source;
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  run(redis: Redis | Cluster, keys: readonly string[], args: readonly (string | number | Buffer)[]): Promise<unknown> {
    const client = redis as unknown as BufferEval;
    // Not `async`: a store's script is on the path of every result to its waiter.
    return client.evalshaBuffer(this.sha, keys.length, ...keys, ...args).catch((error: unknown) => {
      if (!isNoScript(error)) throw error;
      // EVAL also caches the script, so the next call's EVALSHA finds it.
      return client.evalBuffer(this.source, keys.length, ...keys, ...args);
    });
  }

  /**
   * `run`, followed on the same connection by WAIT (see replica-wait.ts): resolves once
   * enough replicas hold what the script wrote. `repeatable` says whether running the
   * script again is harmless, should too few replicas answer.
   */
  runAndWait(redis: Redis | Cluster, keys: readonly string[], args: readonly (string | number | Buffer)[], waiter: ReplicaWaiter, repeatable: boolean): Promise<unknown> {
    return waiter.write(
      redis,
      keys[0]!,
      (p) => p.evalshaBuffer(this.sha, keys.length, ...keys, ...args),
      repeatable,
      (p) => p.evalBuffer(this.source, keys.length, ...keys, ...args),
    );
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/** The scripts that write and then publish the value on the key's own channel. */
export interface PublishingScripts {
  /** Store with the SUCCESS guard (KEYS and ARGV as documented above). */
  store: LuaScript;
  /** Plain write + publish (saved groups, the chord size). */
  setAndPublish: LuaScript;
}

/** With PUBLISH: a single server or a Sentinel-managed one, where Celery's subscribers listen. */
export const classicScripts: PublishingScripts = {
  store: new LuaScript(storeSource('PUBLISH')),
  setAndPublish: new LuaScript(setAndPublishSource('PUBLISH')),
};

/**
 * With SPUBLISH (Redis 7 sharded pub/sub), for a Cluster. A classic PUBLISH on a Cluster is
 * broadcast over the cluster bus to every node, whether anyone there listens or not; a sharded
 * message stays on the shard that owns the key's slot, where its SSUBSCRIBE is. The channel is
 * the key itself, so it always hashes to the slot the script already runs in.
 */
export const shardedScripts: PublishingScripts = {
  store: new LuaScript(storeSource('SPUBLISH')),
  setAndPublish: new LuaScript(setAndPublishSource('SPUBLISH')),
};

/** The publishing scripts a connection needs: SPUBLISH on a Cluster, PUBLISH everywhere else. */
export function publishingScripts(client: Redis | Cluster): PublishingScripts {
  return client.isCluster ? shardedScripts : classicScripts;
}
export const chordPartScript = new LuaScript(CHORD_PART_SOURCE);

/** How an expiry in (possibly fractional) seconds is sent: SETEX's whole seconds when it is whole, as Celery does. */
export function expiryArgs(expires: number | null): [mode: 'EX' | 'PX' | '', amount: string] {
  if (expires === null || !(expires > 0)) return ['', '0'];
  if (Number.isInteger(expires)) return ['EX', String(expires)];
  return ['PX', String(Math.max(1, Math.round(expires * 1000)))];
}
