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
 * So each write is sent as a two-command pipeline, the write and then WAIT:
 *  - on a single server or a Sentinel-managed one, a pipeline is one connection, in order;
 *  - on a Cluster, ioredis sends a pipeline to the node that owns the slot of its keyed
 *    commands, and WAIT (which has no key) goes along with the write to that node;
 *  - when the connection breaks after the write's reply but before WAIT's, ioredis aborts the
 *    rest of the pipeline instead of sending WAIT alone on the new connection, where it would
 *    vouch for nothing (a new connection has made no writes, so WAIT answers at once).
 */
import type { Buffer } from 'node:buffer';
import { ConfigurationError, redactUrl } from '@resultkit/core';
import type { ChainableCommander, Cluster, Redis } from 'ioredis';
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

// How often a Cluster write is sent again after MOVED: the slots moved (a failover) and the
// pipeline went to the node that used to own them. Each time the slot map is read again first.
const MAX_MOVED = 5;

/**
 * Sends the write `queue` puts on a pipeline, then WAIT on the same connection, and returns the
 * write's reply once `wait.count` replicas hold it. Throws the write's own error when it failed
 * (nothing to wait for), and `ReplicaShortfall` when too few replicas acknowledged it.
 */
export async function writeAndWait(client: Redis | Cluster, queue: QueueWrite, wait: ReplicaWait, repeatable: boolean): Promise<unknown> {
  for (let moved = 0; ; moved++) {
    const pipeline = client.pipeline() as unknown as WritePipeline;
    queue(pipeline);
    pipeline.wait(wait.count, wait.timeoutMs);
    const replies = await pipeline.exec();
    if (!replies || replies.length !== 2) throw new Error('The write and its WAIT returned no replies: the pipeline was discarded.');
    const [[writeError, reply], [waitError, acknowledged]] = replies as [[Error | null, unknown], [Error | null, unknown]];
    if (writeError) {
      // A Cluster pipeline is redirected by ioredis only when all its commands are read-only;
      // WAIT is not, so a MOVED comes back here: read the slots again and resend to the new owner.
      if (client.isCluster && /^MOVED /.test(writeError.message) && moved < MAX_MOVED) {
        await refreshSlots(client as Cluster);
        continue;
      }
      throw writeError;
    }
    if (waitError) throw waitError;
    const count = Number(acknowledged);
    if (count < wait.count) throw new ReplicaShortfall(count, wait, repeatable, reply);
    return reply;
  }
}

function refreshSlots(cluster: Cluster): Promise<void> {
  return new Promise((resolve) => {
    // A refresh already under way answers "in progress": the next attempt finds its result or MOVED again.
    cluster.refreshSlotsCache(() => resolve());
  });
}
