import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend } from '@resultkit/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from './redis-servers.js';
import { cleanupTestKeys, rawClient, TEST_DB, testId, until } from './support.js';

/**
 * `sentinel://` for real: a Sentinel (redis-server --sentinel, on a free loopback port) that
 * monitors the test Redis as master `rkt-master`; the backend must find the master through it.
 */
const master = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0');
let sentinel: ChildProcess | undefined;
let port = 0;
const dir = mkdtempSync(join(tmpdir(), 'rk-sentinel-'));

beforeAll(async () => {
  [port] = (await freePorts(1)) as [number];
  const config = join(dir, 'sentinel.conf');
  writeFileSync(
    config,
    [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor rkt-master ${master.hostname} ${master.port || 6379} 1`, ''].join('\n'),
  );
  sentinel = spawn('redis-server', [config, '--sentinel'], { stdio: 'ignore' });
  const probe = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: 1 });
  probe.on('error', () => {});
  try {
    await until(async () => {
      try {
        const reply = (await probe.call('SENTINEL', 'get-master-addr-by-name', 'rkt-master')) as string[] | null;
        return Array.isArray(reply) && reply.length === 2;
      } catch {
        return false;
      }
    }, 10_000, 'the Sentinel');
  } finally {
    probe.disconnect();
  }
});

afterAll(async () => {
  const raw = rawClient();
  await cleanupTestKeys(raw);
  await raw.quit();
  if (sentinel && sentinel.exitCode === null) {
    const exited = new Promise((resolve) => sentinel!.once('exit', resolve));
    sentinel.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('sentinel://', () => {
  it('finds the master through the Sentinel and works like redis://', async () => {
    const backend = await createBackend(`sentinel://127.0.0.1:${port}/${TEST_DB};sentinel://127.0.0.1:1`, {
      redis: { masterName: 'rkt-master' },
    });
    try {
      const id = testId('sentinel');
      const waiting = backend.asyncResult(id).get({ timeout: 10_000 });
      await backend.storeResult(id, 'via sentinel');
      expect(await waiting).toBe('via sentinel');
      const raw = rawClient();
      expect(await raw.exists(`celery-task-meta-${id}`)).toBe(1);
      await raw.quit();
    } finally {
      await backend.close();
    }
  });
});
