import { PyDate, PyDecimal, PyTime, PyUUID, RemoteTaskError } from '@resultkit/core';
import { describe, expect, it } from 'vitest';

import { dumps, loads, PickledAsyncResult, PickledGlobal, PickledGroupResult, PickledObject, PyTimedelta } from '../src/index.js';
import { hex, pk, u32 } from './helpers/bytes.js';

/** Spec §4.4: the exception dict of ValueError('bad', 42), written by a memo-free protocol-2 encoder. */
const SPEC_EXCEPTION_DICT = pk(
  '\x80\x02}(',
  'X', u32(8), 'exc_type',
  'X', u32(10), 'ValueError',
  'X', u32(11), 'exc_message',
  '(', 'X', u32(3), 'bad', 'K*', 't',
  'X', u32(10), 'exc_module',
  'X', u32(8), 'builtins',
  'u.',
);

describe('the bytes of the wire-format spec', () => {
  it('writes the §4.4 protocol-2 exception dict byte for byte (simple style)', () => {
    const error = new RemoteTaskError({ excType: 'ValueError', excModule: 'builtins', excArgs: ['bad', 42] });
    expect(hex(dumps(error, { protocol: 2, style: 'simple' }))).toBe(hex(SPEC_EXCEPTION_DICT));
    const dict = { exc_type: 'ValueError', exc_message: ['bad', 42], exc_module: 'builtins' };
    expect(hex(dumps(dict, { protocol: 2, style: 'simple', arraysAsTuples: true }))).toBe(hex(SPEC_EXCEPTION_DICT));
  });

  it("writes the §4.5 minimal GroupResult pickle (GroupResult(gid, [AsyncResult(id), ...]))", () => {
    const group = new PickledGroupResult('gid', [new PickledAsyncResult('c1'), new PickledAsyncResult('c2')]);
    const expected = pk(
      '\x80\x02',
      'ccelery.result\nGroupResult\n',
      '(', 'X', u32(3), 'gid',
      ']', '(',
      'ccelery.result\nAsyncResult\n', '(', 'X', u32(2), 'c1', 't', 'R',
      'ccelery.result\nAsyncResult\n', '(', 'X', u32(2), 'c2', 't', 'R',
      'e', 't', 'R', '.',
    );
    expect(hex(dumps(group, { protocol: 2, style: 'simple' }))).toBe(hex(expected));
    expect(loads(expected)).toEqual(group);
  });

  it('writes an int the way Celery stored SUCCESS 5 with protocol 5', () => {
    expect(hex(dumps(5, { protocol: 5 }))).toBe('80054b052e');
    expect(hex(dumps(5))).toBe('80044b052e');
  });
});

describe('integers and floats', () => {
  it('picks the opcode Python picks for each integer', () => {
    const ops = (n: number | bigint): string => hex(dumps(n, { protocol: 2 })).slice(4, -2);
    expect(ops(0)).toBe('4b00');
    expect(ops(255)).toBe('4bff');
    expect(ops(256)).toBe('4d0001');
    expect(ops(65535)).toBe('4dffff');
    expect(ops(65536)).toBe('4a00000100');
    expect(ops(-1)).toBe('4affffffff');
    expect(ops(2 ** 31)).toBe('8a050000008000');
    expect(ops(-(2 ** 31) - 1)).toBe('8a05ffffff7fff');
    expect(ops(255n)).toBe('4bff');
    expect(ops(2n ** 63n)).toBe('8a09000000000000008000');
    expect(ops(-(2n ** 63n))).toBe('8a080000000000000080');
    expect(ops(-(2n ** 39n))).toBe('8a050000000080');
    expect(ops(2n ** 2100n).slice(0, 10)).toBe('8b07010000');
  });

  it('writes non-integral, unsafe, negative-zero and non-finite numbers as floats', () => {
    for (const n of [0.5, -0, Number.NaN, Infinity, -Infinity, 2 ** 60, 1e300]) {
      const bytes = dumps(n, { protocol: 2 });
      expect(bytes[2]).toBe(0x47); // BINFLOAT
      expect(Object.is(loads(bytes), n) || (Number.isNaN(n) && Number.isNaN(loads(bytes)))).toBe(true);
    }
  });
});

