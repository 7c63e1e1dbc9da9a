/**
 * The one-pass reader of plain data against the general reader (graph, then reviver): for any
 * bytes, it either steps aside or builds the very same value, down to which containers are
 * shared, which contain themselves, their types and their key order. It must never accept what
 * the general reader refuses.
 */
import { MAX_NESTING_DEPTH, PyFloat } from '@resultkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { dumps, loads } from '../src/index.js';
import { Op } from '../src/opcodes.js';
import { NOT_PLAIN, readPlain } from '../src/plain-reader.js';
import { readGeneral } from '../src/unpickler.js';
import { pk, su, u32 } from './helpers/bytes.js';

/**
 * Why `a` and `b` differ as object graphs, or null when they do not: same types and prototypes,
 * same keys in the same order, same leaves (`Object.is`), and containers paired one to one, so
 * sharing and cycles must match too.
 */
function graphDifference(a: unknown, b: unknown): string | null {
  const pairs = new Map<unknown, unknown>();
  const paired = new Set<unknown>();
  const pending: [unknown, unknown, string][] = [[a, b, '$']];
  while (pending.length > 0) {
    const [x, y, path] = pending.pop()!;
    if (typeof x !== 'object' || x === null || typeof y !== 'object' || y === null) {
      if (!Object.is(x, y)) return `${path}: ${String(x)} !== ${String(y)}`;
      continue;
    }
    if (pairs.has(x)) {
      if (pairs.get(x) !== y) return `${path}: shared differently`;
      continue;
    }
    if (paired.has(y)) return `${path}: shared differently`;
    pairs.set(x, y);
    paired.add(y);
    if (Object.getPrototypeOf(x) !== Object.getPrototypeOf(y)) return `${path}: ${x.constructor?.name} vs ${y.constructor?.name}`;
    if (x instanceof Uint8Array) {
      if (Buffer.compare(x, y as Uint8Array) !== 0) return `${path}: different bytes`;
      continue;
    }
    if (x instanceof PyFloat) {
      if (!Object.is(x.value, (y as PyFloat).value)) return `${path}: different floats`;
      continue;
    }
    const xKeys = Reflect.ownKeys(x);
    const yKeys = Reflect.ownKeys(y);
    if (xKeys.join('\u0000') !== yKeys.join('\u0000')) return `${path}: keys ${xKeys.join(',')} vs ${yKeys.join(',')}`;
    for (const key of xKeys) {
      const xd = Object.getOwnPropertyDescriptor(x, key)!;
      const yd = Object.getOwnPropertyDescriptor(y, key)!;
      if (xd.enumerable !== yd.enumerable || xd.writable !== yd.writable) return `${path}.${String(key)}: different descriptor`;
      pending.push([xd.value, yd.value, `${path}.${String(key)}`]);
    }
  }
  return null;
}

/** The general reader's outcome: its value, or the error it throws. */
function general(data: Uint8Array, exact: boolean): { value: unknown } | { error: unknown } {
  try {
    return { value: readGeneral(data, { exact }) };
  } catch (error) {
    return { error };
  }
}

/** Checks one pickle; returns whether the one-pass reader took it. */
function agrees(data: Uint8Array, exact: boolean): boolean {
  const plain = readPlain(data, exact);
  if (plain === NOT_PLAIN) return false;
  const expected = general(data, exact);
  if ('error' in expected) throw new Error(`read ${Buffer.from(data).toString('hex')}, which the general reader refuses: ${String(expected.error)}`);
  const difference = graphDifference(plain, expected.value);
  if (difference) throw new Error(`${Buffer.from(data).toString('hex')} reads differently: ${difference}`);
  return true;
}

const PROTO4 = [Op.PROTO, 4];
const STOP = Op.STOP;

