import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { createBackend, states, type BackendOptions, type ResultBackend } from '@resultkit/core';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { hashSlot } from '../src/hash-slot.js';
import type { RedisAdapter } from '../src/redis-adapter.js';
import type { WaitForReplicasOptions } from '../src/replica-wait.js';
import { describeRun, storeThroughFailover } from './failover-run.js';
import { ask, freePorts, RedisServers, type RedisProcess } from './redis-servers.js';
import { until } from './support.js';

/**
 * A Redis Cluster of 6 nodes (3 primaries, 3 replicas) started on loopback by this file: stores
 * and reads across slots, waits on sharded pub/sub, chords under a hash-tagged prefix, writes
 * that wait for the replica of their own shard, and a primary killed in the middle of a run.
 */
const servers = new RedisServers('cluster');
let nodes: RedisProcess[] = [];
const clusters: Cluster[] = [];

beforeAll(async () => {
  const ports = await freePorts(6);
  // A short node timeout so that a replica takes over a few seconds after its primary dies; the
  // first sync of a replica starts at once instead of after the default 5 s diskless delay.
  const args = [
    '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000',
    '--repl-diskless-sync-delay', '0',
  ];
  nodes = await Promise.all(ports.map((port) => servers.start(port, args)));
  await promisify(execFile)('redis-cli', [
    '--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes',
  ]);
  await until(async () => (await Promise.all(ports.map(clusterOk))).every(Boolean), 20_000, 'cluster_state:ok on every node');
  // A replica that has not finished its first sync has nothing to take over with: a failover
  // then either loses the shard's data or (by default) is refused and the shard stays down.
  await until(async () => (await Promise.all(ports.map(replicaSynced))).filter(Boolean).length === 3, 20_000, 'three synced replicas');
}, 60_000);

afterAll(async () => {
  await Promise.all(clusters.map((c) => c.quit().catch(() => c.disconnect())));
  await servers.stop();
});

async function clusterOk(port: number): Promise<boolean> {
  const info = await ask(port, ['CLUSTER', 'INFO']);
  return typeof info === 'string' && info.includes('cluster_state:ok');
}

async function replicaSynced(port: number): Promise<boolean> {
  const info = await ask(port, ['INFO', 'replication']);
  return typeof info === 'string' && info.includes('role:slave') && info.includes('master_link_status:up') && !info.includes('master_sync_in_progress:1');
}

/** `CLUSTER NODES` of a live node, one entry per node: its id, port, flags and (for a replica) its primary's id. */
async function clusterNodes(): Promise<{ id: string; port: number; flags: string; primaryId: string }[]> {
  for (const node of nodes) {
    const listing = await ask(node.port, ['CLUSTER', 'NODES']);
    if (typeof listing !== 'string') continue;
    return listing
      .trim()
      .split('\n')
      .map((line) => line.split(' '))
      .map((f) => ({ id: f[0]!, port: Number(f[1]!.split('@')[0]!.split(':')[1]), flags: f[2]!, primaryId: f[3]! }));
  }
  return [];
}

/** The primaries as `CLUSTER NODES` of a live node reports them, each with its port. */
async function primaries(): Promise<number[]> {
  return (await clusterNodes()).filter((n) => n.flags.includes('master') && !n.flags.includes('fail')).map((n) => n.port);
}

/** The port of the replica of the primary on `port`, once it replicates from it with its link up. */
async function replicaOf(port: number): Promise<number | undefined> {
  const all = await clusterNodes();
  const primary = all.find((n) => n.port === port);
  const replica = all.find((n) => n.primaryId === primary?.id && n.flags.includes('slave') && !n.flags.includes('fail'));
  return replica && (await replicaSynced(replica.port)) ? replica.port : undefined;
}

function openCluster(): Cluster {
  const cluster = new Cluster(
    nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    // A command whose node is gone fails fast; core retries it (see `retry` below) on the
    // promoted replica once the slots are read again.
    { redisOptions: { maxRetriesPerRequest: 1, connectTimeout: 1_000 }, slotsRefreshInterval: 1_000 },
  );
  cluster.on('error', () => {});
  clusters.push(cluster);
  return cluster;
}

type OpenOptions = BackendOptions & { keyPrefix?: string; waitForReplicas?: WaitForReplicasOptions };

