import { randomUUID } from 'node:crypto';
import { AbortError, TimeoutError, type BackendOptions, type ResultBackend } from '@resultkit/core';
import type { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { adapterOf, openRedisBackend, sleep, testId, until, useRawClient } from './support.js';

let raw: Redis;
useRawClient((client) => (raw = client));

/** A backend whose connections carry a name no other test uses, so CLIENT LIST can find them. */
async function open(options: BackendOptions = {}): Promise<{ backend: ResultBackend; name: string }> {
  const name = `rkt-${randomUUID().slice(0, 8)}`;
  const backend = await openRedisBackend({ ...options, redis: { clientName: name, ...options.redis } });
  onTestFinished(() => backend.close());
  return { backend, name };
}

/** Connections whose CLIENT SETNAME is `name`. */
async function connectionsNamed(name: string): Promise<{ id: string }[]> {
  const list = (await raw.client('LIST')) as string;
  return list
    .split('\n')
    .filter((line) => line.includes(` name=${name} `))
    .map((line) => ({ id: /(?:^|\s)id=(\d+)/.exec(line)![1]! }));
}

async function subscribers(channel: string): Promise<number> {
  const reply = (await raw.call('PUBSUB', 'NUMSUB', channel)) as [string, number];
  return Number(reply[1]);
}

const channel = (id: string): string => `celery-task-meta-${id}`;

describe('one pub/sub connection for every wait', () => {
  it('is opened only when something waits, shared by 200 waits, and closed with the backend', async () => {
    const { backend, name } = await open();
    await backend.storeResult(testId('warm'), 1);
    // celery#6963: a backend that never waits holds no pub/sub connection at all.
    expect(await connectionsNamed(`${name}:pubsub`)).toHaveLength(0);
    expect(await connectionsNamed(name)).toHaveLength(1);

    const ids = Array.from({ length: 200 }, () => testId('shared'));
    const waits = ids.map((id) => backend.asyncResult(id).get({ timeout: 10_000 }));
    await until(async () => (await subscribers(channel(ids[199]!))) === 1, 5_000, 'the subscriptions');
    expect(await connectionsNamed(`${name}:pubsub`)).toHaveLength(1);
    await Promise.all(ids.map((id, i) => backend.storeResult(id, i)));
    expect(await Promise.all(waits)).toEqual(ids.map((_, i) => i));

    await backend.close();
    await until(async () => (await connectionsNamed(`${name}:pubsub`)).length === 0, 2_000, 'the pub/sub connection to close');
    expect(await connectionsNamed(name)).toHaveLength(0);
  });
});

describe('no subscription outlives its wait (celery#5320)', () => {
  it('after completion', async () => {
    const { backend } = await open();
    const id = testId('done');
    const waiting = backend.asyncResult(id).get({ timeout: 5_000 });
    await until(async () => (await subscribers(channel(id))) === 1, 2_000, 'the subscription');
    await backend.storeResult(id, 'ok');
    expect(await waiting).toBe('ok');
    await until(async () => (await subscribers(channel(id))) === 0, 2_000, 'the unsubscribe');
    expect(adapterOf(backend).subscriber?.channelCount).toBe(0);
  });

  it('after a timeout', async () => {
    const { backend } = await open();
    const id = testId('timeout');
    await expect(backend.asyncResult(id).get({ timeout: 200 })).rejects.toBeInstanceOf(TimeoutError);
    await until(async () => (await subscribers(channel(id))) === 0, 2_000, 'the unsubscribe');
    expect(adapterOf(backend).subscriber?.channelCount).toBe(0);
  });

  it('after an abort', async () => {
    const { backend } = await open();
    const id = testId('abort');
    const controller = new AbortController();
    const waiting = backend.asyncResult(id).get({ signal: controller.signal });
    await until(async () => (await subscribers(channel(id))) === 1, 2_000, 'the subscription');
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(AbortError);
    await until(async () => (await subscribers(channel(id))) === 0, 2_000, 'the unsubscribe');
  });

  it('after forget', async () => {
    const { backend } = await open();
    const id = testId('forget');
    const result = backend.asyncResult(id);
    const waiting = result.get({ timeout: 5_000 });
    await sleep(20);
    await backend.storeResult(id, 'x');
    await waiting;
    await result.forget();
    expect(await raw.exists(channel(id))).toBe(0);
    await until(async () => (await subscribers(channel(id))) === 0, 2_000, 'the unsubscribe');
  });

  it('when many waits end at once, every channel is released', async () => {
    const { backend } = await open();
    const ids = Array.from({ length: 300 }, () => testId('bulk'));
    const results = await Promise.allSettled(ids.map((id) => backend.asyncResult(id).get({ timeout: 300 })));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    await until(async () => adapterOf(backend).subscriber?.channelCount === 0, 2_000, 'the unsubscribes');
    const counts = (await raw.call('PUBSUB', 'NUMSUB', ...ids.map(channel))) as (string | number)[];
    expect(counts.filter((_, i) => i % 2 === 1).every((n) => Number(n) === 0)).toBe(true);
  });
});

describe('a lost pub/sub connection loses no result (celery#4857)', () => {
  it('waits pending while the subscriber is killed all resolve: results stored during the outage and after it', async () => {
    // A fixed reconnect delay makes the outage long enough to store into it, deterministically.
    const { backend, name } = await open({ redis: { ioredis: { retryStrategy: () => 400 } } });
    const ids = Array.from({ length: 60 }, () => testId('outage'));
    const waits = ids.map((id) => backend.asyncResult(id).get({ timeout: 15_000 }));
    await until(async () => (await subscribers(channel(ids[59]!))) === 1, 5_000, 'the subscriptions');

    const [sub] = await connectionsNamed(`${name}:pubsub`);
    expect(sub).toBeDefined();
    await raw.client('KILL', 'ID', sub!.id);
    const connection = adapterOf(backend).subscriber!.connection!;
    await until(() => connection.status !== 'ready', 2_000, 'the subscriber to notice');

    // During the outage: these messages are published to nobody.
    for (const id of ids.slice(0, 30)) await backend.storeResult(id, `during:${id}`);
    expect(connection.status).not.toBe('ready');

    await until(() => connection.status === 'ready', 5_000, 'the reconnect');
    await until(async () => (await subscribers(channel(ids[59]!))) === 1, 5_000, 'the resubscription');
    // After the reconnect: these arrive as messages on the new connection.
    for (const id of ids.slice(30)) await backend.storeResult(id, `after:${id}`);

    const values = await Promise.all(waits);
    expect(values).toEqual(ids.map((id, i) => (i < 30 ? `during:${id}` : `after:${id}`)));
    expect(backend.pendingWaits).toBe(0);
    await until(async () => (await subscribers(channel(ids[0]!))) === 0, 2_000, 'the unsubscribes');
  });

  it('a wait that starts during an outage is served once the connection is back', async () => {
    const { backend, name } = await open({ redis: { ioredis: { retryStrategy: () => 300 } } });
    const first = testId('first');
    const firstWait = backend.asyncResult(first).get({ timeout: 10_000 });
    await until(async () => (await subscribers(channel(first))) === 1, 5_000, 'the subscription');
    const [sub] = await connectionsNamed(`${name}:pubsub`);
    await raw.client('KILL', 'ID', sub!.id);
    const connection = adapterOf(backend).subscriber!.connection!;
    await until(() => connection.status !== 'ready', 2_000, 'the subscriber to notice');

    const second = testId('second');
    const secondWait = backend.asyncResult(second).get({ timeout: 10_000 });
    await backend.storeResult(second, 2);
    await backend.storeResult(first, 1);
    expect(await Promise.all([firstWait, secondWait])).toEqual([1, 2]);
  });
});