describe('the one-pass reader of plain data', () => {
  // A typical task result: a few fields, a short list of records, some non-ASCII text.
  const typical = { job: 'nightly-export', rows: 7, seconds: 0.25, files: [{ path: 'a.csv', owner: 'Zoë', kept: true }, { path: 'b.csv', owner: null, kept: false }] };
  const values: Record<string, unknown> = {
    typical,
    leaves: [null, true, false, 0, -1, 255, 256, 65_535, 65_536, -(2 ** 31), 2 ** 31, 2 ** 53 - 1, 2n ** 64n, -(2n ** 70n), 0.5, -0, 3, Number.NaN, Infinity],
    text: ['', 'ascii', 'héllo ✓ 日本語 🚀', 'lone \ud800 surrogate', 'x'.repeat(300)],
    bytes: [new Uint8Array(0), Uint8Array.of(0, 1, 255), new Uint8Array(300).fill(7)],
    keys: { b: 1, 2: 'two', 1: 'one', ['__proto__']: { inner: [] }, constructor: 'c', '': 'empty' },
    nested: { a: [[1, [2]], { b: null }], t: [], u: {} },
    wide: Array.from({ length: 2_000 }, (_, i) => ({ i, name: `n${i}` })),
  };

  it('reads what the writer makes, with every protocol that writes bytes inline, as the general reader does', () => {
    for (const [name, value] of Object.entries(values)) {
      for (const protocol of [3, 4, 5] as const) {
        for (const arraysAsTuples of [false, true]) {
          const data = dumps(value, { protocol, arraysAsTuples });
          for (const exact of [false, true]) {
            expect(agrees(data, exact), `${name}, protocol ${protocol}, tuples ${arraysAsTuples}, exact ${exact}`).toBe(true);
          }
        }
      }
    }
  });

  it('reads a typical task result, and loads gives the same value from a Buffer', () => {
    const data = dumps(typical, { protocol: 5 });
    expect(readPlain(data, false)).toEqual(typical);
    expect(loads(Buffer.from(data))).toEqual(typical);
  });

  it('keeps shared containers shared and cycles cyclic', () => {
    // [x, x] with x = [] through the memo, a list that contains itself, a dict that contains itself.
    const shared = pk(PROTO4, ']', 0x94, '(', ']', 0x94, 'h', 1, 'e', '.');
    const list = readPlain(shared, false) as unknown[][];
    expect(list).toHaveLength(2);
    expect(list[0]).toBe(list[1]);
    const cyclicList = readPlain(pk(PROTO4, ']', 0x94, 'h', 0, 'a', '.'), false) as unknown[];
    expect(cyclicList[0]).toBe(cyclicList);
    const cyclicDict = readPlain(pk(PROTO4, '}', 0x94, su('me'), 'h', 0, 's', '.'), false) as Record<string, unknown>;
    expect(cyclicDict.me).toBe(cyclicDict);
    for (const data of [shared, pk(PROTO4, ']', 0x94, 'h', 0, 'a', '.'), pk(PROTO4, '}', 0x94, su('me'), 'h', 0, 's', '.')]) {
      expect(agrees(data, false)).toBe(true);
    }
  });

  it('steps aside for globals, sets, non-string keys, protocol 0 text and malformed input', () => {
    const aside = [
      dumps(new Date('2024-01-02T03:04:05Z'), { protocol: 4 }),
      dumps(new Set([1]), { protocol: 4 }),
      dumps(new Map([[1, 'one']]), { protocol: 4 }),
      dumps({ b: Uint8Array.of(1) }, { protocol: 2 }),
      pk('(lp0\nI1\na.'),
      pk(PROTO4, ']', 'a', STOP), // APPEND with nothing to append
      pk(PROTO4, ')', 0x94, 'h', 0, 'a', STOP), // APPEND to a tuple
      pk(PROTO4, '}', 'K', 1, 'K', 2, 's', STOP), // an int key
      pk(PROTO4, su('a'), 'h', 3, STOP), // a memo entry never stored
      pk(PROTO4, 0x8c, 3, 0x61, 0xff, 0x62, STOP), // invalid UTF-8
      pk(PROTO4, 0x58, ...u32(0xffffffff), 0x61), // a length past the end
      pk(PROTO4, ']'), // no STOP
      pk(Op.PROTO, 6, 'N', STOP),
    ];
    for (const data of aside) expect(readPlain(data, false)).toBe(NOT_PLAIN);
  });

  it('leaves nesting at the limit to the reviver when it could be too deep, and reads it when it cannot', () => {
    const nested = (depth: number): Uint8Array => pk(PROTO4, ']'.repeat(depth), 'a'.repeat(depth - 1), '.');
    // A chain of MAX_NESTING_DEPTH lists is read here; one more is refused by the general reader.
    expect(agrees(nested(MAX_NESTING_DEPTH), false)).toBe(true);
    expect(readPlain(nested(MAX_NESTING_DEPTH + 1), false)).toBe(NOT_PLAIN);
    expect(() => loads(nested(MAX_NESTING_DEPTH + 1))).toThrow(/nested more than 1000 levels/);
    // Many containers, shallow and shared: the reviver decides, as it walks.
    const many = pk(PROTO4, ']', 0x94, '(', ']'.repeat(MAX_NESTING_DEPTH), 'h', 0, 'e', '.');
    expect(readPlain(many, false)).toBe(NOT_PLAIN);
    expect(loads(many)).toHaveLength(MAX_NESTING_DEPTH + 1);
  });

  it('leaves many containers shared along exponentially many paths to the reviver at once', () => {
    // L0 = [], Li = [L(i-1), L(i-1)]: 2^26 paths to L0, though only 27 lists; and 1,000 more
    // lists in L26, so that nesting is worth checking. Walking every path would take minutes.
    const levels = 26;
    const parts: (number | number[])[] = [...PROTO4, Op.EMPTY_LIST, Op.MEMOIZE];
    for (let i = 1; i <= levels; i++) {
      parts.push(Op.POP, Op.EMPTY_LIST, Op.MEMOIZE, Op.MARK, Op.BINGET, i - 1, Op.BINGET, i - 1, Op.APPENDS);
    }
    parts.push(Op.MARK, new Array<number>(MAX_NESTING_DEPTH).fill(Op.EMPTY_LIST), Op.APPENDS, STOP);
    const data = pk(...parts);
    const started = performance.now();
    expect(readPlain(data, false)).toBe(NOT_PLAIN);
    expect(performance.now() - started).toBeLessThan(1_000);
    const top = loads(data) as unknown[][];
    expect(top).toHaveLength(2 + MAX_NESTING_DEPTH);
    expect(top[0]).toBe(top[1]);
  });
});

