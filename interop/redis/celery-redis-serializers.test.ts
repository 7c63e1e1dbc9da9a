/**
 * Celery's other result serializers on Redis, both ways, with a real Celery 5.2 worker whose
 * `result_serializer` (and `result_accept_content`) is msgpack, then yaml: what the worker
 * stores (a value, a failure, a saved group) we read; what we store (every state, a group)
 * Python's AsyncResult and GroupResult read. One suite, run once per serializer.
 */
import { randomUUID } from 'node:crypto';
import { createBackend, RemoteTaskError, type ResultBackend } from '@resultkit/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { celeryAvailability, pyClient, registerCeleryPresenceTest, startWorker, withOutputOf, type CeleryWorker } from '../support/celery.js';
import { expectEveryStateRead, expectGroupRestoredByPython, storeEveryState, type EveryStateOptions, type PyResult } from '../support/every-state.js';
import { redisUrl } from './redis-url.js';

const availability = celeryAvailability();

const BROKER = redisUrl(10);
const BACKEND = redisUrl(11);

interface SerializerCase {
  serializer: 'msgpack' | 'yaml';
  /** What `storeEveryState` may store as its large int. */
  everyState: EveryStateOptions;
}

const CASES: SerializerCase[] = [
  // kombu's msgpack has 64-bit ints only: 2^64 would be an EncodeError, as in Python.
  { serializer: 'msgpack', everyState: { big: 2n ** 63n } },
  { serializer: 'yaml', everyState: {} },
];

registerCeleryPresenceTest(availability);

describe.skipIf(!availability.ok).each(CASES)('Celery 5.2 with result_serializer="$serializer" and resultkit on one Redis', ({ serializer, everyState }) => {
  const queue = `rk-interop-${serializer}-${randomUUID().slice(0, 8)}`;
  const env = { INTEROP_BROKER: BROKER, INTEROP_BACKEND: BACKEND, INTEROP_QUEUE: queue, INTEROP_SERIALIZER: serializer };
  let worker: CeleryWorker | undefined;
  let backend: ResultBackend;
  let results: Redis;
  const keys = new Set<string>();
  const withWorkerOutput = withOutputOf(() => worker);

  const send = async (tasks: Record<string, unknown>[]): Promise<string[]> => {
    const [sent] = await pyClient<{ ids: string[] }>('send', { tasks }, env);
    for (const id of sent!.ids) keys.add(`celery-task-meta-${id}`);
    return sent!.ids;
  };
  const track = (ids: Iterable<string>): void => {
    for (const id of ids) keys.add(`celery-task-meta-${id}`);
  };

  beforeAll(async () => {
    results = new Redis(BACKEND);
    // `serializer` loads the package by name; `accept` is JSON only unless given, as in Celery,
    // so it names the serializer here exactly as the app's result_accept_content does.
    backend = await createBackend(BACKEND, { serializer, accept: [serializer], expires: 3600 });
    worker = startWorker(queue, env);
    const [ping] = await send([{ task: 'interop_app.add', args: [1, 1], queue }]);
    expect(await backend.asyncResult(ping!).get({ timeout: 30_000 }).catch(withWorkerOutput)).toBe(2);
  }, 40_000);

  afterAll(async () => {
    await worker?.stop();
    await backend?.close();
    if (results) {
      if (keys.size > 0) await results.del(...keys);
      await results.quit();
    }
    const broker = new Redis(BROKER);
    await broker.del(queue, `_kombu.binding.${queue}`);
    await broker.quit();
  }, 20_000);

  it('reads what the worker stores: a value, and a failure with its own exception class', async () => {
    const [add, fail] = await send([
      { task: 'interop_app.add', args: [2, 3], queue },
      { task: 'interop_app.fail_custom', args: ['over quota', 42], queue },
    ]);
    expect(await backend.asyncResult(add!).get({ timeout: 15_000 }).catch(withWorkerOutput)).toBe(5);
    const error = await backend.asyncResult(fail!).get({ timeout: 15_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteTaskError);
    expect(error).toMatchObject({ excType: 'QuotaExceeded', excModule: 'interop_app', excArgs: ['over quota', 42] });
    expect((error as RemoteTaskError).traceback).toContain('QuotaExceeded');
  });

  it('writes back byte for byte the document the worker stored', async () => {
    const [id] = await send([{ task: 'interop_app.add', args: [20, 22], queue }]);
    await backend.asyncResult(id!).get({ timeout: 15_000 }).catch(withWorkerOutput);
    const stored = await results.getBuffer(`celery-task-meta-${id}`);
    const document = backend.codec.decode(new Uint8Array(stored!));
    expect(Buffer.from(backend.codec.encode(document)).equals(stored!)).toBe(true);
  });

  it('restores and joins a group the worker ran', async () => {
    const [sent] = await pyClient<{ group_id: string; ids: string[] }>(
      'group',
      { tasks: [0, 1, 2].map((i) => ({ task: 'interop_app.add', args: [i, i], queue })), save: true },
      env,
    );
    track(sent!.ids);
    keys.add(`celery-taskset-meta-${sent!.group_id}`);
    const group = await backend.restoreGroup(sent!.group_id);
    expect(group?.ids).toEqual(sent!.ids);
    expect(await group!.join({ timeout: 15_000 }).catch(withWorkerOutput)).toEqual([0, 2, 4]);
  });

  it("Python's AsyncResult reads every state we store, failures included", async () => {
    const ids = await storeEveryState(backend, everyState);
    track(Object.values(ids));
    const [read] = await pyClient<{ results: PyResult[] }>('read', { ids: Object.values(ids) }, env);
    expectEveryStateRead(Object.fromEntries(read!.results.map((r) => [r.id, r])), ids, everyState);
  });

  it("Python's GroupResult.restore() reads a group we saved, and joins its members", async () => {
    const { groupId, members } = await expectGroupRestoredByPython(backend, env);
    track(members);
    keys.add(`celery-taskset-meta-${groupId}`);
  });
});
