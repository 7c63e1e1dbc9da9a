import { randomUUID } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  createBackend,
  memoryAdapter,
  MemoryAdapter,
  type AdapterContext,
  type AdapterFactory,
  type PushChannel,
  type PushListener,
  type ResultBackend,
  type TaskMeta,
} from '../src/index.js';

/**
 * A memory backend whose push channel the test controls: it can say push is down or back, ask
 * for safety polls, and it counts the batched reads core makes. Results written with
 * `writeSilently` are stored without a push message, as a writer that does not notify would.
 */
class ControlledPushAdapter extends MemoryAdapter {
  listener: PushListener | null = null;
  reads = 0;
  safetyPollInterval: number | undefined;

  override async loadMany(taskIds: readonly string[]): Promise<(TaskMeta | null | Error)[]> {
    this.reads++;
    return super.loadMany(taskIds);
  }

  override openPush(listener: PushListener): PushChannel {
    this.listener = listener;
    const channel = super.openPush(listener);
    const safety = this.safetyPollInterval;
    return { subscribe: (ids) => channel.subscribe(ids), unsubscribe: (ids) => channel.unsubscribe(ids), close: () => channel.close(), safetyPollInterval: safety };
  }
}

async function open(safetyPollInterval?: number): Promise<{ backend: ResultBackend; adapter: ControlledPushAdapter; writeSilently: (id: string, value: unknown) => Promise<void> }> {
  let adapter!: ControlledPushAdapter;
  const factory: AdapterFactory = {
    specificationVersion: 'v1',
    schemes: ['memory'],
    create: (url: string, context: AdapterContext) => {
      const base = memoryAdapter.create(url, context) as MemoryAdapter;
      adapter = new ControlledPushAdapter(base.memory, context.codec);
      adapter.safetyPollInterval = safetyPollInterval;
      return adapter;
    },
  };
  const backend = await createBackend(`memory://fallback-${randomUUID()}`, { adapter: factory });
  onTestFinished(() => backend.close());
  // A second backend on the same store writes the bytes; its store() would publish, so the
  // bytes are put in place directly instead.
  const writeSilently = async (id: string, value: unknown): Promise<void> => {
    const bytes = backend.codec.encode({ status: 'SUCCESS', result: value, traceback: null, children: [], date_done: null, task_id: id });
    adapter.memory.set(`celery-task-meta-${id}`, bytes, null);
  };
  return { backend, adapter, writeSilently };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('a push channel hands its waits to core when push is down', () => {
  it('while push is down, pending waits are served by core polling, with the wait’s interval', async () => {
    const { backend, adapter, writeSilently } = await open();
    const id = randomUUID();
    const waiting = backend.asyncResult(id).get({ timeout: 5_000, interval: 20 });
    await sleep(20);
    adapter.listener!.pushUnavailable();
    await writeSilently(id, 'found by polling');
    const started = Date.now();
    expect(await waiting).toBe('found by polling');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(backend.pendingWaits).toBe(0);
  });

  it('a wait that starts while push is down is polled too, and leaves no subscription behind', async () => {
    const { backend, adapter, writeSilently } = await open();
    // The channel opens with the first wait.
    await backend.asyncResult(randomUUID()).get({ timeout: 10 }).catch(() => {});
    adapter.listener!.pushUnavailable();
    const polled = randomUUID();
    const waiting = backend.asyncResult(polled).get({ timeout: 5_000, interval: 20 });
    await sleep(30);
    await writeSilently(polled, 'polled');
    expect(await waiting).toBe('polled');
    // Unsubscribing waits for the next turn of the event loop, after the caller's own code.
    await new Promise((resolve) => setImmediate(resolve));
    expect(adapter.memory.subscribedKeys).toBe(0);
  });

  it('once push is restored, polling stops and what was missed meanwhile is read once', async () => {
    const { backend, adapter, writeSilently } = await open();
    const missed = randomUUID();
    const later = randomUUID();
    const waitMissed = backend.asyncResult(missed).get({ timeout: 5_000, interval: 10_000 });
    const waitLater = backend.asyncResult(later).get({ timeout: 5_000, interval: 10_000 });
    await sleep(20);
    adapter.listener!.pushUnavailable();
    await sleep(20);
    // Stored during the outage, where the wait's 10 s interval means no poll would see it soon.
    await writeSilently(missed, 'missed');
    adapter.listener!.pushRestored();
    expect(await waitMissed).toBe('missed');
    const readsAfterRestore = adapter.reads;
    await sleep(150);
    expect(adapter.reads).toBe(readsAfterRestore);
    // Push carries the rest.
    await backend.storeResult(later, 'pushed');
    expect(await waitLater).toBe('pushed');
  });

  it('a channel asking for safety polls gets every pending id read at that interval while push works', async () => {
    const { backend, adapter, writeSilently } = await open(50);
    const id = randomUUID();
    const waiting = backend.asyncResult(id).get({ timeout: 5_000 });
    await sleep(20);
    await writeSilently(id, 'found by a safety poll');
    const started = Date.now();
    expect(await waiting).toBe('found by a safety poll');
    expect(Date.now() - started).toBeLessThan(1_000);
    const reads = adapter.reads;
    await sleep(150);
    // No waits left: no more reads.
    expect(adapter.reads).toBe(reads);
  });

  it('without safety polls, a silent write is not seen while push works (the channel is trusted)', async () => {
    const { backend, writeSilently } = await open();
    const id = randomUUID();
    const waiting = backend.asyncResult(id).get({ timeout: 300 }).catch((e: unknown) => e);
    await sleep(20);
    await writeSilently(id, 'never pushed');
    expect(await waiting).toMatchObject({ code: 'ERR_RESULTKIT_TIMEOUT' });
  });
});
