import { getEventListeners } from 'node:events';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { AbortError, createBackend, type ResultBackend } from '../src/index.js';

async function open(url = `memory://signal-${randomUUID()}`): Promise<ResultBackend> {
  const backend = await createBackend(url);
  onTestFinished(() => backend.close());
  return backend;
}

const abortListeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

// Node prints MaxListenersExceededWarning through process warnings; every test here fails if one
// is emitted while it runs.
let warnings: Error[] = [];
const onWarning = (warning: Error): void => void warnings.push(warning);
beforeEach(() => {
  warnings = [];
  process.on('warning', onWarning);
});
afterEach(() => {
  process.off('warning', onWarning);
});
const settleWarnings = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe.each([
  ['push', undefined],
  ['polling', 'memory://signal-poll?push=false'],
])('one AbortSignal shared by many waits (%s)', (_mode, url) => {
  it('10,000 waits add one abort listener, abort together, and leave none behind', async () => {
    const backend = await open(url ?? undefined);
    const controller = new AbortController();
    const waits = Array.from({ length: 10_000 }, (_, i) =>
      backend.asyncResult(`never-${i}-${randomUUID()}`).get({ signal: controller.signal }).catch((e: unknown) => e),
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(abortListeners(controller.signal)).toBe(1);
    controller.abort('enough');
    const errors = await Promise.all(waits);
    expect(errors.every((e) => e instanceof AbortError)).toBe(true);
    expect(abortListeners(controller.signal)).toBe(0);
    expect(backend.pendingWaits).toBe(0);
    await settleWarnings();
    expect(warnings.map(String)).toEqual([]);
  });

  it('waits that finish remove their share, and the last one removes the listener', async () => {
    const backend = await open(url ?? undefined);
    const controller = new AbortController();
    const ids = Array.from({ length: 50 }, () => randomUUID());
    const waits = ids.map((id) => backend.asyncResult(id).get({ signal: controller.signal, interval: 5 }));
    await new Promise((r) => setTimeout(r, 10));
    expect(abortListeners(controller.signal)).toBe(1);
    for (const id of ids) await backend.storeResult(id, id);
    expect(await Promise.all(waits)).toEqual(ids);
    expect(abortListeners(controller.signal)).toBe(0);
  });

  it('ResultSet.join with a signal: 100 members pending or already done, no warning, no listener left', async () => {
    const backend = await open(url ?? undefined);
    const controller = new AbortController();
    const done = Array.from({ length: 100 }, () => randomUUID());
    for (const id of done) await backend.storeResult(id, 1);
    expect(await backend.resultSet(done).join({ signal: controller.signal, timeout: 5_000 })).toHaveLength(100);

    const pending = Array.from({ length: 100 }, () => randomUUID());
    const join = backend.resultSet(pending).join({ signal: controller.signal, timeout: 5_000, interval: 5 });
    await new Promise((r) => setTimeout(r, 10));
    expect(abortListeners(controller.signal)).toBe(1);
    for (const id of pending) await backend.storeResult(id, 2);
    expect(await join).toHaveLength(100);
    expect(abortListeners(controller.signal)).toBe(0);
    await settleWarnings();
    expect(warnings.map(String)).toEqual([]);
  });

  it('twenty joins sharing one signal are all aborted by it', async () => {
    const backend = await open(url ?? undefined);
    const controller = new AbortController();
    const joins = Array.from({ length: 20 }, () =>
      backend.resultSet([randomUUID(), randomUUID()]).join({ signal: controller.signal }).catch((e: unknown) => e),
    );
    await new Promise((r) => setTimeout(r, 10));
    expect(abortListeners(controller.signal)).toBe(1);
    controller.abort();
    expect((await Promise.all(joins)).every((e) => e instanceof AbortError)).toBe(true);
    expect(abortListeners(controller.signal)).toBe(0);
    await settleWarnings();
    expect(warnings.map(String)).toEqual([]);
  });
});

describe('one AbortSignal shared by many one-shot calls', () => {
  it('100 getTaskMeta calls with one signal add one abort listener and leave none', async () => {
    const backend = await open();
    const controller = new AbortController();
    const reads = Array.from({ length: 100 }, () => backend.getTaskMeta(randomUUID(), { signal: controller.signal }));
    expect(abortListeners(controller.signal)).toBeLessThanOrEqual(1);
    expect((await Promise.all(reads)).every((meta) => meta.status === 'PENDING')).toBe(true);
    expect(abortListeners(controller.signal)).toBe(0);
    await settleWarnings();
    expect(warnings.map(String)).toEqual([]);
  });
});
