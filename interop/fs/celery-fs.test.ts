/**
 * Real Celery 5.2 (Debian's python3-celery) and @resultkit/backend-fs on one directory
 * (`result_backend = 'file:///<tmp dir>'`):
 * - a Celery worker runs tasks and this package reads and awaits every result (success, a
 *   custom exception, a RETRY, STARTED, a saved group);
 * - this package stores every state and Python's AsyncResult / GroupResult read them, including
 *   a Python client already blocked in get() (Celery polls the file).
 *
 * The broker is Redis (db 10, as the Redis suite's). Fails (never skips) in CI when Python
 * Celery is missing.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend, RemoteTaskError, states, type ResultBackend, type TaskMeta } from '@resultkit/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { celeryAvailability, pyClient, skipWithoutCelery, spawnPyClient, startWorker, type CeleryWorker } from '../support/celery.js';
import { expectEveryStateRead, storeEveryState, type PyResult } from '../support/every-state.js';

const availability = celeryAvailability();
const skip = skipWithoutCelery(availability);

const brokerUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0');
brokerUrl.pathname = '/10';
const BROKER = brokerUrl.toString();
const QUEUE = `rk-interop-fs-${randomUUID().slice(0, 8)}`;

it.skipIf(skip)('Python Celery is installed for the file-system interop suite', () => {
  expect(availability.ok, availability.detail).toBe(true);
});

describe.skipIf(!availability.ok)('Celery 5.2 and resultkit on one file:// directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rk-interop-fs-'));
  const ENV = { INTEROP_BROKER: BROKER, INTEROP_BACKEND: `file://${dir}`, INTEROP_QUEUE: QUEUE };
  let worker: CeleryWorker | undefined;
  let backend: ResultBackend;

  const send = async (tasks: Record<string, unknown>[]): Promise<string[]> => (await pyClient<{ ids: string[] }>('send', { tasks }, ENV))[0]!.ids;
  const pyRead = async (ids: string[]): Promise<Record<string, PyResult>> =>
    Object.fromEntries((await pyClient<{ results: PyResult[] }>('read', { ids }, ENV))[0]!.results.map((r) => [r.id, r]));
  const withWorkerOutput = (error: unknown): never => {
    throw new Error(`${(error as Error).message}\n--- worker output ---\n${worker?.output() ?? ''}`, { cause: error });
  };
  /** Reads `id` until `accept` holds for its meta (the worker is on its way). */
  const until = async (id: string, accept: (meta: TaskMeta) => boolean): Promise<TaskMeta> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const meta = await backend.getTaskMeta(id);
      if (accept(meta)) return meta;
      if (Date.now() > deadline) throw new Error(`${id} stayed ${meta.status}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  beforeAll(async () => {
    backend = await createBackend(`file://${dir}`, { expires: 3600 });
    worker = startWorker(QUEUE, ENV, 'fs_app');
    const [ping] = await send([{ task: 'interop_app.add', args: [1, 1], queue: QUEUE }]);
    expect(await backend.asyncResult(ping!).get({ timeout: 30_000 }).catch(withWorkerOutput)).toBe(2);
  }, 40_000);

  afterAll(async () => {
    await worker?.stop();
    await backend?.close();
    rmSync(dir, { recursive: true, force: true });
    const broker = new Redis(BROKER);
    await broker.del(QUEUE, `_kombu.binding.${QUEUE}`);
    await broker.quit();
  }, 20_000);

  // ---- Celery worker -> resultkit -----------------------------------------------------------

  it('reads and awaits what a Celery worker stores: STARTED, success, custom exception, RETRY', async () => {
    const ids = { slow: randomUUID(), add: randomUUID(), fail: randomUUID(), retry: randomUUID() };
    try {
      await send([
        { task: 'interop_app.sleep_then_return', args: [0.6, 'slow'], queue: QUEUE, task_id: ids.slow },
        { task: 'interop_app.add', args: [2, 3], queue: QUEUE, task_id: ids.add },
        { task: 'interop_app.fail_custom', args: ['over quota', 42], queue: QUEUE, task_id: ids.fail },
        { task: 'fs_app.retry_later', args: ['v'], queue: QUEUE, task_id: ids.retry },
      ]);
      // The files are Celery's names, in Celery's directory.
      const started = await until(ids.slow, (m) => m.status !== states.PENDING);
      expect(started.status).toBe(states.STARTED);
      expect(started.result).toMatchObject({ hostname: `${QUEUE}@interop` });
      expect(readdirSync(dir)).toContain(`celery-task-meta-${ids.slow}`);

      expect(await backend.asyncResult(ids.slow).get({ timeout: 10_000 })).toBe('slow');
      expect(await backend.asyncResult(ids.add).get({ timeout: 10_000 })).toBe(5);
      const add = await backend.getTaskMeta(ids.add);
      expect(add).toMatchObject({ status: states.SUCCESS, name: 'interop_app.add', args: [2, 3], worker: `${QUEUE}@interop`, queue: QUEUE });
      // Celery 5.2 writes a naive UTC date_done; it reads as the same instant.
      expect(Math.abs(add.dateDone!.getTime() - Date.now())).toBeLessThan(60_000);

      const failure = await backend.asyncResult(ids.fail).get({ timeout: 10_000 }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(RemoteTaskError);
      expect(failure).toMatchObject({ excType: 'QuotaExceeded', excModule: 'interop_app', excArgs: ['over quota', 42], state: states.FAILURE });
      expect((failure as RemoteTaskError).traceback).toMatch(/interop_app\.QuotaExceeded: \('over quota', 42\)/);

      // The retry waits a second before running again: its RETRY file can be read meanwhile.
      const retry = await until(ids.retry, (m) => m.status === states.RETRY);
      expect(retry.result).toMatchObject({ excType: 'KeyError', excArgs: ['first attempt'], excModule: 'builtins' });
      expect(await backend.asyncResult(ids.retry).get({ timeout: 10_000 })).toEqual({ value: 'v', retries: 1 });
    } catch (error) {
      withWorkerOutput(error);
    }
  });

  it('restores and joins a group a Celery client saved and a worker ran', async () => {
    const [sent] = await pyClient<{ group_id: string; ids: string[] }>(
      'group',
      { tasks: [0, 1, 2, 3].map((i) => ({ task: 'interop_app.add', args: [i, i], queue: QUEUE })), save: true },
      ENV,
    );
    const group = await backend.restoreGroup(sent!.group_id);
    expect(group?.ids).toEqual(sent!.ids);
    expect(await group!.join({ timeout: 15_000 }).catch(withWorkerOutput)).toEqual([0, 2, 4, 6]);
    expect((await backend.getTaskMeta(sent!.ids[2]!)).groupId).toBe(sent!.group_id);
  });

  // ---- resultkit -> Python ------------------------------------------------------------------

  it("Python's AsyncResult reads every state we store, exceptions and a task returning nothing", async () => {
    const ids = await storeEveryState(backend);
    expectEveryStateRead(await pyRead(Object.values(ids)), ids);
  });

  it("Python's GroupResult.restore() reads a group we saved, and joins its members", async () => {
    const gid = `rk-group-${randomUUID()}`;
    const members = [0, 1, 2].map((i) => `rk-member-${i}-${randomUUID()}`);
    await backend.saveGroup(gid, members);
    for (const [i, id] of members.entries()) await backend.storeResult(id, i * 10, states.SUCCESS, { request: { group: gid } });
    const [restored] = await pyClient<{ found: boolean; ids: string[]; results: unknown[] }>('restore', { group_id: gid, timeout: 10 }, ENV);
    expect(restored).toEqual({ found: true, ids: members, results: [0, 10, 20] });
  });

  it('a Python client already blocked in get() receives what we store, success and failure', async () => {
    const ok = `rk-blocked-${randomUUID()}`;
    const bad = `rk-blocked-${randomUUID()}`;
    const clients = [spawnPyClient('get', { id: ok, timeout: 20 }, ENV), spawnPyClient('get', { id: bad, timeout: 20 }, ENV)];
    try {
      for (const client of clients) expect(await client.next()).toEqual({ waiting: true });
      // Python is inside get() (polling the file every 0.5 s) and nothing is stored yet.
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(readdirSync(dir).filter((n) => n.endsWith(ok) || n.endsWith(bad))).toEqual([]);
      await backend.storeResult(ok, { via: 'file' });
      await backend.markAsFailure(bad, new RemoteTaskError({ excType: 'QuotaExceeded', excModule: 'interop_app', excArgs: ['late', 1] }));
      expect(await clients[0]!.next()).toMatchObject({ got: { via: 'file' }, state: 'SUCCESS' });
      expect(await clients[1]!.next()).toMatchObject({ state: 'FAILURE', exception: { type: 'QuotaExceeded', module: 'interop_app', args: ['late', 1] } });
    } finally {
      for (const client of clients) client.kill();
    }
  });
});
