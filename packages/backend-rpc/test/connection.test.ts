import { randomUUID } from 'node:crypto';
import { BackendUnavailableError, ConfigurationError, createBackend, states, TimeoutError } from '@resultkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { resultkitAdapter } from '../src/index.js';
import { adapterOf, BROKER_URL, killConnections, sleep, until, useRpcBackend } from './support.js';

const SECRET = 'pa55-w0rd-s3cret';

/** The error, its message, its cause's message and stack: none may contain the password. */
function expectNoSecret(error: unknown): void {
  const cause = (error as { cause?: Error }).cause;
  const text = [String((error as Error).message), (error as Error).stack, cause?.message, cause?.stack, JSON.stringify(cause)].join('\n');
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain(encodeURIComponent(SECRET));
}

describe('configuration and connection errors are typed and never show the password', () => {
  const saved = process.env.CELERY_BROKER_URL;
  afterEach(() => {
    if (saved === undefined) delete process.env.CELERY_BROKER_URL;
    else process.env.CELERY_BROKER_URL = saved;
  });

  it('no broker URL and no CELERY_BROKER_URL is a ConfigurationError; CELERY_BROKER_URL is used when set', async () => {
    delete process.env.CELERY_BROKER_URL;
    await expect(createBackend('rpc://', { adapter: resultkitAdapter })).rejects.toBeInstanceOf(ConfigurationError);
    process.env.CELERY_BROKER_URL = BROKER_URL;
    const backend = await createBackend('rpc://', { adapter: resultkitAdapter });
    try {
      await backend.storeResult('from-env', 1);
      expect((await backend.getTaskMeta('from-env')).result).toBe(1);
    } finally {
      await backend.close();
    }
  });

  it('a malformed or non-AMQP broker URL, or anything after rpc://, is a ConfigurationError', async () => {
    for (const brokerUrl of [`amqp://guest:${SECRET}@[::1`, `redis://:${SECRET}@127.0.0.1:6379/0`, `amqp://guest:${SECRET}@h//?bogus=1`, `amqp://a:${SECRET}@h;amqp://b@h`]) {
      const error = await createBackend('rpc://', { adapter: resultkitAdapter, rpc: { brokerUrl } }).catch((e: unknown) => e);
      expect(error, brokerUrl).toBeInstanceOf(ConfigurationError);
      expectNoSecret(error);
    }
    const misplaced = await createBackend(`rpc://guest:${SECRET}@127.0.0.1//`, { adapter: resultkitAdapter, rpc: { brokerUrl: BROKER_URL } }).catch((e: unknown) => e);
    expect(misplaced).toBeInstanceOf(ConfigurationError);
    expectNoSecret(misplaced);
  });

  it('a refused port is a BackendUnavailableError (after core retried it)', async () => {
    const backend = await useRpcBackend({ retry: { maxRetries: 2, baseDelay: 5 } }, { brokerUrl: `amqp://guest:${SECRET}@127.0.0.1:1//` });
    const error = await backend.getTaskMeta('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toMatch(/amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1\/\//);
    expect((error as Error).cause).toBeInstanceOf(Error);
    expectNoSecret(error);
    await expect(backend.storeResult('x', 1)).rejects.toBeInstanceOf(BackendUnavailableError);
  });

  it('a wrong password is a ConfigurationError, not retried, without the password', async () => {
    const backend = await useRpcBackend({}, { brokerUrl: `amqp://guest:${SECRET}@127.0.0.1:5672//` });
    const started = Date.now();
    const error = await backend.storeResult('x', 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/refused the connection.*username or password/s);
    expect((error as Error).cause).toBeInstanceOf(Error);
    expectNoSecret(error);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe('reconnecting after the broker closes the connection', () => {
  it('redeclares the reply queue, resumes consuming, and a wait started before the break gets its result', async () => {
    const name = `rk-test-${randomUUID()}`;
    const client = await useRpcBackend({}, { connectionName: name });
    const worker = await useRpcBackend();
    const id = randomUUID();
    const request = await client.taskProperties(id);
    const waiting = client.asyncResult(id).get({ timeout: 20_000 });
    waiting.catch(() => {}); // awaited below; a failure before that must not be unhandled
    await sleep(50);
    expect(await killConnections(name)).toBe(1);
    await until(() => !adapterOf(client).session.connected, 5_000, 'the connection to drop');
    await until(() => adapterOf(client).session.connected, 10_000, 'the reconnect');
    // The auto-delete queue went with the connection; once this read answers, it is declared
    // again under the same name and consumed.
    await client.getTaskMeta(id);
    await worker.storeResult(id, 'after the break', states.SUCCESS, { request });
    expect(await waiting).toBe('after the break');
    expect((await client.taskProperties(id)).replyTo).toBe(request.replyTo);
  });

  it('a store made right after the break waits for the reconnect and lands', async () => {
    const name = `rk-test-${randomUUID()}`;
    const backend = await useRpcBackend({}, { connectionName: name });
    await backend.storeResult(randomUUID(), 'warm');
    expect(await killConnections(name)).toBe(1);
    await until(() => !adapterOf(backend).session.connected, 5_000, 'the connection to drop');
    const id = randomUUID();
    await backend.storeResult(id, 'stored during recovery');
    expect(await backend.asyncResult(id).get({ timeout: 10_000 })).toBe('stored during recovery');
  });

  it('a wait whose result was lost with the queue ends with TimeoutError at its timeout: it never hangs', async () => {
    const name = `rk-test-${randomUUID()}`;
    const backend = await useRpcBackend({}, { connectionName: name });
    const id = randomUUID();
    const started = Date.now();
    // When the wait itself ended: rabbitmqctl (an Erlang VM start) can take seconds on a busy
    // machine, and its time is not the wait's.
    let endedAfter = Infinity;
    const waiting = backend
      .asyncResult(id)
      .get({ timeout: 2_500 })
      .catch((e: unknown) => e)
      .finally(() => (endedAfter = Date.now() - started));
    await sleep(100);
    expect(await killConnections(name)).toBe(1);
    expect(await waiting).toBeInstanceOf(TimeoutError);
    expect(endedAfter).toBeGreaterThanOrEqual(2_400);
    expect(endedAfter).toBeLessThan(4_000);
    expect(backend.pendingWaits).toBe(0);
  });
});
