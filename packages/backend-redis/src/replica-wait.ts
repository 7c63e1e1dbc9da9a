/**
 * Writes that count as done only once replicas hold them (the `waitForReplicas` option).
 *
 * Redis replicates asynchronously: a primary answers a write before any replica has it, so a
 * primary that dies right after answering can take the write with it when a replica is
 * promoted. `WAIT numreplicas timeout` blocks the connection that sent it until that many
 * replicas have acknowledged every write this connection made, or the timeout passes, and
 * replies with how many did. It has to reach the same server, on the same connection, as the
 * write it vouches for; a Lua script cannot call it and inside MULTI it never blocks.
 *
 * So writes are sent as a pipeline, the writes and then WAIT (see `ReplicaWaiter`):
 *  - on a single server or a Sentinel-managed one, a pipeline is one connection, in order;
 *  - on a Cluster, ioredis sends a pipeline to the node that serves the slots of its keyed
 *    commands, and WAIT (which has no key) goes along with the writes to that node;
 *  - when the connection breaks after a write's reply but before WAIT's, ioredis aborts the
 *    rest of the pipeline instead of sending WAIT without its writes on the new connection,
 *    where it would vouch for nothing (a new connection has made no writes, so WAIT answers at
 *    once); the aborted writes fail with a connection error and are retried.
 */
import type { Buffer } from 'node:buffer';
import { ConfigurationError, redactUrl } from '@resultkit/core';
import type { ChainableCommander, Cluster, Redis } from 'ioredis';
import { hashSlot } from './hash-slot.js';
import { toSeconds } from './url.js';

/** The `waitForReplicas` option: how many replicas must hold a write, and how long to wait for them. */
export interface WaitForReplicasOptions {
  /** Replicas that must acknowledge each write (WAIT's numreplicas); at least 1. */
  count: number;
  /** Seconds to wait for them (default 1). A write they did not all acknowledge by then fails. */
  timeout?: number;
}

/** The option resolved: the URL's query applied, the timeout in milliseconds. */
export interface ReplicaWait {
  count: number;
  timeoutMs: number;
}

/** The default wait: long enough for a replica on a busy network, short enough to notice a dead one. */
const DEFAULT_TIMEOUT_SECONDS = 1;

/**
 * `waitForReplicas` from the options, overridden by the URL's `wait_for_replicas` (a count; 0
 * turns it off) and `wait_for_replicas_timeout` (seconds). Null when it is off.
 */
export function resolveReplicaWait(query: Record<string, string>, option: WaitForReplicasOptions | undefined, url: string): ReplicaWait | null {
  let count = option?.count;
  if (query.wait_for_replicas !== undefined) {
    const text = query.wait_for_replicas;
    count = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (Number.isNaN(count)) {
      throw new ConfigurationError(`wait_for_replicas must be a whole number of replicas, got ${JSON.stringify(text)} in ${redactUrl(url)}`);
    }
  }
  const timeout =
    query.wait_for_replicas_timeout !== undefined
      ? toSeconds(query.wait_for_replicas_timeout, 'wait_for_replicas_timeout', url)
      : (option?.timeout ?? DEFAULT_TIMEOUT_SECONDS);
  if (count === undefined || count === 0) return null;
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new ConfigurationError(`waitForReplicas.count must be a whole number of replicas (1 or more), got ${String(count)}.`);
  }
  // WAIT's timeout 0 means "block forever": a replica that never comes back would hang every write.
  if (!(timeout > 0) || !Number.isFinite(timeout)) {
    throw new ConfigurationError(`waitForReplicas.timeout must be a positive number of seconds, got ${String(timeout)}.`);
  }
  return { count, timeoutMs: Math.max(1, Math.round(timeout * 1000)) };
}

/**
 * A write the primary applied and too few replicas acknowledged in time. Internal: the adapter
 * turns it into a `BackendUnavailableError` (see `RedisAdapter.wrapError`, which says why that one).
 */
export class ReplicaShortfall extends Error {
  readonly acknowledged: number;
  readonly required: number;
  readonly timeoutMs: number;
  /**
   * Whether doing the whole operation again is harmless (a store or a SET is; an INCR is not,
   * it would count twice), and so whether core's retry policy may repeat it.
   */
  readonly repeatable: boolean;
  /** What the write itself replied: it did happen on the primary. */
  readonly reply: unknown;

  constructor(acknowledged: number, wait: ReplicaWait, repeatable: boolean, reply: unknown) {
    super(
      `the write was applied by the primary, but only ${acknowledged} of the ${wait.count} replica${wait.count === 1 ? '' : 's'} ` +
        `required by waitForReplicas acknowledged it within ${wait.timeoutMs} ms`,
    );
    this.name = 'ReplicaShortfall';
    this.acknowledged = acknowledged;
    this.required = wait.count;
    this.timeoutMs = wait.timeoutMs;
    this.repeatable = repeatable;
    this.reply = reply;
  }
}

/** A pipeline, with the `<command>Buffer` methods ioredis generates for every command but types only for some. */
export type WritePipeline = ChainableCommander & {
  evalshaBuffer(sha: string, numKeys: number, ...args: (string | number | Buffer)[]): WritePipeline;
  evalBuffer(script: string, numKeys: number, ...args: (string | number | Buffer)[]): WritePipeline;
};