describe('what the writer accepts', () => {
  it('round-trips every supported kind of value', () => {
    const value = {
      none: null,
      flags: [true, false],
      text: 'héllo ✓ 🚀 \ud800',
      bytes: Uint8Array.of(0, 255),
      big: 2n ** 100n,
      when: new Date('2024-01-02T03:04:05.678Z'),
      decimal: new PyDecimal('-1.10'),
      uuid: new PyUUID('12345678-1234-5678-1234-567812345678'),
      date: new PyDate('0005-06-07'),
      times: [new PyTime('03:04:05'), new PyTime('03:04:05.000006+02:00'), new PyTime('23:00:00+00:00')],
      timedelta: new PyTimedelta(-1, 5, 7),
      map: new Map<unknown, unknown>([
        [1, 'one'],
        [[1, 2], 'tuple key'],
        [new Set(['a']), 'frozenset key'],
      ]),
      set: new Set([1, 2, 3]),
      result: new PickledAsyncResult('t1', new PickledAsyncResult('parent')),
      group: new PickledGroupResult('g', [new PickledAsyncResult('a')], new PickledAsyncResult('p')),
    };
    for (const protocol of [2, 3, 4, 5] as const) {
      for (const style of ['python', 'simple'] as const) {
        expect(loads(dumps(value, { protocol, style })), `p${protocol} ${style}`).toEqual({
          ...value,
          big: 2n ** 100n,
          // 23:00+00:00 is written with timezone.utc, whose isoformat is +00:00.
          times: [new PyTime('03:04:05'), new PyTime('03:04:05.000006+02:00'), new PyTime('23:00:00+00:00')],
        });
      }
    }
  });

  it('writes undefined as None', () => {
    expect(loads(dumps({ a: undefined, b: [undefined] }))).toEqual({ a: null, b: [null] });
  });

  it('writes a RemoteTaskError as Celery\'s exception dict, never as an exception instance', () => {
    const error = new RemoteTaskError({ excType: 'QuotaExceeded', excModule: null, excArgs: ['x', [1, 2]] });
    expect(loads(dumps(error))).toEqual({ exc_type: 'QuotaExceeded', exc_message: ['x', [1, 2]], exc_module: 'builtins' });
  });

  it('shares repeated objects through the memo (python style) and repeats them (simple style)', () => {
    const inner = { k: 'v' };
    const value = [inner, inner];
    const python = loads(dumps(value)) as unknown[];
    expect(python[0]).toBe(python[1]);
    const simple = loads(dumps(value, { style: 'simple' })) as unknown[];
    expect(simple).toEqual([inner, inner]);
    expect(simple[0]).not.toBe(simple[1]);
  });

  it('refuses cycles with a TypeError', () => {
    const list: unknown[] = [];
    list.push(list);
    expect(() => dumps(list)).toThrow(TypeError);
    const obj: Record<string, unknown> = {};
    obj.self = { obj };
    expect(() => dumps(obj, { style: 'simple' })).toThrow(/cycle/);
  });

  it('refuses to write PickledObject and PickledGlobal: resultkit never writes arbitrary calls', () => {
    expect(() => dumps(new PickledObject('os', 'system'))).toThrow(/PickledObject.*os\.system/);
    expect(() => dumps([new PickledGlobal('os', 'system')])).toThrow(TypeError);
  });

  it('refuses values Python cannot represent, saying what they are', () => {
    expect(() => dumps(() => 1)).toThrow(/function/);
    expect(() => dumps(Symbol('s'))).toThrow(/symbol/);
    expect(() => dumps(new (class Widget {})())).toThrow(/Widget/);
    expect(() => dumps(new Error('plain'))).toThrow(/Error/);
    expect(() => dumps(new Date(Number.NaN))).toThrow(/invalid Date/);
    expect(() => dumps(new Date('+010000-01-01T00:00:00Z'))).toThrow(RangeError);
    expect(() => dumps(new Map([[{}, 1]]))).toThrow(/hash/);
    expect(() => dumps(new PyDate('2024-02-30'))).toThrow(RangeError);
    expect(() => dumps(new PyTime('25:00'))).toThrow(RangeError);
    expect(() => dumps(new PyDecimal('1.2.3'))).toThrow(/decimal/);
  });

  it('refuses nesting deeper than 1000 with a RangeError instead of overflowing the stack', () => {
    let deep: unknown = [];
    for (let i = 0; i < 1000; i++) deep = [deep];
    expect(() => dumps(deep)).toThrow(RangeError);
    let fine: unknown = [];
    for (let i = 0; i < 900; i++) fine = [fine];
    expect(() => dumps(fine)).not.toThrow();
  });

  it('refuses protocols it does not write', () => {
    expect(() => dumps(1, { protocol: 1 as 2 })).toThrow(RangeError);
    expect(() => dumps(1, { protocol: 6 as 5 })).toThrow(RangeError);
  });
});

