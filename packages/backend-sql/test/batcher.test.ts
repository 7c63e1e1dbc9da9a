import { describe, expect, it } from 'vitest';
import { ReadBatcher, WriteBatcher } from '../src/batcher.js';

interface Write {
  id: string;
  value: number;
}

/** A fake store with the SQL backend's semantics: one statement may not touch a row twice. */
function fakeStore(options: { failOn?: (w: Write) => boolean; retryable?: boolean; delayMs?: number } = {}) {
  const rows = new Map<string, number>();
  const statements: Write[][] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const write = async (items: Write[]): Promise<void> => {
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    try {
      statements.push(items);
      const ids = new Set(items.map((w) => w.id));
      if (ids.size !== items.length) throw new Error('ON CONFLICT DO UPDATE command cannot affect row a second time');
      await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 1));
      if (items.some((w) => options.failOn?.(w))) throw Object.assign(new Error('value too long'), { retryable: options.retryable ?? false });
      for (const w of items) rows.set(w.id, w.value);
    } finally {
      concurrent--;
    }
  };
  return { rows, statements, write, maxConcurrent: () => maxConcurrent };
}

function batcher(store: ReturnType<typeof fakeStore>, maxRows = 100, maxInFlight = 4) {
  return new WriteBatcher<Write>({
    write: store.write,
    isRetryable: (e) => (e as { retryable?: boolean }).retryable === true,
    maxRows,
    maxInFlight,
  });
}

describe('coalescing stores', () => {
  it('stores made in one turn of the event loop go out as one statement', async () => {
    const store = fakeStore();
    const b = batcher(store);
    await Promise.all(Array.from({ length: 50 }, (_, i) => b.submit(`t${i}`, { id: `t${i}`, value: i })));
    expect(store.statements).toHaveLength(1);
    expect(store.rows.size).toBe(50);
  });

  it('splits at maxRows and keeps at most maxInFlight statements running', async () => {
    const store = fakeStore({ delayMs: 5 });
    const b = batcher(store, 10, 2);
    await Promise.all(Array.from({ length: 95 }, (_, i) => b.submit(`t${i}`, { id: `t${i}`, value: i })));
    expect(store.statements.every((s) => s.length <= 10)).toBe(true);
    expect(store.maxConcurrent()).toBeLessThanOrEqual(2);
    expect(store.rows.size).toBe(95);
  });

  it('repeated writes of one id land in order: the final state is the last write', async () => {
    const store = fakeStore();
    const b = batcher(store);
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 5; i++) for (const id of ['a', 'b', 'c']) writes.push(b.submit(id, { id, value: i }));
    await Promise.all(writes);
    expect(Object.fromEntries(store.rows)).toEqual({ a: 4, b: 4, c: 4 });
    // Round k holds each id's k-th write; no statement touches a row twice.
    expect(store.statements.map((s) => s.map((w) => w.id).join(''))).toEqual(['abc', 'abc', 'abc', 'abc', 'abc']);
  });

  it('a write of an id already in flight waits for it, even across batches', async () => {
    const store = fakeStore({ delayMs: 20 });
    const b = batcher(store, 100, 4);
    const first = b.submit('x', { id: 'x', value: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    // The first statement is in flight now; these arrive while it runs.
    const later = [b.submit('x', { id: 'x', value: 2 }), b.submit('y', { id: 'y', value: 1 }), b.submit('x', { id: 'x', value: 3 })];
    await Promise.all([first, ...later]);
    expect(store.rows.get('x')).toBe(3);
    expect(store.statements.flat().filter((w) => w.id === 'x').map((w) => w.value)).toEqual([1, 2, 3]);
  });

  it('one bad row fails only its own caller', async () => {
    const store = fakeStore({ failOn: (w) => w.id === 'bad' });
    const b = batcher(store);
    const results = await Promise.allSettled(['a', 'bad', 'c'].map((id) => b.submit(id, { id, value: 1 })));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect([...store.rows.keys()].sort()).toEqual(['a', 'c']);
  });

  it('a lost connection fails the whole statement at once (core retries each store)', async () => {
    const store = fakeStore({ failOn: (w) => w.id === 'a', retryable: true });
    const b = batcher(store);
    const results = await Promise.allSettled(['a', 'b'].map((id) => b.submit(id, { id, value: 1 })));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(store.statements).toHaveLength(1);
  });

  it('drain() waits for queued and running stores', async () => {
    const store = fakeStore({ delayMs: 10 });
    const b = batcher(store, 5, 1);
    for (let i = 0; i < 20; i++) void b.submit(`t${i}`, { id: `t${i}`, value: i });
    await b.drain();
    expect(store.rows.size).toBe(20);
  });
});

describe('coalescing reads', () => {
  it('concurrent reads share one query, and a read of the same id twice asks once', async () => {
    const queries: string[][] = [];
    const b = new ReadBatcher<string | null>({
      read: async (keys) => {
        queries.push(keys);
        return keys.map((k) => (k === 'broken' ? new Error('corrupt') : k === 'missing' ? null : `value of ${k}`));
      },
      maxRows: 100,
      maxInFlight: 2,
    });
    const results = await Promise.allSettled(['a', 'b', 'a', 'missing', 'broken'].map((k) => b.submit(k)));
    expect(queries).toEqual([['a', 'b', 'missing', 'broken']]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      'value of a',
      'value of b',
      'value of a',
      null,
      'corrupt',
    ]);
  });
});
