/**
 * Real Celery 5.2 (Debian's python3-celery) and @resultkit/backend-redis on one Redis:
 * - a Celery worker runs tasks and this package awaits and reads every result;
 * - this package stores results and Python's AsyncResult / GroupResult read them, including a
 *   Python client already blocked in get() (the pub/sub path);
 * - a Node "worker" takes part in chords created by Python, and each body runs exactly once.
 *
 * The broker is Redis too (db 10; results in db 11), so no RabbitMQ is needed. Fails (never
 * skips) in CI when Python Celery is missing.
 */
import { randomUUID } from 'node:crypto';
import { createBackend, RemoteTaskError, states, type ResultBackend, type TaskMeta } from '@resultkit/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { celeryAvailability, pyClient, skipWithoutCelery, spawnPyClient, startWorker, type CeleryWorker } from '../support/celery.js';
import { expectEveryStateRead, expectGroupRestoredByPython, storeEveryState, type PyResult } from '../support/every-state.js';
import { popTaskMessage, sendChordBody, type TaskMessage } from './kombu-message.js';
import { redisUrl } from './redis-url.js';

const availability = celeryAvailability();
const skip = skipWithoutCelery(availability);

const BROKER = redisUrl(10);
const BACKEND = redisUrl(11);
const run = randomUUID().slice(0, 8);
const QUEUE = `rk-interop-${run}`;
const NODE_QUEUE = `rk-interop-node-${run}`;
const ENV = { INTEROP_BROKER: BROKER, INTEROP_BACKEND: BACKEND, INTEROP_QUEUE: QUEUE };

// In CI a missing Celery fails this test (and the suite below is skipped); elsewhere both skip.
it.skipIf(skip)('Python Celery is installed for the interop suite', () => {
  expect(availability.ok, availability.detail).toBe(true);
});

