/**
 * Shared by the Redis tests: where Redis is, a raw client to look at what was stored, and the
 * cleanup of every key a test file created.
 */
import { randomUUID } from 'node:crypto';
import { createBackend, type BackendOptions, type ResultBackend } from '@resultkit/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import type { RedisAdapter } from '../src/redis-adapter.js';

/** `REDIS_URL` (default `redis://127.0.0.1:6379/0`) with its database replaced by `db`. */
export function redisUrl(db?: number): string {
  const base = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
  if (db === undefined) return base;
  const url = new URL(base);
  url.pathname = `/${db}`;
  return url.toString();
}

/** The unit tests' own database, so their keys never mix with anything else's. */
export const TEST_DB = 9;
export const TEST_URL = redisUrl(TEST_DB);

/** A backend on the test database; the caller closes it (or passes `onTestFinished`). */
export function openRedisBackend(options: BackendOptions = {}, url = TEST_URL): Promise<ResultBackend> {
  return createBackend(url, options);
}

export function adapterOf(backend: ResultBackend): RedisAdapter {
  return backend.adapter as RedisAdapter;
}

/** A plain ioredis connection to the test database, for looking at keys and channels. */
export function rawClient(url = TEST_URL): Redis {
  const client = new Redis(url, { connectionName: 'resultkit-test-raw' });
  client.on('error', () => {});
  return client;
}

/**
 * A raw client for a whole test file: opened before its tests and, once the keys they made are
 * deleted, closed after them. `use` receives it (files keep it in a module variable).
 */
export function useRawClient(use: (client: Redis) => void): void {
  let client: Redis;
  beforeAll(() => {
    client = rawClient();
    use(client);
  });
  afterAll(async () => {
    await cleanupTestKeys(client);
    await client.quit();
  });
}

/** A unique id with a recognisable prefix, so cleanup can find every key it made. */
export function testId(label = 'id'): string {
  return `rkt-${label}-${randomUUID()}`;
}

/** Deletes every key matching `pattern` (SCAN, never KEYS or FLUSH*). */
export async function deleteKeys(client: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length) deleted += await client.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** Deletes what the tests of this package create: every key holding an `rk-` or `rkt-` id. */
export async function cleanupTestKeys(client: Redis): Promise<void> {
  for (const pattern of ['*celery-task-meta-rk*', '*celery-taskset-meta-rk*']) await deleteKeys(client, pattern);
}

/** Resolves when `predicate` holds, polling every 10 ms; rejects after `timeout` ms. */
export async function until(predicate: () => boolean | Promise<boolean>, timeout = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
