import { describe, expect, it } from 'vitest';
import { createBackend, migrate, MigrationLossError, PyDatetime, PyFloat, PyTuple } from '../src/index.js';
import { InOrderWindow, readAhead } from '../src/migrate/pipeline.js';
import { holdsExactlyAsJson } from '../src/migrate/plain-json.js';
import { createPickleSerializer } from '../../serializer-pickle/src/index.js';

const later = <T>(ms: number, value: T): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), ms));

describe('the migration pipeline', () => {
  it('takes the results of operations in the order they were added, however they finish', async () => {
    const window = new InOrderWindow(3);
    const taken: number[] = [];
    await window.add(later(30, 1), (v) => taken.push(v));
    await window.add(later(1, 2), (v) => taken.push(v));
    await window.add(later(10, 3), (v) => taken.push(v));
    await window.add(later(1, 4), (v) => taken.push(v));
    await window.drain();
    expect(taken).toEqual([1, 2, 3, 4]);
  });

  it('throws the first failure in order and lets the rest settle', async () => {
    const window = new InOrderWindow(4);
    const taken: number[] = [];
    await window.add(later(5, 1), (v) => taken.push(v));
    await window.add(Promise.reject(new Error('write failed')), () => taken.push(-1));
    await window.add(later(5, 3), (v) => taken.push(v));
    await expect(window.drain()).rejects.toThrow('write failed');
    await window.settle();
    expect(taken).toEqual([1]);
  });

  it('asks for the next item while the current one is worked on, and closes the source when the loop stops', async () => {
    const asked: number[] = [];
    let closed = false;
    async function* source(): AsyncGenerator<number> {
      try {
        for (let i = 0; i < 10; i++) {
          asked.push(i);
          yield i;
        }
      } finally {
        closed = true;
      }
    }
    for await (const item of readAhead(source())) {
      await later(5, null);
      expect(asked).toContain(item + 1);
      if (item === 2) break;
    }
    expect(closed).toBe(true);
  });

  it('knows the values JSON holds exactly, and says nothing of the rest', () => {
    expect(holdsExactlyAsJson({ a: [1, 2.5, 'x', null, true, 2n ** 70n, new PyFloat(3)], b: {} })).toBe(true);
    for (const value of [PyTuple.of(1), new PyDatetime('2026-01-02T03:04:05.678901+02:00', 7200), new Uint8Array(1), -0, Number.NaN, new Map(), { __type__: 'datetime' }, new Date(0)]) {
      expect(holdsExactlyAsJson({ value })).toBe(false);
    }
  });

  it('names an entry the target cannot encode at all, even with allowLossy', async () => {
    const pickle = createPickleSerializer();
    const from = await createBackend('memory://pipeline-bytes-from', { serializer: 'pickle', accept: ['pickle'], serializers: [pickle] });
    const to = await createBackend('memory://pipeline-bytes-to');
    await from.storeResult('raw', { data: new Uint8Array([0, 255]) });
    for (const allowLossy of [false, true]) {
      const error = await migrate(from, to, { allowLossy }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationLossError);
      expect((error as MigrationLossError).message).toMatch(/task raw .* at all .*bytes.*allowLossy does not change that/);
    }
    await Promise.all([from.close(), to.close()]);
  });
});
