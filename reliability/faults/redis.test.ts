/**
 * Faults on a test-owned Redis while results are stored and clients wait: the server crashed and
 * restarted, restarted in order, its connections killed from the server side (command and
 * pub/sub), and the whole server paused with SIGSTOP for longer than the socket timeout.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runFaultCase } from '../support/fault-case.js';
import { skipWithout } from '../support/servers/availability.js';
import { waitUntil } from '../support/servers/loopback.js';
import { OwnedRedis } from '../support/servers/redis-server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(skipWithout('redis'))('Redis under faults', () => {
  let server: OwnedRedis;
  let raw: Redis;

  beforeAll(async () => {
    server = await OwnedRedis.start();
    raw = new Redis(server.url, { connectionName: 'rk-fault-observer', retryStrategy: () => 50, maxRetriesPerRequest: null });
    raw.on('error', () => {});
  });
  afterAll(async () => {
    raw?.disconnect();
    await server?.dispose();
  });

  // After the run: the backend's subscriber wants no channel, and the server has none subscribed.
  const released = async (backend: { adapter: unknown }): Promise<void> => {
    // The adapter's subscriber, looked at structurally (the adapter class is not exported).
    const adapter = backend.adapter as { subscriber: { channelCount: number } | null };
    // A settled wait unsubscribes on the next turn of the event loop, after its caller ran.
    await waitUntil(() => (adapter.subscriber?.channelCount ?? 0) === 0, 2_000, 'the backend to want no channel');
    await waitUntil(async () => ((await raw.pubsub('CHANNELS')) as string[]).length === 0, 5_000, 'no channel subscribed on the server');
  };

  it('crashes (SIGKILL) and restarts mid-run: nothing acknowledged is lost, every waiter resolves', async () => {
    await runFaultCase({
      label: 'redis crash + restart',
      url: server.url,
      fault: () => server.restart('crash', 300),
      released,
    });
  });

  it('restarts in order (SIGTERM) mid-run', async () => {
    await runFaultCase({
      label: 'redis orderly restart',
      url: server.url,
      fault: () => server.restart('graceful', 300),
      released,
    });
  });

  it('has its connections killed from the server side (CLIENT KILL TYPE normal, then TYPE pubsub), three times', async () => {
    await runFaultCase({
      label: 'redis CLIENT KILL normal + pubsub x3',
      url: server.url,
      fault: async () => {
        for (let round = 0; round < 3; round++) {
          // SKIPME (the default) spares the observer's own connection.
          await raw.client('KILL', 'TYPE', 'normal');
          await sleep(150);
          await raw.client('KILL', 'TYPE', 'pubsub');
          await sleep(300);
        }
      },
      released,
    });
  });

  it('is paused (SIGSTOP) for 3 s, longer than the 1 s socket and connect timeouts, then continued', async () => {
    await runFaultCase({
      label: 'redis SIGSTOP 3 s (timeouts 1 s)',
      url: `${server.url}?socket_timeout=1&socket_connect_timeout=1`,
      fault: () => server.pauseFor(3_000),
      released,
    });
  });
});
