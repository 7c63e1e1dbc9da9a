/**
 * What a Redis backend does when its server cannot be used: refused logins, database numbers
 * out of range, closed ports, TLS spoken to a plain server, closing while still connecting.
 * Every failure is one of core's typed errors, arrives within `connectTimeout`, and never
 * carries the password, wherever one looks.
 */
import {
  AbortError,
  BackendClosedError,
  BackendOperationError,
  BackendUnavailableError,
  ConfigurationError,
  TimeoutError,
  createBackend,
  type BackendOptions,
  type ResultBackend,
} from '@resultkit/core';
import { findSecret } from '@resultkit/test-suite';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { rawClient, redisUrl, testId, useRawClient } from './support.js';

const SECRET = 's3cret-rk-7Hq';
// This file's own database, so nothing it writes (or must not write) mixes with other files.
const DB = 12;
// Nothing listens on these loopback ports.
const CLOSED_PORT = 6390;

async function open(url: string, options: BackendOptions = {}): Promise<ResultBackend> {
  const backend = await createBackend(url, options);
  onTestFinished(() => backend.close());
  return backend;
}

async function failure(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  const error = await promise.then(
    () => new Error('expected the operation to fail'),
    (e: unknown) => e,
  );
  return { error, ms: performance.now() - started };
}

function expectNoSecret(error: unknown): void {
  expect(findSecret(error, SECRET)).toBeNull();
}

useRawClient(() => {});