// Opcode soup of the plain-data opcodes: random structure, sharing, cycles and stack errors.
const plainToken: fc.Arbitrary<number[]> = fc.oneof(
  {
    arbitrary: fc
      .constantFrom(
        Op.MARK, Op.POP, Op.POP_MARK, Op.DUP, Op.MEMOIZE, Op.NONE, Op.NEWTRUE, Op.NEWFALSE, Op.EMPTY_LIST, Op.APPEND,
        Op.APPENDS, Op.LIST, Op.EMPTY_TUPLE, Op.TUPLE, Op.TUPLE1, Op.TUPLE2, Op.TUPLE3, Op.EMPTY_DICT, Op.DICT,
        Op.SETITEM, Op.SETITEMS, Op.STOP,
      )
      .map((op) => [op]),
    weight: 10,
  },
  { arbitrary: fc.tuple(fc.constantFrom(Op.BININT1, Op.BINGET, Op.BINPUT), fc.integer({ min: 0, max: 8 })).map(([op, n]) => [op, n]), weight: 4 },
  { arbitrary: fc.constantFrom('a', 'b', '__proto__', '1', '').map((s) => su(s)), weight: 5 },
  { arbitrary: fc.uint8Array({ maxLength: 4 }).map((b) => [Op.SHORT_BINBYTES, b.length, ...b]), weight: 1 },
  { arbitrary: fc.double().map((d) => [Op.BINFLOAT, ...new Uint8Array(new Float64Array([d]).buffer).reverse()]), weight: 1 },
  { arbitrary: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((n) => [Op.LONG1, ...longBytes(n)]), weight: 1 },
);

/** LONG1's length and little-endian two's complement bytes. */
function longBytes(n: bigint): number[] {
  const bytes: number[] = [];
  let v = n;
  while (bytes.length === 0 || !((v === 0n && (bytes[bytes.length - 1]! & 0x80) === 0) || (v === -1n && (bytes[bytes.length - 1]! & 0x80) !== 0))) {
    bytes.push(Number(v & 0xffn));
    v >>= 8n;
  }
  return [bytes.length, ...bytes];
}

describe('the one-pass reader against the general reader, on random input', () => {
  it('opcode soup of plain data: the same value, or it steps aside', () => {
    let taken = 0;
    fc.assert(
      fc.property(fc.array(plainToken, { maxLength: 40 }), fc.boolean(), (tokens, exact) => {
        if (agrees(Uint8Array.from([...PROTO4, ...tokens.flat(), STOP]), exact)) taken++;
      }),
      { numRuns: 20_000 },
    );
    // The soup must exercise the reader, not only its refusals.
    expect(taken).toBeGreaterThan(2_000);
  });

  it('mutated pickles of plain data: never a value the general reader refuses, nor a different one', () => {
    const corpus = [
      dumps({ a: [1, 'x', { b: [true, null] }], c: 'é', d: Uint8Array.of(1, 2), e: 2n ** 70n, f: 1.5 }, { protocol: 5 }),
      dumps([[1, 2], [3, [4, [5]]], { k: 'v' }], { protocol: 4, arraysAsTuples: true }),
      dumps({ x: 'y'.repeat(70), z: [0.25, -7, 65_536] }, { protocol: 3 }),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...corpus), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }), fc.nat(), fc.boolean(), (base, edits, cut, exact) => {
        const data = base.slice(0, base.length - (cut % 4));
        for (const [at, byte] of edits) data[at % data.length] = byte;
        agrees(data, exact);
      }),
      { numRuns: 20_000 },
    );
  });
});
