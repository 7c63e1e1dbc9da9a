import { createBackend, type AdapterFactory, type BackendAdapter } from '@resultkit/core';
import { describe, expect, it, onTestFinished } from 'vitest';

describe('taskProperties', () => {
  it('a backend without its own gives a stable per-process reply-to and the task id, as Celery does', async () => {
    const a = await createBackend('memory://task-properties-a');
    const b = await createBackend('memory://task-properties-b');
    onTestFinished(() => Promise.all([a.close(), b.close()]).then(() => undefined));
    const first = await a.taskProperties('id-1');
    expect(first.correlationId).toBe('id-1');
    expect(first.replyTo).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(await a.taskProperties('id-2')).toEqual({ replyTo: first.replyTo, correlationId: 'id-2' });
    expect((await b.taskProperties('id-3')).replyTo).toBe(first.replyTo);
  });

  it("an adapter's own taskProperties is used, and the request's replyTo reaches its store", async () => {
    const seen: unknown[] = [];
    const memory = await createBackend('memory://task-properties-c');
    const inner = memory.adapter;
    const adapter: AdapterFactory = {
      specificationVersion: 'v1',
      schemes: ['memory'],
      create: (): BackendAdapter => ({
        specificationVersion: 'v1',
        name: 'spy',
        capabilities: inner.capabilities,
        store: (meta, options) => {
          seen.push(options.request);
          return inner.store(meta, options);
        },
        load: (id) => inner.load(id),
        remove: (id) => inner.remove(id),
        taskProperties: async (id) => ({ replyTo: 'my-queue', correlationId: id }),
        close: () => inner.close(),
      }),
    };
    const backend = await createBackend('memory://', { adapter });
    onTestFinished(() => backend.close());
    expect(await backend.taskProperties('x')).toEqual({ replyTo: 'my-queue', correlationId: 'x' });
    await backend.storeResult('x', 1, 'SUCCESS', { request: { replyTo: 'q', correlationId: 'c' } });
    expect(seen).toEqual([{ replyTo: 'q', correlationId: 'c' }]);
  });
});