/** Puts one write command on a pipeline. */
export type QueueWrite = (pipeline: WritePipeline) => void;

/** One write waiting for its batch to leave. */
interface Entry {
  key: string;
  queue: QueueWrite;
  /** The same write by EVAL, for a script the server does not know (NOSCRIPT). */
  fallback: QueueWrite | undefined;
  repeatable: boolean;
  /** MOVED replies seen so far. */
  moved: number;
  resolve(reply: unknown): void;
  reject(error: unknown): void;
}

// How often a Cluster write is sent again after MOVED: the slots moved (a failover) and the
// pipeline went to the node that used to own them. Each time the slot map is read again first.
const MAX_MOVED = 5;

/**
 * Sends writes followed by WAIT, one WAIT for all the writes issued in the same tick on the same
 * connection: WAIT vouches for every earlier write of its connection, so
 * `[write 1, ..., write n, WAIT]` in one pipeline costs one wait for replicas instead of n. That
 * matters because WAIT blocks its connection, and every command behind it, until it returns.
 * On a Cluster a batch holds the writes whose slots the same node serves.
 */
export class ReplicaWaiter {
  readonly wait: ReplicaWait;
  /** The batches filling during this tick, by connection (a Cluster node's address for a Cluster). */
  readonly #batches = new Map<Redis | Cluster | string, { client: Redis | Cluster; entries: Entry[] }>();

  constructor(wait: ReplicaWait) {
    this.wait = wait;
  }

  /**
   * Resolves with the write's reply once `wait.count` replicas hold it. Rejects with the write's
   * own error when it failed (there is nothing to wait for), and with `ReplicaShortfall` when
   * too few replicas acknowledged it. `key` is the write's (first) key: it routes a Cluster batch.
   */
  write(client: Redis | Cluster, key: string, queue: QueueWrite, repeatable: boolean, fallback?: QueueWrite): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#add(client, { key, queue, fallback, repeatable, moved: 0, resolve, reject });
    });
  }

  #add(client: Redis | Cluster, entry: Entry): void {
    const batchKey = client.isCluster ? nodeOf(client as Cluster, entry.key) : client;
    // A key whose node is not known yet goes alone; ioredis finds the node for it.
    const batch = batchKey === undefined ? undefined : this.#batches.get(batchKey);
    if (batch) {
      batch.entries.push(entry);
      return;
    }
    const fresh = { client, entries: [entry] };
    if (batchKey === undefined) {
      process.nextTick(() => void this.#send(fresh.client, fresh.entries));
      return;
    }
    this.#batches.set(batchKey, fresh);
    // The end of the tick, as for coalesceWrites: everything issued meanwhile joins this batch.
    process.nextTick(() => {
      this.#batches.delete(batchKey);
      void this.#send(fresh.client, fresh.entries);
    });
  }

  async #send(client: Redis | Cluster, entries: Entry[]): Promise<void> {
    const pipeline = client.pipeline() as unknown as WritePipeline;
    for (const entry of entries) entry.queue(pipeline);
    pipeline.wait(this.wait.count, this.wait.timeoutMs);
    let replies: [Error | null, unknown][];
    try {
      replies = (await pipeline.exec()) ?? [];
      if (replies.length !== entries.length + 1) throw new Error('The writes and their WAIT returned no replies: the pipeline was discarded.');
    } catch (error) {
      for (const entry of entries) entry.reject(error);
      return;
    }
    const [waitError, acknowledged] = replies[entries.length]!;
    const count = Number(acknowledged);
    for (const [i, entry] of entries.entries()) {
      const [writeError, reply] = replies[i]!;
      if (writeError) {
        void this.#retry(client, entry, writeError);
      } else if (waitError) {
        entry.reject(waitError);
      } else if (count < this.wait.count) {
        entry.reject(new ReplicaShortfall(count, this.wait, entry.repeatable, reply));
      } else {
        entry.resolve(reply);
      }
    }
  }

  /** A write that failed: sent again where the failure says how (NOSCRIPT, MOVED), rejected otherwise. */
  async #retry(client: Redis | Cluster, entry: Entry, error: Error): Promise<void> {
    if (entry.fallback && error.message.startsWith('NOSCRIPT')) {
      // EVAL also caches the script, so the next batch's EVALSHA finds it.
      this.#add(client, { ...entry, queue: entry.fallback, fallback: undefined });
      return;
    }
    // A Cluster pipeline is redirected by ioredis only when all its commands are read-only;
    // WAIT is not, so a MOVED comes back here: read the slots again and send to the new owner.
    if (client.isCluster && error.message.startsWith('MOVED ') && entry.moved < MAX_MOVED) {
      await refreshSlots(client as Cluster);
      this.#add(client, { ...entry, moved: entry.moved + 1 });
      return;
    }
    entry.reject(error);
  }
}

/** The address of the Cluster node serving `key`'s slot, as ioredis knows it; undefined before it knows. */
function nodeOf(cluster: Cluster, key: string): string | undefined {
  return cluster.slots[hashSlot(key)]?.[0];
}

function refreshSlots(cluster: Cluster): Promise<void> {
  return new Promise((resolve) => {
    // A refresh already under way answers at once: the next attempt finds its result or MOVED again.
    cluster.refreshSlotsCache(() => resolve());
  });
}
