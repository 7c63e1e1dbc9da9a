import { Buffer } from 'node:buffer';
import { RemoteTaskError, states, type ResultBackend, type TaskRequest } from '@resultkit/core';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCaptureText, readRedisCapture } from '../../core/test/fixtures.js';
import { openRedisBackend, rawClient } from './support.js';

/**
 * Our documents against what Celery 5.2.6 wrote (the captures in core's fixtures): the same
 * calls must produce the same bytes, except `date_done`, which we write in the one format every
 * Celery version reads (`…+00:00`) where 5.2 wrote naive UTC.
 */
let raw: Redis;
let backend: ResultBackend;
let extended: ResultBackend;
const written: string[] = [];

beforeAll(async () => {
  raw = rawClient();
  backend = await openRedisBackend();
  extended = await openRedisBackend({ extended: true });
});
afterAll(async () => {
  if (written.length) await raw.del(...written);
  await backend.close();
  await extended.close();
  await raw.quit();
});

type Doc = Record<string, unknown> & { status: string; task_id: string };

const withoutDateDone = (bytes: Uint8Array): string =>
  Buffer.from(bytes).toString('latin1').replace(/"date_done": "[^"]*"/, '"date_done": <date>');

function exceptionOf(doc: Doc): RemoteTaskError {
  const exc = doc.result as { exc_type: string; exc_module: string; exc_message: unknown[] };
  return new RemoteTaskError({ excType: exc.exc_type, excModule: exc.exc_module, excArgs: exc.exc_message });
}

/** Replays a captured document through our public API, the way a worker would have produced it. */
async function replay(doc: Doc): Promise<void> {
  const id = doc.task_id;
  const request: TaskRequest = {};
  if (typeof doc.group_id === 'string') request.group = doc.group_id;
  if (typeof doc.parent_id === 'string') request.parentId = doc.parent_id;
  const traceback = (doc.traceback as string | null) ?? null;
  if ('name' in doc) {
    Object.assign(request, {
      name: doc.name,
      args: doc.args,
      kwargs: doc.kwargs,
      hostname: doc.worker,
      retries: doc.retries,
      routingKey: doc.queue,
    });
    await extended.storeResult(id, doc.result, doc.status, { request, traceback });
    return;
  }
  switch (doc.status) {
    case states.FAILURE:
      return backend.markAsFailure(id, exceptionOf(doc), { traceback, request });
    case states.RETRY:
      return backend.markAsRetry(id, exceptionOf(doc), { traceback, request });
    case states.REVOKED:
      return backend.markAsRevoked(id, String((doc.result as { exc_message: unknown[] }).exc_message[0]), { request });
    case states.STARTED:
      return backend.markAsStarted(id, doc.result as Record<string, unknown>, { request });
    default:
      return backend.storeResult(id, doc.result, doc.status, { request, traceback });
  }
}