describe('framing (protocol 4+, python style)', () => {
  it('writes no FRAME for a pickle under 4 bytes, and one FRAME otherwise', () => {
    expect(hex(dumps(5, { protocol: 4 }))).toBe('80044b052e');
    expect(hex(dumps('ab', { protocol: 4 }))).toBe('8004950600000000000000' + '8c026162942e');
  });

  it('splits frames at 64 KiB and writes big strings and bytes outside frames', () => {
    const bytes = dumps([new Uint8Array(70_000), 'x'.repeat(10)], { protocol: 4 });
    // PROTO, then the 3-byte frame `]\x94(` without a FRAME header, then BINBYTES directly.
    expect(hex(bytes.subarray(0, 10))).toBe('80045d9428' + '4270110100');
    const [big, text] = loads(bytes) as [Uint8Array, string];
    expect(Buffer.from(big).equals(Buffer.alloc(70_000))).toBe(true);
    expect(text).toBe('x'.repeat(10));
  });

  it('writes ASCII text in place with the same opcodes as any other text, big text outside frames', () => {
    // 255 bytes still fit SHORT_BINUNICODE (8c ff), 256 need BINUNICODE (58 + 4-byte length).
    expect(hex(dumps('a'.repeat(255), { protocol: 4 }).subarray(11, 13))).toBe('8cff');
    expect(hex(dumps('a'.repeat(256), { protocol: 4 }).subarray(11, 16))).toBe('5800010000');
    for (const big of ['y'.repeat(70_000), 'é'.repeat(35_000)]) {
      const bytes = dumps([big], { protocol: 5 });
      // The 2-byte frame `]\x94` (no FRAME header), then the 70,000-byte string outside it.
      expect(hex(bytes.subarray(0, 9))).toBe('80055d94' + '5870110100');
      expect(loads(bytes)).toEqual([big]);
    }
  });

  it('a pickle written while another is being written, and after a larger one, has its own bytes', () => {
    const small = hex(dumps({ a: 'b' }, { protocol: 5 }));
    const outer = {
      get inner() {
        return dumps('inner', { protocol: 5 });
      },
      after: 'z'.repeat(300),
    };
    const written = loads(dumps(outer, { protocol: 5 })) as { inner: Uint8Array; after: string };
    expect(loads(written.inner)).toBe('inner');
    expect(written.after).toBe('z'.repeat(300));
    dumps('w'.repeat(5_000), { protocol: 5 });
    expect(hex(dumps({ a: 'b' }, { protocol: 5 }))).toBe(small);
  });
});