describe.skipIf(!availability.ok)('Celery 5.2 and resultkit on one Redis', () => {
  let worker: CeleryWorker | undefined;
  let backend: ResultBackend;
  let extended: ResultBackend;
  let results: Redis; // db 11, for looking at keys and channels
  let broker: Redis; // db 10, for the Node worker's BRPOP and LPUSH
  const taskIds = new Set<string>();
  const groupIds = new Set<string>();
  const counters = new Set<string>();

  const track = (ids: Iterable<string>): void => {
    for (const id of ids) taskIds.add(id);
  };
  const send = async (tasks: Record<string, unknown>[]): Promise<string[]> => {
    const [sent] = await pyClient<{ ids: string[] }>('send', { tasks }, ENV);
    track(sent!.ids);
    return sent!.ids;
  };
  const pyRead = async (ids: string[]): Promise<PyResult[]> => (await pyClient<{ results: PyResult[] }>('read', { ids }, ENV))[0]!.results;
  const withWorkerOutput = (error: unknown): never => {
    throw new Error(`${(error as Error).message}\n--- worker output ---\n${worker?.output() ?? ''}`, { cause: error });
  };

  beforeAll(async () => {
    results = new Redis(BACKEND);
    broker = new Redis(BROKER);
    backend = await createBackend(BACKEND, { expires: 3600 });
    extended = await createBackend(BACKEND, { expires: 3600, extended: true });
    worker = startWorker(QUEUE, ENV);
    // Ready when it has run a task: the first one may wait for the worker to start (~1-2 s).
    const [ping] = await send([{ task: 'interop_app.add', args: [1, 1], queue: QUEUE }]);
    expect(await backend.asyncResult(ping!).get({ timeout: 30_000 }).catch(withWorkerOutput)).toBe(2);
  }, 40_000);

  afterAll(async () => {
    await worker?.stop();
    await backend?.close();
    await extended?.close();
    if (results) {
      const keys = [
        ...[...taskIds].map((id) => `celery-task-meta-${id}`),
        ...[...groupIds].flatMap((g) => ['', '.j', '.s', '.t'].map((s) => `celery-taskset-meta-${g}${s}`)),
        ...[...counters].flatMap((k) => [k, `${k}:results`]),
      ];
      for (let i = 0; i < keys.length; i += 500) await results.del(...keys.slice(i, i + 500));
      await results.quit();
    }
    if (broker) {
      await broker.del(QUEUE, NODE_QUEUE, `_kombu.binding.${QUEUE}`, `_kombu.binding.${NODE_QUEUE}`);
      await broker.quit();
    }
  }, 20_000);

  // ---- Celery worker -> resultkit -----------------------------------------------------------

  it('reads what a Celery worker stores: success, custom exception, retry, STARTED, extended fields', async () => {
    const ids = { slow: randomUUID(), add: randomUUID(), fail: randomUUID(), retry: randomUUID() };
    // Subscribe to the retrying task's channel first, to see its RETRY state go by.
    const spy = new Redis(BACKEND);
    const seen: TaskMeta[] = [];
    spy.on('messageBuffer', (_c: Buffer, message: Buffer) => {
      seen.push(backend.codec.decode(message) as TaskMeta);
    });
    await spy.subscribe(`celery-task-meta-${ids.retry}`);
    try {
      await send([
        { task: 'interop_app.sleep_then_return', args: [0.6, 'slow'], queue: QUEUE, task_id: ids.slow },
        { task: 'interop_app.add', args: [2, 3], queue: QUEUE, task_id: ids.add },
        { task: 'interop_app.fail_custom', args: ['over quota', 42], queue: QUEUE, task_id: ids.fail },
        { task: 'interop_app.retry_once', args: ['v'], queue: QUEUE, task_id: ids.retry },
      ]);

      // task_track_started: the slow task is STARTED with Celery's {pid, hostname} while it runs.
      let started: TaskMeta | undefined;
      const deadline = Date.now() + 10_000;
      while (!started && Date.now() < deadline) {
        const meta = await backend.getTaskMeta(ids.slow);
        if (meta.status === states.STARTED) started = meta;
        else if (meta.status === states.SUCCESS) break;
        else await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(started?.result).toMatchObject({ hostname: `${QUEUE}@interop` });
      expect(typeof (started?.result as { pid?: unknown }).pid).toBe('number');

      expect(await backend.asyncResult(ids.slow).get({ timeout: 10_000 })).toBe('slow');
      expect(await backend.asyncResult(ids.add).get({ timeout: 10_000 })).toBe(5);
      const add = await backend.getTaskMeta(ids.add);
      expect(add).toMatchObject({ status: states.SUCCESS, name: 'interop_app.add', args: [2, 3], kwargs: {}, worker: `${QUEUE}@interop`, retries: 0, queue: QUEUE });
      expect(add.dateDone).toBeInstanceOf(Date);
      expect(Math.abs(add.dateDone!.getTime() - Date.now())).toBeLessThan(60_000);

      const failure = await backend.asyncResult(ids.fail).get({ timeout: 10_000 }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(RemoteTaskError);
      expect(failure).toMatchObject({ excType: 'QuotaExceeded', excModule: 'interop_app', excArgs: ['over quota', 42], state: states.FAILURE });
      expect((failure as RemoteTaskError).traceback).toMatch(/interop_app\.QuotaExceeded: \('over quota', 42\)/);
      expect(await backend.asyncResult(ids.fail).state()).toBe(states.FAILURE);

      expect(await backend.asyncResult(ids.retry).get({ timeout: 10_000 })).toEqual({ value: 'v', retries: 1 });
      // The spy's own copy of the last message may still be on its way.
      for (let i = 0; i < 100 && seen.length < 4; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      const retry = seen.map((doc) => doc as unknown as { status: string; result: { exc_type?: string } | null }).find((d) => d.status === states.RETRY);
      expect(retry?.result).toMatchObject({ exc_type: 'KeyError', exc_message: ['first attempt'], exc_module: 'builtins' });
      expect(seen.map((d) => (d as unknown as { status: string }).status)).toEqual([states.STARTED, states.RETRY, states.STARTED, states.SUCCESS]);
    } catch (error) {
      withWorkerOutput(error);
    } finally {
      spy.disconnect();
    }
  });

  it('restores and joins a group a Celery worker ran', async () => {
    const [sent] = await pyClient<{ group_id: string; ids: string[] }>(
      'group',
      { tasks: [0, 1, 2, 3, 4].map((i) => ({ task: 'interop_app.add', args: [i, i], queue: QUEUE })), save: true },
      ENV,
    );
    const { group_id: gid, ids } = sent!;
    groupIds.add(gid);
    track(ids);
    const group = await backend.restoreGroup(gid);
    expect(group?.ids).toEqual(ids);
    expect(await group!.join({ timeout: 15_000 }).catch(withWorkerOutput)).toEqual([0, 2, 4, 6, 8]);
    expect((await backend.getTaskMeta(ids[3]!)).groupId).toBe(gid);
  });

  // ---- resultkit -> Python ------------------------------------------------------------------

  it("Python's AsyncResult reads every state we store, exceptions and extended fields included", async () => {
    const ids = await storeEveryState(backend);
    const extendedId = `rk-extended-${randomUUID()}`;
    track([...Object.values(ids), extendedId]);
    await extended.storeResult(extendedId, 7, states.SUCCESS, {
      request: { name: 'interop_app.add', args: [3, 4], kwargs: { z: 0 }, hostname: 'node@interop', retries: 2, routingKey: 'rk-q', group: 'g-1', parentId: 'p-1' },
    });
    const read = Object.fromEntries((await pyRead([...Object.values(ids), extendedId])).map((r) => [r.id, r]));
    expectEveryStateRead(read, ids);
    expect(read[extendedId]).toMatchObject({
      state: 'SUCCESS', result: 7, name: 'interop_app.add', args: [3, 4], kwargs: { z: 0 }, worker: 'node@interop', retries: 2, queue: 'rk-q', group_id: 'g-1', parent_id: 'p-1',
    });
  });

  it("Python's GroupResult.restore() reads a group we saved, and joins its members", async () => {
    const { groupId, members } = await expectGroupRestoredByPython(backend, ENV);
    groupIds.add(groupId);
    track(members);
  });

  it('a Python client already blocked in get() receives what we store (pub/sub), success and failure', async () => {
    const ok = `rk-blocked-${randomUUID()}`;
    const bad = `rk-blocked-${randomUUID()}`;
    track([ok, bad]);
    const clients = [spawnPyClient('get', { id: ok, timeout: 20 }, ENV), spawnPyClient('get', { id: bad, timeout: 20 }, ENV)];
    try {
      for (const client of clients) expect(await client.next()).toEqual({ waiting: true });
      // Store only once Python is subscribed, so the value can only reach it as a message.
      for (const id of [ok, bad]) {
        const deadline = Date.now() + 10_000;
        while (((await results.call('PUBSUB', 'NUMSUB', `celery-task-meta-${id}`)) as [string, number])[1] < 1) {
          if (Date.now() > deadline) throw new Error(`Python never subscribed to ${id}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
      expect(await results.exists(`celery-task-meta-${ok}`, `celery-task-meta-${bad}`)).toBe(0);
      await backend.storeResult(ok, { via: 'pubsub' });
      await backend.markAsFailure(bad, new RemoteTaskError({ excType: 'QuotaExceeded', excModule: 'interop_app', excArgs: ['late', 1] }));
      expect(await clients[0]!.next()).toMatchObject({ got: { via: 'pubsub' }, state: 'SUCCESS' });
      expect(await clients[1]!.next()).toMatchObject({ state: 'FAILURE', exception: { type: 'QuotaExceeded', module: 'interop_app', args: ['late', 1] } });
    } finally {
      for (const client of clients) client.kill();
    }
  });

  // ---- a Node worker in chords created by Python ---------------------------------------------

  /** Pops the Node part's task message (Python published it to NODE_QUEUE). */
  async function popNodePart(): Promise<TaskMessage> {
    const message = await popTaskMessage(broker, NODE_QUEUE, 10);
    if (!message) throw new Error('No task message for the Node worker arrived');
    expect(message.headers.task).toBe('interop_app.node_task');
    expect(typeof message.headers.group).toBe('string');
    expect(message.embed.chord?.task).toBe('interop_app.collect');
    return message;
  }

  /** Runs the Node part the way a Celery worker runs a header task: its result, then the chord step. */
  async function runNodePart(message: TaskMessage, outcome: { value: unknown } | { error: RemoteTaskError }) {
    const request = {
      group: message.headers.group!,
      groupIndex: message.headers.group_index ?? undefined,
      name: message.headers.task,
      args: message.args,
      kwargs: message.kwargs,
      hostname: 'node@interop',
      retries: message.headers.retries ?? 0,
      routingKey: message.properties.delivery_info.routing_key,
      ...(message.headers.parent_id ? { parentId: message.headers.parent_id } : {}),
    };
    const id = message.headers.id;
    track([id]);
    if ('value' in outcome) {
      await backend.storeResult(id, outcome.value, states.SUCCESS, { request });
      return backend.onChordPartReturn(id, states.SUCCESS, outcome.value, request);
    }
    await backend.markAsFailure(id, outcome.error, { request, traceback: 'Traceback (most recent call last):\nValueError: node says no\n' });
    return backend.onChordPartReturn(id, states.FAILURE, outcome.error, request);
  }

  async function createChord(header: Record<string, unknown>[]): Promise<{ groupId: string; headerIds: string[]; bodyId: string; counter: string }> {
    const counter = `rk-interop-collect-${randomUUID()}`;
    counters.add(counter);
    const [created] = await pyClient<{ group_id: string; header_ids: string[]; body_id: string }>(
      'chord',
      { header, body: { task: 'interop_app.collect', kwargs: { counter_key: counter }, queue: QUEUE } },
      ENV,
    );
    groupIds.add(created!.group_id);
    track([...created!.header_ids, created!.body_id]);
    return { groupId: created!.group_id, headerIds: created!.header_ids, bodyId: created!.body_id, counter };
  }

  const joinCount = async (gid: string): Promise<number> => results.zcount(`celery-taskset-meta-${gid}.j`, '-inf', '+inf');

  /** The body ran exactly once: one INCR, one recorded result list, and it stays so. */
  async function expectBodyRanOnce(counter: string, expected: unknown[]): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await results.get(counter)).toBe('1');
    expect((await results.lrange(`${counter}:results`, 0, -1)).map((s) => JSON.parse(s) as unknown)).toEqual([expected]);
  }

  it('the Node part completes the chord: it sends the body, which Celery runs exactly once', async () => {
    const chord = await createChord([
      { task: 'interop_app.add', args: [1, 1], queue: QUEUE },
      { task: 'interop_app.node_task', args: [20, 22], queue: NODE_QUEUE },
    ]);
    const message = await popNodePart();
    expect(message.headers.group).toBe(chord.groupId);
    expect(message.headers.group_index).toBe(1);
    // Let the Python part finish first, so the Node part is the last one.
    const deadline = Date.now() + 10_000;
    while ((await joinCount(chord.groupId)) < 1) {
      if (Date.now() > deadline) withWorkerOutput(new Error('the Python header part never reported'));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const value = (message.args as number[]).reduce((a, b) => a + b, 0);
    const progress = await runNodePart(message, { value });
    expect(progress).toEqual({ complete: true, results: [2, 42] });
    await sendChordBody(broker, message.embed.chord!, (progress as { results: unknown[] }).results, message);

    expect(await backend.asyncResult(chord.bodyId).get({ timeout: 15_000 }).catch(withWorkerOutput)).toEqual([2, 42]);
    const body = await backend.getTaskMeta(chord.bodyId);
    expect(body.parentId).toBe(message.headers.id);
    await expectBodyRanOnce(chord.counter, [2, 42]);
    // And Python reads the Node part's result like any other header member.
    const [node] = await pyRead([message.headers.id]);
    expect(node).toMatchObject({ state: 'SUCCESS', result: 42, group_id: chord.groupId });
  });

  it('the Python part completes the chord: Celery reads our chord entry and runs the body exactly once', async () => {
    const chord = await createChord([
      { task: 'interop_app.node_task', args: ['from node'], queue: NODE_QUEUE },
      { task: 'interop_app.sleep_then_return', args: [0.5, 'from python'], queue: QUEUE },
    ]);
    const message = await popNodePart();
    expect(await joinCount(chord.groupId)).toBe(0);
    expect(await runNodePart(message, { value: { node: true } })).toEqual({ complete: false, count: 1, total: 2 });
    expect(await backend.asyncResult(chord.bodyId).get({ timeout: 15_000 }).catch(withWorkerOutput)).toEqual([{ node: true }, 'from python']);
    await expectBodyRanOnce(chord.counter, [{ node: true }, 'from python']);
  });

  it('a failed Node part makes Celery fail the body with ChordError, which we read back', async () => {
    const chord = await createChord([
      { task: 'interop_app.node_task', args: [], queue: NODE_QUEUE },
      { task: 'interop_app.sleep_then_return', args: [0.3, 'fine'], queue: QUEUE },
    ]);
    const message = await popNodePart();
    const error = new RemoteTaskError({ excType: 'ValueError', excModule: 'builtins', excArgs: ['node says no'] });
    expect((await runNodePart(message, { error })).complete).toBe(false);
    const failure = await backend.asyncResult(chord.bodyId).get({ timeout: 15_000 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RemoteTaskError);
    expect(failure).toMatchObject({
      excType: 'ChordError',
      excModule: 'celery.exceptions',
      excArgs: [`Dependency ${message.headers.id} raised ValueError('node says no')`],
    });
    expect(await results.get(chord.counter)).toBeNull();
  });
});