describe("our documents are Celery's bytes", () => {
  // success-json is left out: it holds the float 3.0, which JSON decoding turns into the
  // integer 3 (resultkit writes back what it was given; see the core codec tests for floats).
  const scenarios = ['worker-add', 'worker-fail', 'failure', 'custom-exception', 'retry', 'revoked', 'started', 'extended', 'success-datetime'];
  for (const scenario of scenarios) {
    it(`${scenario}: same calls, same bytes (date_done aside)`, async () => {
      const capture = readRedisCapture(scenario);
      const doc = backend.codec.decode(capture.bytes) as Doc;
      written.push(capture.key);
      await replay(doc);
      const ours = (await raw.getBuffer(capture.key))!;
      expect(withoutDateDone(ours)).toBe(withoutDateDone(capture.bytes));
      // date_done: null stays null; a ready state gets exactly six digits and +00:00.
      const date = /"date_done": ("[^"]*"|null)/.exec(ours.toString('latin1'))![1];
      if (doc.date_done === null) expect(date).toBe('null');
      else expect(date).toMatch(/^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00"$/);
      expect(await raw.ttl(capture.key)).toBe(86_400);
    });
  }

  it('group: GroupResult.save() bytes exactly', async () => {
    const capture = readRedisCapture('group');
    const gid = capture.key.slice('celery-taskset-meta-'.length);
    written.push(capture.key);
    await backend.saveGroup(gid, [0, 1, 2].map((i) => `${gid}-c${i}`));
    expect(Buffer.from((await raw.getBuffer(capture.key))!).equals(Buffer.from(capture.bytes))).toBe(true);
    expect(await raw.ttl(capture.key)).toBe(86_400);
  });
});

describe('what Celery stored reads as Python read it', () => {
  const scenarios = ['worker-add', 'worker-fail', 'success-json', 'success-datetime', 'failure', 'custom-exception', 'retry', 'revoked', 'started', 'extended'];
  for (const scenario of scenarios) {
    it(scenario, async () => {
      const capture = readRedisCapture(scenario);
      const text = readCaptureText('redis', scenario);
      // The reference: the JSON line Python printed after reading the value (read.py / send.py).
      const python = JSON.parse(/^\{"backend": "redis".*$/m.exec(text)![0]) as {
        status: string;
        result: unknown;
        exception: { type: string; module: string; args: unknown[] } | null;
        date_done: string | null;
        traceback_last_line: string | null;
      };
      written.push(capture.key);
      await raw.set(capture.key, Buffer.from(capture.bytes));
      const id = capture.key.slice('celery-task-meta-'.length);
      const meta = await backend.getTaskMeta(id);
      expect(meta.status).toBe(python.status);
      expect(meta.taskId).toBe(id);
      if (python.exception) {
        const error = meta.result as RemoteTaskError;
        expect(error).toBeInstanceOf(RemoteTaskError);
        expect(error.excType).toBe(python.exception.type);
        expect(error.excModule).toBe(python.exception.module);
        expect(error.excArgs).toEqual(python.exception.args);
      } else {
        // Python printed big ints as numbers; compare through JSON with BigInt as text.
        const normalise = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x));
        expect(normalise(meta.result)).toBe(normalise(python.result));
      }
      if (python.traceback_last_line) expect(meta.traceback?.trimEnd().endsWith(python.traceback_last_line)).toBe(true);
      if (python.date_done) expect(meta.dateDone?.toISOString().slice(0, 23)).toBe(python.date_done.slice(0, 23));
      else expect(meta.dateDone).toBeNull();
    });
  }

  it('Celery 5.5 documents (app-timezone date_done, kombu 5.3 envelopes) read, and their SUCCESS is kept', async () => {
    // The 5.5.3 capture from the wire-format notes (§2.1), with a kombu 5.3 datetime in the result.
    const id = '12c84d7d-d478-4e4a-9e99-d04240779fb8';
    const key = `celery-task-meta-${id}`;
    const stored =
      '{"status": "SUCCESS", "result": {"at": {"__type__": "datetime", "__value__": "2024-01-02T03:04:05.678901+00:00"}}, "traceback": null, ' +
      '"children": [], "date_done": "2026-11-23T20:42:23.239083+01:00", "name": "tasks.add", "args": [2, 3], "kwargs": {}, ' +
      `"worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "${id}"}`;
    written.push(key);
    await raw.set(key, stored);
    const meta = await backend.getTaskMeta(id);
    expect(meta.dateDone?.toISOString()).toBe('2026-11-23T19:42:23.239Z');
    expect((meta.result as { at: Date }).at.toISOString()).toBe('2024-01-02T03:04:05.678Z');
    expect(meta).toMatchObject({ name: 'tasks.add', args: [2, 3], worker: 'celery@vm', queue: 'celery' });
    await backend.markAsRetry(id, new Error('duplicate delivery'));
    expect(await raw.get(key)).toBe(stored);
  });

  it('a Celery group restores with its members in order', async () => {
    const capture = readRedisCapture('group');
    written.push(capture.key);
    await raw.set(capture.key, Buffer.from(capture.bytes));
    const gid = capture.key.slice('celery-taskset-meta-'.length);
    expect((await backend.restoreGroup(gid))?.ids).toEqual([0, 1, 2].map((i) => `${gid}-c${i}`));
  });
});
