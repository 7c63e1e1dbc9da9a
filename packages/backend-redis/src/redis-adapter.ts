import { type Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import {
  asBuffer,
  BackendUnavailableError,
  decodeStoredMeta,
  decodeStoredMetaOrError,
  isStoredSuccess,
  type Secrets,
  StoreContendedError,
  backendError,
  scrubError,
  groupFromDocument,
  groupToDocument,
  toDocument,
  type AdapterCapabilities,
  type AdapterStoreOptions,
  type BackendAdapter,
  type ChordPart,
  type ChordProgress,
  type Codec,
  type GroupMeta,
  type PushChannel,
  type PushListener,
  type TaskMeta,
} from '@resultkit/core';
import type { Cluster, Redis } from 'ioredis';
import { chordError, decodeChordEntries, encodeChordEntry, joinSavedHeader } from './chord.js';
import type { RedisClient, RedisConnection } from './connect.js';
import { ConnectionGate } from './connection.js';
import { isRetryableRedisError, redisFailureKind } from './errors.js';
import { RedisKeys } from './keys.js';
import { RedisEntries } from './redis-entries.js';
import type { ResolvedRedisOptions } from './options.js';
import { ReplicaShortfall, ReplicaWaiter } from './replica-wait.js';
import { chordPartScript, expiryArgs, publishingScripts, type LuaScript, type PublishingScripts } from './scripts.js';
import { clearSocketTimeoutOnClose } from './socket-timeout.js';
import { RedisSubscriber } from './subscriber.js';

export interface RedisAdapterInit {
  codec: Codec;
  options: ResolvedRedisOptions;
  /** The command connections, opened (or adopted) by `connectRedis`. */
  connection: RedisConnection;
}

// MGET (and SUBSCRIBE) at most this many keys per command, so one huge read never holds the
// server for long; the chunks are pipelined, so it is still one round trip's worth of waiting.
const MGET_CHUNK = 1_000;

// A store whose stored value keeps changing under it is retried this many times (each time
// only when the stored value could not be judged inside Redis, see scripts.ts).
const MAX_STORE_ATTEMPTS = 10;

/**
 * Celery's Redis result backend: `celery-task-meta-<id>` holds the encoded document and its
 * changes are published on the same name. Every store is one atomic script (SUCCESS guard +
 * SET/SETEX + PUBLISH), reads are GET/MGET, waits share one pub/sub connection, and chords run
 * the `.j/.s/.t` protocol in one script per part.
 */
export class RedisAdapter implements BackendAdapter {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'redis';
  readonly capabilities: AdapterCapabilities = {
    push: true,
    groups: true,
    chords: true,
    selfExpiry: true,
    durable: true,
    preservesSuccess: true,
    forget: true,
    sharedReads: true,
    // Values are kept as the bytes given (Celery's supports_result_compression).
    compression: true,
  };
  readonly keys: RedisKeys;
  /** The stored entries, for migration (`migrate` in core). */
  readonly entries: RedisEntries;
  readonly #clients: readonly RedisClient[];
  /** One per command connection, same order: nothing is sent on a connection before its gate opens. */
  readonly #gates: readonly ConnectionGate[];
  readonly #ownsClients: boolean;
  readonly #description: string;
  readonly #secrets: Secrets;
  readonly #codec: Codec;
  readonly #chordOrdered: boolean;
  readonly #chordJoinTimeoutMs: number;
  readonly #subscriberName: string;
  readonly #subscribers = new Set<RedisSubscriber>();
  #next = 0;
  #closed = false;
  readonly #coalesce: boolean;
  /** PUBLISH, or SPUBLISH on a Cluster: the subscriber listens the same way (see subscriber.ts). */
  readonly #scripts: PublishingScripts;
  /** `waitForReplicas`: every write is followed by WAIT on its connection (see replica-wait.ts); null when off. */
  readonly #replicaWait: ReplicaWaiter | null;

  constructor({ codec, options, connection }: RedisAdapterInit) {
    if (!connection.clients.length) throw new TypeError('RedisAdapter needs at least one client.');
    this.#clients = connection.clients;
    this.#ownsClients = connection.ownsClients;
    this.#description = connection.description;
    this.#secrets = connection.secrets;
    this.#gates = connection.clients.map(
      (client) =>
        new ConnectionGate({
          client,
          db: connection.db,
          connectTimeout: connection.connectTimeout,
          description: connection.description,
          secrets: connection.secrets,
        }),
    );
    this.#codec = codec;
    this.keys = new RedisKeys(options.keyPrefix, options.keyPrefixStyle);
    this.#chordOrdered = options.chordOrdered;
    this.#chordJoinTimeoutMs = Math.round(options.chordJoinTimeout * 1000);
    this.#subscriberName = connection.subscriberName;
    this.#coalesce = options.coalesceWrites;
    this.#scripts = publishingScripts(connection.clients[0]!);
    this.#replicaWait = connection.replicaWait && new ReplicaWaiter(connection.replicaWait);
    this.entries = new RedisEntries(async () => this.#ready(), this.keys, codec);
  }

  /** The first command connection (for tools and tests). */
  get client(): RedisClient {
    return this.#clients[0]!;
  }

  /** The push channel, once a wait opened it (for tools and tests). */
  get subscriber(): RedisSubscriber | null {
    return this.#subscribers.values().next().value ?? null;
  }

  // ---- results ------------------------------------------------------------------------------

  store(meta: TaskMeta, options: AdapterStoreOptions): Promise<void> {
    // Not `async`, and no `await` before the script is sent: a store is on the path of every
    // result to its waiter, and each suspended frame would add a promise and a microtask turn.
    try {
      // Encoding checks the size limit: a value over it is refused before anything is sent.
      const value = asBuffer(this.#codec.encode(toDocument(meta)));
      const key = this.keys.task(meta.taskId);
      const [mode, amount] = expiryArgs(options.expires);
      const client = this.#ready();
      if (client instanceof Promise) return client.then((ready) => this.#store(ready, meta.taskId, key, value, mode, amount, '', 1));
      return this.#store(client, meta.taskId, key, value, mode, amount, '', 1);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * One run of the store script. `judged` is '' or the SHA1 of a stored value this adapter
   * decoded and found not to be a SUCCESS (see scripts.ts); `attempt` counts the runs.
   */
  #store(client: RedisClient, taskId: string, key: string, value: Buffer, mode: string, amount: string, judged: string, attempt: number): Promise<void> {
    // Storing again is harmless (the SUCCESS guard and the same bytes), so a replica shortfall may be retried.
    const sent = this.#replicaWait
      ? this.#scripts.store.runAndWait(client, [key], [value, mode, amount, judged, '1'], this.#replicaWait, true)
      : this.#scripts.store.run(client, [key], [value, mode, amount, judged]);
    return sent.then((reply) => {
      // 1: written and published; 0: dropped, a SUCCESS is stored.
      if (!Array.isArray(reply)) return;
      // [2, stored]: the script could not tell the stored value's status; decode it here.
      const stored = reply[1] as Buffer;
      // A value this backend cannot read is not a SUCCESS anyone here could read: it is replaced.
      if (isStoredSuccess(this.#codec, stored)) return;
      if (attempt >= MAX_STORE_ATTEMPTS) throw new StoreContendedError(taskId);
      return this.#store(client, taskId, key, value, mode, amount, createHash('sha1').update(stored).digest('hex'), attempt + 1);
    });
  }

  load(taskId: string): Promise<TaskMeta | null> {
    // Not `async`: reads are the hot path, and the driver's promise is enough of one.
    const read = (client: RedisClient) =>
      client.getBuffer(this.keys.task(taskId)).then((bytes) => (bytes === null ? null : decodeStoredMeta(this.#codec, bytes, taskId)));
    const client = this.#ready();
    return client instanceof Promise ? client.then(read) : read(client);
  }

  async loadMany(taskIds: readonly string[]): Promise<(TaskMeta | null | Error)[]> {
    if (!taskIds.length) return [];
    const values = await this.#getMany(taskIds.map((id) => this.keys.task(id)));
    return values.map((bytes, i) => (bytes === null ? null : decodeStoredMetaOrError(this.#codec, bytes, taskIds[i]!)));
  }

  async remove(taskId: string): Promise<void> {
    // Without WAIT a forgotten result could come back with a replica promoted after the DEL.
    const key = this.keys.task(taskId);
    await this.#write('del', key, true);
  }

  // ---- groups -------------------------------------------------------------------------------

  async saveGroup(group: GroupMeta, options: AdapterStoreOptions): Promise<void> {
    // Celery's GroupResult.save(): {"result": [[gid, null], [member tuples]]}, SETEX + PUBLISH.
    const value = asBuffer(this.#codec.encode(groupToDocument(group)));
    const [mode, amount] = expiryArgs(options.expires);
    await this.#runScript(this.#scripts.setAndPublish, [this.keys.group(group.groupId)], [value, mode, amount], true);
  }

  async loadGroup(groupId: string): Promise<GroupMeta | null> {
    const bytes = await (await this.#ready()).getBuffer(this.keys.group(groupId));
    if (bytes === null) return null;
    return groupFromDocument(this.#codec.decode(bytes), groupId);
  }

  async removeGroup(groupId: string): Promise<void> {
    const key = this.keys.group(groupId);
    await this.#write('del', key, true);
  }

  // ---- chords -------------------------------------------------------------------------------

  async setChordSize(groupId: string, size: number, options: AdapterStoreOptions): Promise<void> {
    if (!Number.isSafeInteger(size) || size < 0) throw new TypeError(`A chord size must be a whole number >= 0, got ${size}.`);
    // Celery's set_chord_size(): the bare number as text ("2"), SETEX + PUBLISH like any set().
    const [mode, amount] = expiryArgs(options.expires);
    await this.#runScript(this.#scripts.setAndPublish, [this.keys.chordSize(groupId)], [String(size), mode, amount], true);
  }

  async addToChord(groupId: string): Promise<void> {
    // Celery's add_to_chord(): INCR <gid>.t, no expiry (the next part return sets it).
    // Not repeatable: an INCR applied twice counts a part twice and the chord never completes.
    const key = this.keys.chordExtra(groupId);
    await this.#write('incr', key, false);
  }

  async onChordPartReturn(part: ChordPart, options: AdapterStoreOptions): Promise<ChordProgress> {
    const entry = asBuffer(encodeChordEntry(this.#codec, part));
    const score = part.groupIndex === null || part.groupIndex === undefined ? '+inf' : String(part.groupIndex);
    const [mode, amount] = expiryArgs(options.expires);
    const { keys } = this;
    const scriptKeys = [keys.chordJoin(part.groupId), keys.chordExtra(part.groupId), keys.chordSize(part.groupId), keys.group(part.groupId)];
    const scriptArgs = [entry, score, this.#chordOrdered ? '1' : '0', mode, amount];
    let reply: [number, number, number, Buffer?, Buffer[]?];
    try {
      reply = (await this.#runScript(chordPartScript, scriptKeys, scriptArgs, false)) as typeof reply;
    } catch (error) {
      // The part that completed the chord has taken the results out of Redis and deleted the
      // chord's keys: replicated or not, what it got is the only copy left, so it runs the body.
      // An incomplete step too few replicas hold fails: a promoted replica might not count it.
      if (!(error instanceof ReplicaShortfall && Array.isArray(error.reply) && error.reply[0] === 1)) throw error;
      reply = error.reply as typeof reply;
    }

    if (reply[0] !== 1) return { complete: false, count: reply[1], total: reply[2] < 0 ? null : reply[2] };
    // This caller's part completed the chord, and the chord's keys are already gone: whatever
    // happens now must end as results or a ChordError, never as a thrown error, or the body
    // would never run (and nobody else can run it).
    const saved = reply[3];
    try {
      if (saved && saved.length) {
        return await joinSavedHeader(this.#codec, saved, (ids) => this.loadMany(ids), this.#chordJoinTimeoutMs);
      }
      return decodeChordEntries(this.#codec, reply[4] ?? []);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { complete: true, error: chordError(`Join error: ${message}`) };
    }
  }

  // ---- push ---------------------------------------------------------------------------------

  openPush(listener: PushListener): PushChannel {
    const subscriber = new RedisSubscriber({
      open: () => this.#openSubscriberConnection(),
      keys: this.keys,
      sharded: this.#clients[0]!.isCluster,
      decode: (bytes, taskId) => decodeStoredMetaOrError(this.#codec, bytes, taskId),
      listener,
    });
    this.#subscribers.add(subscriber);
    return {
      subscribe: (ids) => subscriber.subscribe(ids),
      unsubscribe: (ids) => subscriber.unsubscribe(ids),
      close: async () => {
        this.#subscribers.delete(subscriber);
        await subscriber.close();
      },
      get connectionError() {
        return subscriber.connectionError;
      },
    };
  }

  isRetryable(error: unknown): boolean {
    if (error instanceof ReplicaShortfall) return error.repeatable;
    return isRetryableRedisError(error);
  }

  wrapError(error: unknown): Error {
    // The caller's own mistakes (a chord size that is not a number) stay what they are.
    if (error instanceof TypeError) return error;
    if (error instanceof ReplicaShortfall) {
      // BackendUnavailableError rather than BackendOperationError: the server did nothing wrong
      // and the operation is sound; part of the backend the option requires (the replicas) did
      // not answer in time, as when a replica is down or being promoted. Like an unreachable
      // server, it passes, and the same write succeeds once enough replicas are back.
      return new BackendUnavailableError(
        `Redis at ${this.#description}: ${error.message}, so it is not acknowledged: it may not survive a failover. ` +
          `Check that the replicas are up and linked (INFO replication), or give them more time (waitForReplicas.timeout).`,
        { cause: scrubError(error, this.#secrets) },
      );
    }
    return backendError(redisFailureKind(error), { target: `Redis at ${this.#description}`, error, secrets: this.#secrets });
  }

  /** Operations waiting for a connection fail with `BackendClosedError`; closing never fails because the server is gone. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const gate of this.#gates) gate.close();
    const subscribers = [...this.#subscribers];
    this.#subscribers.clear();
    await Promise.all(subscribers.map((s) => s.close()));
    // A client the user passed in is theirs to close.
    if (this.#ownsClients) await Promise.all(this.#clients.map(closeClient));
  }

  // ---- internals ----------------------------------------------------------------------------

  /** A one-key write command, followed by WAIT when `waitForReplicas` is on; `repeatable`: see `ReplicaShortfall`. */
  async #write(command: 'del' | 'incr', key: string, repeatable: boolean): Promise<unknown> {
    const client = await this.#ready();
    if (!this.#replicaWait) return client[command](key);
    return this.#replicaWait.write(client, key, (p) => p[command](key), repeatable);
  }

  /** A script run, followed by WAIT when `waitForReplicas` is on. */
  async #runScript(script: LuaScript, keys: readonly string[], args: readonly (string | number | Buffer)[], repeatable: boolean): Promise<unknown> {
    const client = await this.#ready();
    if (this.#replicaWait) return script.runAndWait(client, keys, args, this.#replicaWait, repeatable);
    return script.run(client, keys, args);
  }

  /** The next command connection in turn, once it can be used (see `ConnectionGate`); synchronous when it can be now. */
  #ready(): RedisClient | Promise<RedisClient> {
    const clients = this.#clients;
    const index = clients.length === 1 ? 0 : (this.#next = (this.#next + 1) % clients.length);
    const gate = this.#gates[index]!;
    if (gate.isOpen) return this.#use(clients[index]!);
    return gate.ready().then(() => this.#use(clients[index]!));
  }

  #use(client: RedisClient): RedisClient {
    if (this.#coalesce) coalesceWrites(client);
    return client;
  }

  async #getMany(keys: string[]): Promise<(Buffer | null)[]> {
    const client = await this.#ready();
    if (client.isCluster) {
      // A Cluster refuses MGET across hash slots; single GETs are routed (and auto-pipelined) per node.
      return Promise.all(keys.map((key) => client.getBuffer(key)));
    }
    if (keys.length <= MGET_CHUNK) return client.mgetBuffer(keys);
    const parts: Promise<(Buffer | null)[]>[] = [];
    for (let i = 0; i < keys.length; i += MGET_CHUNK) parts.push(client.mgetBuffer(keys.slice(i, i + MGET_CHUNK)));
    return (await Promise.all(parts)).flat();
  }


  #openSubscriberConnection(): RedisClient {
    const base = this.#clients[0]!;
    let connection: RedisClient;
    if (base.isCluster) {
      const cluster = base as Cluster;
      connection = cluster.duplicate(undefined, {
        redisOptions: { ...cluster.options.redisOptions, connectionName: this.#subscriberName },
        // One SSUBSCRIBE connection per primary, each channel on the shard that owns its slot,
        // moved by ioredis when the slots move (a failover); see subscriber.ts.
        shardedSubscribers: true,
      });
    } else {
      connection = (base as Redis).duplicate({
        connectionName: this.#subscriberName,
        // The subscriber resubscribes itself, then asks core to read again (see subscriber.ts).
        autoResubscribe: false,
        // A SUBSCRIBE sent during an outage waits for the reconnect instead of failing: the
        // waits it serves end by their own timeouts.
        maxRetriesPerRequest: null,
        enableAutoPipelining: false,
        lazyConnect: false,
      });
      clearSocketTimeoutOnClose(connection as Redis);
    }
    return connection;
  }
}

// Sockets corked for the current tick. ioredis writes every command with its own
// `socket.write()`, one system call each; with many requests in flight those calls cost more
// than anything else a store or a read does. Corking the socket when the first command of a
// tick is issued and uncorking it at the end of the tick (process.nextTick runs after the
// current job and its microtasks) sends everything issued meanwhile in one write, without
// waiting for anything: the same effect as pipelining, with no change to ordering or replies.
const corked = new WeakSet<object>();

function coalesceWrites(client: RedisClient): void {
  if (client.isCluster || client.status !== 'ready') return;
  const socket = (client as Redis).stream as (NodeJS.WritableStream & { cork?: () => void; uncork?: () => void }) | undefined;
  if (!socket?.cork || corked.has(socket)) return;
  socket.cork();
  corked.add(socket);
  process.nextTick(() => {
    corked.delete(socket);
    socket.uncork!();
  });
}


async function closeClient(client: RedisClient): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // Fall through: the connection broke while closing.
    }
  }
  client.disconnect();
}
