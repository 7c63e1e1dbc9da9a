import { randomUUID } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { AbortError, createBackend, type MemoryAdapter, TimeoutError, type ResultBackend } from '../src/index.js';

async function open(name = `mem-${randomUUID()}`, options = {}): Promise<ResultBackend> {
  const backend = await createBackend(`memory://${name}`, options);
  onTestFinished(() => backend.close());
  return backend;
}

const subscribedKeys = (backend: ResultBackend) => (backend.adapter as MemoryAdapter).memory.subscribedKeys;

describe('memory backend', () => {
  it('two backends opened with the same name share results; other names do not', async () => {
    const name = `shared-${randomUUID()}`;
    const a = await open(name);
    const b = await open(name);
    const c = await open();
    await a.storeResult('t1', 'hello');
    expect((await b.getTaskMeta('t1')).result).toBe('hello');
    expect((await c.getTaskMeta('t1')).status).toBe('PENDING');
  });

  it('stores Celery’s document bytes under Celery’s key', async () => {
    const backend = await open();
    await backend.storeResult('abc', 5);
    const bytes = (backend.adapter as MemoryAdapter).memory.get('celery-task-meta-abc');
    const text = new TextDecoder().decode(bytes!);
    expect(text).toMatch(/^\{"status": "SUCCESS", "result": 5, "traceback": null, "children": \[\], "date_done": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", "task_id": "abc"\}$/);
  });

  it('no subscription outlives its wait: completion, timeout, abort', async () => {
    const backend = await open();
    const done = backend.asyncResult('done').get({ timeout: 5_000 });
    const timedOut = backend.asyncResult('late').get({ timeout: 50 }).catch((e: unknown) => e);
    const controller = new AbortController();
    const aborted = backend.asyncResult('aborted').get({ signal: controller.signal }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 10));
    expect(subscribedKeys(backend)).toBe(3);
    await backend.storeResult('done', 1);
    controller.abort();
    expect(await done).toBe(1);
    expect(await timedOut).toBeInstanceOf(TimeoutError);
    expect(await aborted).toBeInstanceOf(AbortError);
    await new Promise((r) => setTimeout(r, 10));
    expect(subscribedKeys(backend)).toBe(0);
    expect(backend.pendingWaits).toBe(0);
  });

  it('many waiters on one id share one subscription', async () => {
    const backend = await open();
    const waits = Array.from({ length: 100 }, () => backend.asyncResult('same').get({ timeout: 5_000 }));
    await new Promise((r) => setTimeout(r, 10));
    expect(subscribedKeys(backend)).toBe(1);
    await backend.storeResult('same', 'x');
    expect(new Set(await Promise.all(waits))).toEqual(new Set(['x']));
    await new Promise((r) => setTimeout(r, 10));
    expect(subscribedKeys(backend)).toBe(0);
  });

  it('a waiter arriving right after a result resolved still sees it', async () => {
    const backend = await open();
    const first = backend.asyncResult('again').get({ timeout: 5_000 });
    await new Promise((r) => setTimeout(r, 5));
    await backend.storeResult('again', 'v');
    await first;
    // The unsubscribe of the first wait may still be pending; the second wait must not hang.
    expect(await backend.asyncResult('again').get({ timeout: 1_000 })).toBe('v');
  });

  it('expired entries are swept even when nobody reads them again', async () => {
    const backend = await open(undefined, { expires: 0.05 });
    const memory = (backend.adapter as MemoryAdapter).memory;
    for (let i = 0; i < 100; i++) await backend.storeResult(`old-${i}`, i);
    await new Promise((r) => setTimeout(r, 80));
    expect(memory.sweep()).toBe(100);
    expect(memory.size).toBe(0);
  });

  it('the store is released when its last backend closes', async () => {
    const name = `released-${randomUUID()}`;
    const a = await createBackend(`memory://${name}`);
    await a.storeResult('t', 1);
    await a.close();
    const b = await open(name);
    expect((await b.getTaskMeta('t')).status).toBe('PENDING');
  });
});
