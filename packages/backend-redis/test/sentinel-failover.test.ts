import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBackend, type ResultBackend } from '@resultkit/core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { describeRun, storeThroughFailover } from './failover-run.js';
import { ask, freePorts, RedisServers, type RedisProcess } from './redis-servers.js';
import { until } from './support.js';

/**
 * A Sentinel setup started on loopback by this file: one master, one replica, three Sentinels
 * (quorum 2). The backend connects with a `sentinel://` URL naming all three and waits for one
 * replica on every write (`waitForReplicas`); the master is killed in the middle of a run, the
 * replica promoted, and the old master started again as a replica of the new one.
 */
const MASTER_NAME = 'rkt-failover';
const servers = new RedisServers('sentinel');
let master: RedisProcess;
let replica: RedisProcess;
let sentinels: RedisProcess[] = [];

beforeAll(async () => {
  const [masterPort, replicaPort, ...sentinelPorts] = await freePorts(5);
  master = await servers.start(masterPort!, ['--repl-diskless-sync-delay', '0']);
  replica = await servers.start(replicaPort!, ['--replicaof', '127.0.0.1', String(masterPort), '--repl-diskless-sync-delay', '0']);
  // A replica that has not finished its first sync has nothing to take over with.
  await until(async () => String(await ask(replicaPort!, ['INFO', 'replication'])).includes('master_link_status:up'), 20_000, 'the replica in sync');
  sentinels = await Promise.all(
    sentinelPorts.map(async (port) => {
      // A Sentinel rewrites its configuration file, so each gets one of its own.
      const config = join(servers.dir, `sentinel-${port}.conf`);
      writeFileSync(
        config,
        [
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
          `sentinel failover-timeout ${MASTER_NAME} 10000`,
          '',
        ].join('\n'),
      );
      return servers.start(port, [], { sentinel: true, config });
    }),
  );
  // Every Sentinel knows the replica and the two other Sentinels before anything is killed.
  await until(
    async () =>
      (
        await Promise.all(
          sentinels.map(async (s) => {
            const info = String(await ask(s.port, ['INFO', 'sentinel']));
            return info.includes('slaves=1') && info.includes('sentinels=3');
          }),
        )
      ).every(Boolean),
    30_000,
    'three Sentinels that see the replica and each other',
  );
}, 60_000);

afterAll(async () => {
  await servers.stop();
});

async function masterPort(): Promise<number | null> {
  for (const s of sentinels) {
    const reply = (await ask(s.port, ['SENTINEL', 'get-master-addr-by-name', MASTER_NAME])) as string[] | null;
    if (Array.isArray(reply)) return Number(reply[1]);
  }
  return null;
}

async function open(): Promise<ResultBackend> {
  const url = sentinels.map((s) => `sentinel://127.0.0.1:${s.port}`).join(';');
  const backend = await createBackend(url, {
    // A write counts once the replica holds it: the replica is what the Sentinels promote.
    redis: { masterName: MASTER_NAME, waitForReplicas: { count: 1, timeout: 1 } },
    // Room for the failover: down-after (1 s), the election and the reconfiguration.
    retry: { maxRetries: 40, baseDelay: 50, maxDelay: 500 },
  });
  onTestFinished(() => backend.close());
  return backend;
}

describe('Sentinel (1 master, 1 replica, 3 Sentinels)', () => {
  it('sentinel:// finds the master and waits are pushed', async () => {
    const backend = await open();
    const id = `rkt-sentinel-${randomUUID()}`;
    const waiting = backend.asyncResult(id).get({ timeout: 10_000 });
    await backend.storeResult(id, 'through the Sentinels');
    expect(await waiting).toBe('through the Sentinels');
    expect(await ask(master.port, ['EXISTS', `celery-task-meta-${id}`])).toBe(1);
    await backend.forget(id);
  });

  // With one replica there is no replica to wait for between the promotion and the old master's
  // return: stores fail (typed, retried by core and by the writer) until it is back. The old
  // master is started as a replica of the new one, as whoever restarts it would; the Sentinels
  // would convert it too, but only about 8 s after they see it up.
  it('the master killed mid-run fails over: no acknowledged result is lost and every waiter resolves', async () => {
    const backend = await open();
    const oldMaster = master.port;
    const run = await storeThroughFailover(backend, {
      replica,
      primary: { port: master.port, fillerId: `rkt-failover-filler-${randomUUID()}` },
      kill: () => master.kill(),
      promoted: async () => (await masterPort()) === replica.port,
      revive: () => master.restart(['--replicaof', '127.0.0.1', String(replica.port)]),
      revived: async () => (await ask(replica.port, ['WAIT', '1', '100'])) === 1,
    });
    console.log(describeRun(`sentinel failover (master :${oldMaster} killed)`, run));
    expect(await masterPort()).toBe(replica.port);
    expect(run.untypedFailures).toBe(0);
    expect(run.acknowledged).toBeGreaterThan(0);
    expect(run.readable).toBe(run.acknowledged);
    expect(run.acknowledgedResolved).toBe(run.acknowledgedWaits);
    expect(run.resolved + run.typedEnds).toBe(run.waits);
    expect(run.channelsLeft).toBe(0);
  }, 90_000);
});