describe('a refused login', () => {
  it('is a ConfigurationError that shows the password nowhere (message, properties, cause chain, inspect, JSON)', async () => {
    const backend = await open(`redis://baduser:${SECRET}@127.0.0.1:6379/${DB}`);
    for (const operation of [() => backend.storeResult(testId('auth'), 1), () => backend.getTaskMeta(testId('auth'))]) {
      const { error, ms } = await failure(operation());
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toMatch(/WRONGPASS/);
      expect((error as Error).cause).toBeInstanceOf(Error);
      expect(ms).toBeLessThan(2_000);
      expectNoSecret(error);
    }
  });

  it('fails a wait with the same typed, scrubbed error', async () => {
    const backend = await open(`redis://baduser:${SECRET}@127.0.0.1:6379/${DB}`);
    const { error } = await failure(backend.asyncResult(testId('auth-wait')).get({ timeout: 3_000 }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expectNoSecret(error);
  });
});

describe('a database number the server does not have', () => {
  let raw: ReturnType<typeof rawClient>;
  beforeAll(() => {
    raw = rawClient(redisUrl(0));
  });
  afterAll(() => raw.quit());

  it('is a ConfigurationError on the first operation, and nothing is written to db 0', async () => {
    const backend = await open('redis://127.0.0.1:6379/99');
    const id = testId('db99');
    const { error, ms } = await failure(backend.storeResult(id, 'must not land anywhere'));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/out of range/);
    expect(ms).toBeLessThan(2_000);
    await expect(backend.getTaskMeta(id)).rejects.toBeInstanceOf(ConfigurationError);
    expect(await raw.exists(`celery-task-meta-${id}`)).toBe(0);
  });
});

describe('an unreachable server', () => {
  it('fails an operation with BackendUnavailableError after connectTimeout (default 5 s), not minutes later', async () => {
    const backend = await open(`redis://:${SECRET}@127.0.0.1:${CLOSED_PORT}/${DB}`);
    const { error, ms } = await failure(backend.storeResult(testId('down'), 1));
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect((error as Error & { code: string }).code).toBe('ERR_RESULTKIT_UNAVAILABLE');
    expect(ms).toBeGreaterThan(4_500);
    expect(ms).toBeLessThan(7_000);
    expectNoSecret(error);
  });

  it('honours a shorter connectTimeout for every one-shot call', async () => {
    const backend = await open(`redis://:${SECRET}@127.0.0.1:${CLOSED_PORT}/${DB}`, { connectTimeout: 300 });
    const calls = [
      () => backend.getTaskMeta(testId('down')),
      () => backend.forget(testId('down')),
      () => backend.restoreGroup(testId('down')),
      () => backend.setChordSize(testId('down'), 2),
    ];
    for (const call of calls) {
      const { error, ms } = await failure(call());
      expect(error).toBeInstanceOf(BackendUnavailableError);
      expect(ms).toBeLessThan(1_500);
      expectNoSecret(error);
    }
  });

  it('a call given { timeout } or { signal } ends with TimeoutError or AbortError at that moment', async () => {
    const backend = await open(`redis://127.0.0.1:${CLOSED_PORT}/${DB}`);
    const timed = await failure(backend.getTaskMeta(testId('down'), { timeout: 200 }));
    expect(timed.error).toBeInstanceOf(TimeoutError);
    expect(timed.ms).toBeLessThan(1_000);
    const aborted = await failure(backend.storeResult(testId('down'), 1, undefined, { signal: AbortSignal.timeout(150) }));
    expect(aborted.error).toBeInstanceOf(AbortError);
    expect(aborted.ms).toBeLessThan(1_000);
  });

  it('a wait that times out says the backend could not be reached, with the scrubbed error as cause', async () => {
    const backend = await open(`redis://:${SECRET}@127.0.0.1:${CLOSED_PORT}/${DB}`);
    const { error } = await failure(backend.asyncResult(testId('down-wait')).get({ timeout: 800 }));
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(/could not be reached/);
    expect((error as Error).cause).toBeInstanceOf(BackendUnavailableError);
    expectNoSecret(error);
  });

  it('TLS asked of a plain server fails within connectTimeout, typed and scrubbed', async () => {
    const backend = await open(`rediss://:${SECRET}@127.0.0.1:6379/${DB}?ssl_cert_reqs=none`, { connectTimeout: 500 });
    const { error, ms } = await failure(backend.storeResult(testId('tls'), 1));
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(ms).toBeLessThan(2_000);
    expectNoSecret(error);
  });
});

describe('closing while connecting', () => {
  it('close() resolves and the operations still waiting reject with BackendClosedError', async () => {
    const backend = await createBackend(`redis://127.0.0.1:${CLOSED_PORT}/${DB}`);
    const pending = failure(backend.storeResult(testId('closing'), 1));
    const read = failure(backend.getTaskMeta(testId('closing')));
    await expect(backend.close()).resolves.toBeUndefined();
    expect((await pending).error).toBeInstanceOf(BackendClosedError);
    expect((await read).error).toBeInstanceOf(BackendClosedError);
  });

  it('closing a backend right after createBackend never rejects with "Connection is closed."', async () => {
    const backend = await createBackend(redisUrl(DB));
    const pending = failure(backend.storeResult(testId('closing'), 1));
    await expect(backend.close()).resolves.toBeUndefined();
    expect((await pending).error).toBeInstanceOf(BackendClosedError);
  });
});

describe('a server that refuses an operation', () => {
  let raw: ReturnType<typeof rawClient>;
  beforeAll(() => {
    raw = rawClient(redisUrl(DB));
  });
  afterAll(() => raw.quit());

  it('fails it with BackendOperationError carrying the scrubbed reply, never the raw ReplyError', async () => {
    const id = testId('wrongtype');
    await raw.rpush(`celery-task-meta-${id}`, 'not a document');
    onTestFinished(async () => void (await raw.del(`celery-task-meta-${id}`)));
    const backend = await open(redisUrl(DB));
    const { error } = await failure(backend.getTaskMeta(id));
    expect(error).toBeInstanceOf(BackendOperationError);
    expect((error as Error).message).toMatch(/WRONGTYPE/);
    expect(((error as Error).cause as Error).name).toBe('ReplyError');
    expect(JSON.stringify(error)).not.toMatch(/"args"/);
  });
});