async function open(options: OpenOptions = {}): Promise<{ backend: ResultBackend; cluster: Cluster }> {
  const cluster = openCluster();
  const { keyPrefix, waitForReplicas, ...rest } = options;
  // No URL form: Celery has none for a Cluster, so the client is passed (the URL only picks the package).
  const backend = await createBackend(`redis://127.0.0.1:${nodes[0]!.port}`, {
    ...rest,
    redis: { client: cluster, ...(keyPrefix ? { keyPrefix } : {}), ...(waitForReplicas ? { waitForReplicas } : {}) },
  });
  onTestFinished(async () => {
    await backend.close();
    await cluster.quit().catch(() => cluster.disconnect());
  });
  return { backend, cluster };
}

const adapterOf = (backend: ResultBackend): RedisAdapter => backend.adapter as RedisAdapter;

/** Sharded subscriptions per channel, summed over every primary (PUBSUB SHARDNUMSUB counts only the node's own). */
async function shardSubscribers(channels: readonly string[]): Promise<number> {
  let total = 0;
  for (const port of await primaries()) {
    const reply = (await ask(port, ['PUBSUB', 'SHARDNUMSUB', ...channels])) as (string | number)[] | null;
    for (let i = 1; reply && i < reply.length; i += 2) total += Number(reply[i]);
  }
  return total;
}

