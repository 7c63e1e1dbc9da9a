import { PyDatetime, PyFloat, PyTuple } from '@resultkit/core';
import { describe, expect, it } from 'vitest';
import { dumps, loads } from '../src/index.js';

describe('exact reading (loads with exact: true)', () => {
  it('a datetime keeps its microseconds and offset, a tuple stays a tuple, 3.0 stays a float', () => {
    const value = {
      aware: new PyDatetime('2026-01-02T03:04:05.678901+02:00', 7200),
      utc: new PyDatetime('2026-01-02T03:04:05.000001+00:00', 0),
      naive: new PyDatetime('2026-01-02T03:04:05', null),
      pair: PyTuple.of<number | string>(1, 'a'),
      three: new PyFloat(3),
      list: [1, 2],
    };
    const back = loads(dumps(value), { exact: true }) as typeof value;
    expect(back.aware).toEqual(value.aware);
    expect(back.utc).toEqual(value.utc);
    expect(back.naive).toEqual(value.naive);
    expect(back.pair).toBeInstanceOf(PyTuple);
    expect([...back.pair]).toEqual([1, 'a']);
    expect(back.three).toBeInstanceOf(PyFloat);
    expect(back.list).not.toBeInstanceOf(PyTuple);
    // Without exact the same bytes read as before: a Date, a plain array, a number.
    const plain = loads(dumps(value)) as Record<string, unknown>;
    expect(plain.aware).toEqual(new Date('2026-01-02T01:04:05.678Z'));
    expect(plain.pair).not.toBeInstanceOf(PyTuple);
    expect(plain.three).toBe(3);
  });
});
