import { randomUUID } from 'node:crypto';
import { BackendUnavailableError, ConfigurationError, createBackend } from '@resultkit/core';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { resultkitAdapter } from '../src/index.js';
import { adapterOf, openRedisBackend, TEST_URL, testId, until, useRawClient } from './support.js';

let raw: Redis;
useRawClient((client) => (raw = client));

async function named(name: string): Promise<number> {
  const list = (await raw.client('LIST')) as string;
  return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
}

describe('bring your own ioredis client', () => {
  it('is used for every command and stays open after close(); our pub/sub duplicate is closed', async () => {
    const name = `rkt-own-${randomUUID().slice(0, 8)}`;
    const client = new Redis(TEST_URL, { connectionName: `${name}-user` });
    try {
      const backend = await createBackend('redis://', { redis: { client, clientName: name } });
      expect(adapterOf(backend).client).toBe(client);
      const id = testId('own');
      const waiting = backend.asyncResult(id).get({ timeout: 5_000 });
      await until(async () => (await named(`${name}:pubsub`)) === 1, 2_000, 'the pub/sub duplicate');
      await backend.storeResult(id, 'mine');
      expect(await waiting).toBe('mine');
      await backend.close();
      expect(client.status).toBe('ready');
      expect(await client.ping()).toBe('PONG');
      await until(async () => (await named(`${name}:pubsub`)) === 0, 2_000, 'the duplicate to close');
      expect(await named(`${name}-user`)).toBe(1);
    } finally {
      await client.quit();
    }
  });

  it('a client with an ioredis keyPrefix is refused: it would prefix keys but not channels', async () => {
    const client = new Redis(TEST_URL, { keyPrefix: 'x:', lazyConnect: true });
    try {
      const error = await createBackend('redis://', { redis: { client } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toMatch(/keyPrefix/);
    } finally {
      client.disconnect();
    }
  });
});

describe('connections from options', () => {
  it('maxConnections opens that many command connections and uses them all; close() closes them all', async () => {
    const name = `rkt-pool-${randomUUID().slice(0, 8)}`;
    const backend = await openRedisBackend({ redis: { maxConnections: 3, clientName: name } });
    const ids = Array.from({ length: 30 }, () => testId('pool'));
    await Promise.all(ids.map((id, i) => backend.storeResult(id, i)));
    expect((await backend.resultSet(ids).join({ timeout: 5_000 })).length).toBe(30);
    expect(await named(name)).toBe(3);
    await backend.close();
    await until(async () => (await named(name)) === 0, 2_000, 'every connection to close');
  });

  it('auto-pipelining can be switched on', async () => {
    const backend = await openRedisBackend({ redis: { autoPipelining: true } });
    try {
      const ids = Array.from({ length: 100 }, () => testId('auto'));
      await Promise.all(ids.map((id) => backend.storeResult(id, id)));
      expect((await Promise.all(ids.map((id) => backend.getTaskMeta(id)))).map((m) => m.result)).toEqual(ids);
    } finally {
      await backend.close();
    }
  });

  it('the package is what createBackend loads for redis://, rediss://, sentinel:// and socket://', () => {
    expect(resultkitAdapter.specificationVersion).toBe('v1');
    expect([...resultkitAdapter.schemes].sort()).toEqual(['redis', 'redis+socket', 'rediss', 'sentinel', 'socket']);
  });

  it('a backend whose Redis is down fails its reads with BackendUnavailableError once connectTimeout is spent', async () => {
    // Port 1 on loopback refuses connections at once.
    const backend = await createBackend('redis://127.0.0.1:1/0', {
      connectTimeout: 200,
      redis: { ioredis: { retryStrategy: () => 20 } },
    });
    try {
      const error = await backend.getTaskMeta(testId('down')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendUnavailableError);
      // The scrubbed driver error underneath is still recognisably a connection failure.
      expect(adapterOf(backend).isRetryable((error as Error).cause)).toBe(true);
    } finally {
      await backend.close();
    }
  });
});

describe('closing', () => {
  it('close() after waits leaves no connection of ours behind', async () => {
    const name = `rkt-close-${randomUUID().slice(0, 8)}`;
    const backend = await openRedisBackend({ redis: { clientName: name } });
    const waiting = backend.asyncResult(testId('never')).get({ timeout: 10_000 }).catch(() => 'closed');
    await until(async () => (await named(`${name}:pubsub`)) === 1, 2_000, 'the pub/sub connection');
    await backend.close();
    expect(await waiting).toBe('closed');
    await until(async () => (await named(name)) + (await named(`${name}:pubsub`)) === 0, 2_000, 'the connections to close');
  });
});