describe('Redis Cluster (3 primaries, 3 replicas)', () => {
  it('stores, reads and loadMany work across slots on every primary', async () => {
    const { backend, cluster } = await open();
    const ids = Array.from({ length: 300 }, () => `rkt-cluster-${randomUUID()}`);
    await Promise.all(ids.map((id, i) => backend.storeResult(id, { i })));
    // The keys really are spread over the three primaries.
    const owners = new Set(ids.map((id) => cluster.slots[hashSlot(`celery-task-meta-${id}`)]?.[0]));
    expect(owners.size).toBe(3);
    expect((await backend.getTaskMeta(ids[7]!)).result).toEqual({ i: 7 });
    const metas = await adapterOf(backend).loadMany(ids);
    expect(metas.map((m) => (m as { result: unknown }).result)).toEqual(ids.map((_, i) => ({ i })));
    // A group's join reads its members with the same cross-slot read.
    const group = await backend.saveGroup(`rkt-cluster-group-${randomUUID()}`, ids.slice(0, 50));
    expect(await group.join({ timeout: 5_000 })).toEqual(ids.slice(0, 50).map((_, i) => ({ i })));
    await Promise.all(ids.map((id) => backend.forget(id)));
    await backend.deleteGroup(group.id);
  });

  it('waits use sharded pub/sub (SSUBSCRIBE on the owning shard, nothing on classic pub/sub) and unsubscribe when done', async () => {
    const { backend } = await open();
    const ids = Array.from({ length: 60 }, () => `rkt-cluster-wait-${randomUUID()}`);
    const channels = ids.map((id) => `celery-task-meta-${id}`);
    const waits = ids.map((id) => backend.asyncResult(id).get({ timeout: 10_000 }));
    await until(async () => (await shardSubscribers(channels)) === ids.length, 5_000, 'every channel SSUBSCRIBEd');
    for (const port of await primaries()) expect(await ask(port, ['PUBSUB', 'CHANNELS', 'celery-task-meta-*'])).toEqual([]);
    await Promise.all(ids.map((id, i) => backend.storeResult(id, i)));
    expect(await Promise.all(waits)).toEqual(ids.map((_, i) => i));
    await until(async () => (await shardSubscribers(channels)) === 0, 5_000, 'every channel SUNSUBSCRIBEd');
    expect(adapterOf(backend).subscriber?.channelCount).toBe(0);
    await Promise.all(ids.map((id) => backend.forget(id)));
  });

  it('chords work when the key prefix carries a hash tag, so every chord key is in one slot', async () => {
    const { backend } = await open({ keyPrefix: '{rkt-chord}:' });
    const gid = `rkt-cluster-chord-${randomUUID()}`;
    await backend.setChordSize(gid, 3);
    const progress = [];
    for (const [index, value] of [[2, 'c'], [0, 'a'], [1, 'b']] as const) {
      const id = `rkt-cluster-part-${randomUUID()}`;
      const request = { group: gid, groupIndex: index };
      await backend.storeResult(id, value, states.SUCCESS, { request });
      progress.push(await backend.onChordPartReturn(id, states.SUCCESS, value, request));
      await backend.forget(id);
    }
    expect(progress[0]).toEqual({ complete: false, count: 1, total: 3 });
    expect(progress[2]).toEqual({ complete: true, results: ['a', 'b', 'c'] });
  });

  it('without a hash tag the chord keys span slots and the cluster refuses the step with a typed error', async () => {
    const { backend } = await open();
    const gid = `rkt-cluster-chord-${randomUUID()}`;
    await backend.setChordSize(gid, 1);
    const request = { group: gid, groupIndex: 0 };
    await expect(backend.onChordPartReturn(`rkt-cluster-part-${randomUUID()}`, states.SUCCESS, 1, request)).rejects.toMatchObject({
      name: 'BackendOperationError',
      message: expect.stringMatching(/CROSSSLOT/),
    });
  });

  it('waitForReplicas waits on the shard that owns each key: with one replica stalled, only the stores of its primary fail', async () => {
    // A timeout long enough for the replicas that answer on a busy machine.
    const { backend, cluster } = await open({ waitForReplicas: { count: 1, timeout: 2 }, retry: { maxRetries: 0 } });
    const ids = Array.from({ length: 60 }, () => `rkt-cluster-replwait-${randomUUID()}`);
    // Every node known to the client before a replica stops answering.
    await Promise.all(ids.map((id) => backend.storeResult(id, 'before')));
    const [stalledPrimary] = await primaries();
    const replicaPort = await replicaOf(stalledPrimary!);
    expect(replicaPort).toBeDefined();
    const replica = nodes.find((n) => n.port === replicaPort)!;
    replica.pause();
    onTestFinished(() => replica.resume());
    const outcomes = await Promise.allSettled(ids.map((id) => backend.storeResult(id, 'during')));
    replica.resume();
    const ownedByStalled = ids.map((id) => cluster.slots[hashSlot(`celery-task-meta-${id}`)]?.[0] === `127.0.0.1:${stalledPrimary}`);
    expect(ownedByStalled.some(Boolean) && !ownedByStalled.every(Boolean)).toBe(true);
    for (const [i, outcome] of outcomes.entries()) {
      if (ownedByStalled[i]) expect(outcome).toMatchObject({ status: 'rejected', reason: { name: 'BackendUnavailableError' } });
      else expect(outcome).toEqual({ status: 'fulfilled', value: undefined });
    }
    await Promise.all(ids.map((id) => backend.forget(id)));
  });

  // Every write waits for its shard's replica, so a store that resolved is on the replica that
  // is promoted. Until the killed primary is back (as a replica of the promoted one), its shard
  // has no replica to wait for and its stores fail, typed, and are retried.
  it('a primary killed mid-run fails over: no acknowledged result is lost and every waiter resolves', async () => {
    const { backend, cluster } = await open({ retry: { maxRetries: 40, baseDelay: 50, maxDelay: 500 }, waitForReplicas: { count: 1, timeout: 1 } });
    // The slot map, for the filler's key below.
    await backend.getTaskMeta(`rkt-cluster-${randomUUID()}`);
    const before = await primaries();
    const victim = nodes.find((n) => n.port === before[0])!;
    const replicaPort = await replicaOf(victim.port);
    const replica = nodes.find((n) => n.port === replicaPort)!;
    // A task id whose key is in one of the victim's slots.
    let fillerId = '';
    do fillerId = `rkt-failover-filler-${randomUUID()}`;
    while (cluster.slots[hashSlot(`celery-task-meta-${fillerId}`)]?.[0] !== `127.0.0.1:${victim.port}`);
    const run = await storeThroughFailover(backend, {
      replica,
      primary: { port: victim.port, fillerId },
      kill: () => victim.kill(),
      promoted: async () => {
        const now = await primaries();
        return now.length === 3 && !now.includes(victim.port);
      },
      // Its nodes.conf says which cluster it belongs to; finding its slots taken, it becomes a replica.
      revive: () => victim.restart(),
      revived: () => replicaSynced(victim.port),
    });
    console.log(describeRun(`cluster failover (primary :${victim.port} killed)`, run));
    expect(await primaries()).not.toContain(victim.port);
    expect(await primaries()).toHaveLength(3);
    expect(run.untypedFailures).toBe(0);
    expect(run.acknowledged).toBeGreaterThan(0);
    expect(run.readable).toBe(run.acknowledged);
    expect(run.acknowledgedResolved).toBe(run.acknowledgedWaits);
    expect(run.resolved + run.typedEnds).toBe(run.waits);
    expect(run.channelsLeft).toBe(0);
  }, 90_000);
});
