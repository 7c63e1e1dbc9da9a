/**
 * RabbitMQ restarted under the RPC backend while a worker publishes persistent results to a
 * client's reply queue and the client waits for them: an orderly restart, and a crash (every
 * process of the node killed with SIGKILL) and restart.
 *
 * What "acknowledged" means here: the worker's `storeResult` resolved, which with publisher
 * confirms and `mandatory` publishing is the broker saying the result is in the client's
 * reply queue. With `rpc.persistent` that queue is durable and the result persistent, so the
 * broker confirms it once it is on disk (or once the client has acknowledged it), and it
 * survives the broker's restart until the client, connected again, takes it. A store the
 * broker could not take (down, or the queue not there) fails with a typed error and was
 * never acknowledged.
 */
import { randomUUID } from 'node:crypto';
import { createBackend, states, type ResultBackend } from '@resultkit/core';
import type {} from '@resultkit/backend-rpc';
import type { Channel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFaultCase, type FaultCaseOptions, type FaultSizes } from '../support/fault-case.js';
import { skipWithout } from '../support/servers/availability.js';
import { waitUntil } from '../support/servers/loopback.js';
import { OwnedRabbitMq, withAmqpChannel } from '../support/servers/rabbitmq-server.js';

// A restart of RabbitMQ takes 5-15 s (more on a busy machine) where Redis takes a fraction of
// one: a tenth of the stores are issued while it lasts (they fail: nobody is there to take
// them), and the rest wait until the broker is back, so that more than half of the run comes
// after the restart, whatever it took. Waits outlast the run by the restart's length and more.
const SIZES: FaultSizes = process.env.RESULTKIT_FAULTS === 'long'
  ? { stores: 10_000, waiters: 1_000, rate: 1_000 }
  : { stores: 1_500, waiters: 150, rate: 300 };
const WAIT_MARGIN = 30_000;
const CASE_TIMEOUT = (SIZES.stores / SIZES.rate) * 1000 + WAIT_MARGIN + 60_000;

describe.skipIf(skipWithout('rabbitmq'))('RabbitMQ restarted under the RPC backend', () => {
  let server: OwnedRabbitMq;

  beforeAll(async () => {
    server = await OwnedRabbitMq.start();
  }, 120_000);
  afterAll(async () => {
    await server?.dispose();
  });

  // The client keeps received results for reads in a buffer of `maxBuffered` task ids (8,192 by
  // default, oldest dropped first): every result of the run is read back at the end, so all fit.
  const rpcOptions = (connectionName: string) => ({
    rpc: { brokerUrl: server.url, persistent: true, connectionName, maxBuffered: SIZES.stores + 100 },
  });

  // The worker: a backend of its own (its own connection), publishing to the client's queue as
  // a worker does with the task message's reply_to and correlation_id.
  const producer: FaultCaseOptions['producer'] = async (client: ResultBackend) => {
    const worker = await createBackend('rpc://', rpcOptions('rk-fault-worker'));
    const { replyTo } = await client.taskProperties('rk-fault-declare');
    return {
      store: async (taskId, value) => {
        await worker.storeResult(taskId, value, states.SUCCESS, { request: { replyTo, correlationId: taskId } });
      },
      close: () => worker.close(),
    };
  };

  // Once both backends are closed, the node holds no connection of theirs and no reply queue
  // (the durable one is deleted by close(), not left to x-expires).
  const closed = async (): Promise<void> => {
    expect((await server.ctl('list_connections', 'name')).trim()).toBe('');
    expect((await server.ctl('list_queues', 'name')).trim()).toBe('');
  };

  // The fault cases above consume results as they arrive, so few sit in the queue at the kill.
  // Here a whole run of results waits in a reply queue nobody consumes when the node is killed:
  // every one the worker's store acknowledged must be there after the restart.
  it('keeps every acknowledged result left in a reply queue across a crash (SIGKILL)', async () => {
    const count = SIZES.stores;
    const queue = `rk-fault-parked-${randomUUID()}`;
    const withChannel = <T>(use: (channel: Channel) => Promise<T>) => withAmqpChannel(server.url, use);
    // A queue declared in the moment before a crash can itself be lost (see the harness test of
    // OwnedRabbitMq): the reply queue exists before any result is sent to it, and an orderly
    // restart makes sure its declaration is on disk.
    await withChannel((channel) => channel.assertQueue(queue, { durable: true, autoDelete: false }));
    await server.restart('graceful');

    const worker = await createBackend('rpc://', rpcOptions('rk-fault-parker'));
    try {
      const ids = Array.from({ length: count }, (_, i) => `rk-parked-${i}`);
      for (let i = 0; i < count; i += 100) {
        await Promise.all(ids.slice(i, i + 100).map((id) =>
          worker.storeResult(id, i, states.SUCCESS, { request: { replyTo: queue, correlationId: id } })));
      }
      await server.restart('crash');

      const found = await withChannel(async (channel) => {
        const seen = new Set<string>();
        for (;;) {
          const message = await channel.get(queue, { noAck: true });
          if (message === false) return seen;
          seen.add(String(message.properties.correlationId));
        }
      });
      console.log(`rpc persistent, results parked in a reply queue, RabbitMQ crash + restart: ${found.size}/${count} acknowledged results in the queue after the restart`);
      expect(found.size).toBe(count);
      expect([...found].sort()).toEqual([...ids].sort());
    } finally {
      await worker.close();
      await withChannel((channel) => channel.deleteQueue(queue)).catch(() => {});
    }
    await closed();
  }, 180_000);

  it('close() returns within its bound while the broker is paused (SIGSTOP), and leaves nothing once it continues', async () => {
    const client = await createBackend('rpc://', rpcOptions('rk-fault-paused-close'));
    await client.taskProperties('rk-fault-declare');
    server.pause();
    let tookMs: number;
    try {
      const started = performance.now();
      await client.close();
      tookMs = performance.now() - started;
    } finally {
      server.resume();
    }
    console.log(`rpc persistent, close() with RabbitMQ paused: returned after ${Math.round(tookMs)} ms`);
    // The queue delete gives up after 5 s, and the connection is then dropped without waiting
    // for the broker's goodbye.
    expect(tookMs).toBeLessThan(8_000);
    // The delete was sent while the broker was paused: it runs when the broker continues, if
    // the broker reads it before it sees the socket closed; otherwise x-expires removes the
    // queue later. Whatever is left is removed now, so the node is left as it was found.
    const left = (await server.ctl('list_queues', 'name')).trim().split('\n').filter(Boolean);
    for (const name of left) await withAmqpChannel(server.url, (channel) => channel.deleteQueue(name));
    // The broker notices the dropped connection once it runs again.
    await waitUntil(async () => (await server.ctl('list_connections', 'name')).trim() === '', 30_000, 'the dropped connection to go');
    await closed();
  }, 120_000);

  for (const mode of ['graceful', 'crash'] as const) {
    it(`${mode === 'crash' ? 'crashes (SIGKILL) and restarts' : 'restarts in order (SIGTERM)'} with persistent results in flight: nothing acknowledged is lost, every waiter resolves or times out`, async () => {
      await runFaultCase({
        label: `rpc persistent, RabbitMQ ${mode === 'crash' ? 'crash + restart' : 'orderly restart'}`,
        url: 'rpc://',
        backendOptions: rpcOptions('rk-fault-client'),
        sizes: SIZES,
        waitMargin: WAIT_MARGIN,
        maxStoresDuringFault: SIZES.stores / 10,
        producer,
        fault: () => server.restart(mode),
        closed,
      });
    }, CASE_TIMEOUT);
  }
});
