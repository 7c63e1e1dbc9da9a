/**
 * Round trips through real CPython: what we write, `pickle.loads` reads as the intended Python
 * values (and CPython writes the very same bytes for them); what CPython writes with protocols
 * 0 to 5, we read as the intended JavaScript values. Python runs once for the whole file.
 */
import { PyDate, PyDecimal, PyTime, PyUUID, RemoteTaskError } from '@resultkit/core';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  dumps,
  loads,
  PickledAsyncResult,
  PickledGroupResult,
  PickledObject,
  PyTimedelta,
  type DumpOptions,
} from '../src/index.js';
import { describeForPython, normalizePython } from './helpers/describe.js';
import { PYTHON_DISABLED, runInterop, type InteropResponse } from './helpers/python.js';

const test = PYTHON_DISABLED ? it.skip : it;

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const unhex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));

// ------------------------------------------------------------------------------------------
// Values we write, with the options to write them.

const bigValues: Record<string, unknown> = {
  ints: [0, 1, -1, 255, 256, 65535, 65536, -65536, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER],
  bigints: [2n ** 53n + 1n, -(2n ** 63n), 2n ** 64n, 2n ** 200n, -(2n ** 200n), 2n ** 2100n, 5n],
  floats: [0.5, -1.5e-7, 1e300, -0, Infinity, -Infinity, 3.14159, 1e16, Number.NaN, 2 ** 60],
  strings: ['', 'ascii', 'héllo wörld ✓ 日本語 🚀', 'x'.repeat(300), '\u0000\n\r\'"\\', 'lone \ud800 surrogate'],
  bytes: [new Uint8Array(0), Uint8Array.of(0, 1, 0xfe, 0xff), new Uint8Array(600).map((_, i) => i % 256)],
  singletons: [null, true, false, undefined],
  nested: { a: [1, { b: [2, [3]] }], c: {}, d: [] },
  // A computed key: `'__proto__': x` in a literal would set the prototype instead.
  unicodeKeys: { 'ключ': 'значение', '': 'empty key', ['__proto__']: 'own key' },
  map: new Map<unknown, unknown>([
    [1, 'one'],
    ['two', 2],
    [[1, 2], 'tuple key'],
  ]),
  set: new Set([1, 'a', [2, 3]]),
  date: new Date('2024-01-02T03:04:05.678Z'),
  dates: [new Date('2024-01-02T03:04:05.000Z'), new Date('0005-06-07T00:00:00.001Z'), new Date('9999-12-31T23:59:59.999Z')],
  decimal: new PyDecimal('1.10'),
  decimals: [new PyDecimal('-1.5E-10'), new PyDecimal('NaN'), new PyDecimal('12345678901234567890.123')],
  uuid: new PyUUID('12345678-1234-5678-1234-567812345678'),
  uuids: [new PyUUID('00000000000000000000000000000001'), new PyUUID('ffffffffffffffffffffffffffffffff')],
  pyDate: new PyDate('2024-01-02'),
  pyTimes: [new PyTime('03:04:05'), new PyTime('03:04:05.000006'), new PyTime('03:04:05+02:00'), new PyTime('23:59:59.500000-05:30')],
  timedeltas: [new PyTimedelta(1), new PyTimedelta(-1, 5, 7), new PyTimedelta(0, 0, 0)],
  exception: new RemoteTaskError({ excType: 'ValueError', excModule: 'builtins', excArgs: ['bad', 42] }),
  customException: new RemoteTaskError({ excType: 'QuotaExceeded', excModule: 'user_errors', excArgs: ['over quota', { n: 1 }] }),
  asyncResult: new PickledAsyncResult('tid-1'),
  group: new PickledGroupResult('gid', [new PickledAsyncResult('c1'), new PickledAsyncResult('c2')]),
  shared: (() => {
    const inner = ['s'];
    return { first: inner, second: inner };
  })(),
  // The same array as a list value and as a dict key (a tuple there): two Python objects.
  twoForms: (() => {
    const pair = [1, 2];
    return { list: pair, map: new Map([[pair, 'x']]), set: new Set([1]), keyed: new Map([[new Set([1]), 'y']]) };
  })(),
  manyItems: Array.from({ length: 5000 }, (_, i) => ({ i, s: `item ${i}` })),
  bigString: 'y'.repeat(70_000),
  bigBytes: new Uint8Array(70_000).fill(7),
  nearFrame: ['a'.repeat(65_530), 'b'.repeat(10)],
};

interface Case {
  name: string;
  value: unknown;
  options: DumpOptions;
  /** Whether CPython must write exactly our bytes for the value it loaded. */
  sameBytes: boolean;
}

const cases: Case[] = [];
for (const [name, value] of Object.entries(bigValues)) {
  for (const protocol of [2, 3, 4, 5] as const) {
    const sameBytes = reproducible(name);
    cases.push({ name: `${name} p${protocol}`, value, options: { protocol }, sameBytes });
    cases.push({ name: `${name} p${protocol} simple`, value, options: { protocol, style: 'simple' }, sameBytes: false });
  }
  cases.push({ name: `${name} tuples`, value, options: { arraysAsTuples: true }, sameBytes: reproducible(name) });
}

/**
 * Whether CPython re-pickles the loaded value into our exact bytes. Not for Celery result
 * references (they reload as real AsyncResult objects, which CPython pickles with their
 * backend) nor for sets (CPython writes a set in its hash order, not in insertion order).
 */
function reproducible(name: string): boolean {
  return !['asyncResult', 'group', 'set'].includes(name);
}

// ------------------------------------------------------------------------------------------
// Values CPython writes, and what we must read.

function expectedFromPython(): Record<string, unknown> {
  return {
    ints: [
      0, 1, -1, 255, 256, 65535, 65536, -65536, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1,
      2n ** 53n, 2n ** 53n + 1n, -(2n ** 63n), 2n ** 64n, 2n ** 200n, -(2n ** 200n),
    ],
    floats: [0.5, -1.5e-7, 1e300, -0, Infinity, -Infinity, 3.14159, 1e16],
    nan: Number.NaN,
    strings: ['', 'ascii', 'héllo wörld ✓ 日本語 🚀', 'back\\slash \\u1234 new\nline', 'x'.repeat(300), '\u0000\u001a\r\'"'],
    lone_surrogate: '\ud800x',
    bytes: [new Uint8Array(0), Uint8Array.of(0, 1, 0xfe, 0xff), Uint8Array.from({ length: 512 }, (_, i) => i % 256)],
    bytearray: Uint8Array.of(0x61, 0x62, 0xff),
    singletons: [null, true, false],
    tuples: [[], [1], [1, 2], [1, 2, 3], [1, 2, 3, 4]],
    nested: { a: [1, { b: [2, [3]] }], c: {} },
    int_keys: new Map([
      [1, 'one'],
      [2, 'two'],
    ]),
    tuple_keys: new Map([[[1, 2], 'x']]),
    set: new Set([1, 2, 3]),
    frozenset: new Set(['a']),
    datetime_naive: new Date('2024-01-02T03:04:05.678Z'),
    datetime_utc: new Date('2024-01-02T03:04:05.678Z'),
    datetime_plus2: new Date('2024-01-02T01:04:05Z'),
    datetime_minus5: new Date('2024-01-02T08:04:05Z'),
    datetime_pytz_berlin: new Date('2024-07-02T01:04:05Z'),
    datetime_pytz_utc: new Date('2024-07-02T03:04:05Z'),
    datetime_zoneinfo_berlin: new Date('2024-01-02T02:04:05Z'),
    // 02:30 happens twice in Berlin on 2024-10-27: first in CEST (+2), then in CET (+1).
    datetime_zoneinfo_fold0: new Date('2024-10-27T00:30:00Z'),
    // (CPython only pickles `fold` from protocol 4: below that it reads back as fold 0.)
    datetime_zoneinfo_fold1: new Date('2024-10-27T01:30:00Z'),
    date: new PyDate('2024-01-02'),
    date_early: new PyDate('0005-06-07'),
    time: new PyTime('03:04:05.000006'),
    time_tz: new PyTime('03:04:05+02:00'),
    timedelta: new PyTimedelta(-1, 5, 7),
    decimal: new PyDecimal('1.10'),
    decimal_exp: new PyDecimal('-1.5E-10'),
    uuid: new PyUUID('12345678-1234-5678-1234-567812345678'),
    ordered: { b: 1, a: 2 },
    counter: { a: 2, b: 1 },
    defaultdict: { k: [1] },
    exc_dict: { exc_type: 'ValueError', exc_message: ['bad', 42], exc_module: 'builtins' },
  };
}

const exceptions: Record<string, { excType: string; excModule: string; excArgs: unknown[] }> = {
  value_error: { excType: 'ValueError', excModule: 'builtins', excArgs: ['bad', 42] },
  revoked: { excType: 'TaskRevokedError', excModule: 'celery.exceptions', excArgs: ['revoked'] },
  wrapper: { excType: 'MyErr', excModule: 'mymod', excArgs: ['a', 1] },
};

// ------------------------------------------------------------------------------------------

let python: InteropResponse;

beforeAll(async () => {
  if (PYTHON_DISABLED) return;
  python = await runInterop({
    produce: true,
    load: cases.map((c) => ({ name: c.name, hex: hex(dumps(c.value, c.options)), protocol: c.options.protocol ?? 4 })),
  });
}, 120_000);

describe('what we write, CPython reads', () => {
  test('pickle.loads returns the intended Python value for every case', () => {
    expect(python.loaded).toHaveLength(cases.length);
    cases.forEach((c, i) => {
      const result = python.loaded[i];
      expect(result?.name).toBe(c.name);
      expect(result?.error, c.name).toBeUndefined();
      expect(normalizePython(result?.value), c.name).toEqual(describeForPython(c.value, c.options));
    });
  });

  test('CPython re-pickles the loaded value into exactly our bytes (python style)', () => {
    const different = cases.filter((c, i) => c.sameBytes && python.loaded[i]?.repickled_same !== true).map((c) => c.name);
    expect(different).toEqual([]);
  });

  test('a GroupResult we write is a real celery.result.GroupResult with the same ids', () => {
    const loaded = python.loaded.find((l) => l.name === 'group p2 simple');
    expect(loaded?.value).toEqual({ GroupResult: 'gid', results: [{ AsyncResult: 'c1' }, { AsyncResult: 'c2' }] });
  });
});

describe('what CPython writes, we read', () => {
  const protocols = ['0', '1', '2', '3', '4', '5'];

  test('plain values, every protocol', () => {
    const expected = expectedFromPython();
    for (const [name, value] of Object.entries(expected)) {
      for (const protocol of protocols) {
        const bytes = python.produced[name]?.[protocol];
        expect(bytes, `${name} p${protocol}`).toBeDefined();
        const foldLost = name === 'datetime_zoneinfo_fold1' && Number(protocol) < 4;
        expect(loads(unhex(bytes as string)), `${name} p${protocol}`).toEqual(foldLost ? expected.datetime_zoneinfo_fold0 : value);
      }
    }
  });

  test('exceptions become RemoteTaskError with their type, module and args', () => {
    for (const [name, shape] of Object.entries(exceptions)) {
      for (const protocol of protocols) {
        const value = loads(unhex(python.produced[name]?.[protocol] ?? ''));
        expect(value, `${name} p${protocol}`).toBeInstanceOf(RemoteTaskError);
        const error = value as RemoteTaskError;
        expect({ excType: error.excType, excModule: error.excModule, excArgs: error.excArgs }, `${name} p${protocol}`).toEqual(shape);
      }
    }
  });

  test('shared references stay shared, and a list that contains itself decodes to a cyclic array', () => {
    for (const protocol of protocols) {
      const shared = loads(unhex(python.produced.shared?.[protocol] ?? '')) as unknown[][];
      expect(shared).toEqual([['s'], ['s']]);
      expect(shared[0]).toBe(shared[1]);
      const recursive = loads(unhex(python.produced.recursive?.[protocol] ?? '')) as unknown[];
      expect(recursive).toHaveLength(1);
      expect(recursive[0]).toBe(recursive);
    }
  });

  test('a "__proto__" key is an own property, not a prototype', () => {
    for (const protocol of protocols) {
      const value = loads(unhex(python.produced.proto_key?.[protocol] ?? '')) as Record<string, unknown>;
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
      expect(Object.keys(value)).toEqual(['__proto__']);
      expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toBe(1);
    }
  });

  test('classes outside the allow-list are refused, or with strict: false stay inert PickledObjects with their state', () => {
    for (const protocol of protocols) {
      expect(() => loads(unhex(python.produced.custom?.[protocol] ?? ''))).toThrow(/__main__\.Custom/);
      const custom = loads(unhex(python.produced.custom?.[protocol] ?? ''), { strict: false }) as PickledObject;
      expect(custom).toBeInstanceOf(PickledObject);
      expect([custom.module, custom.name, custom.args, custom.state]).toEqual(['__main__', 'Custom', [], { a: 1, b: [2, 'three'] }]);
      const complex = loads(unhex(python.produced.complex?.[protocol] ?? ''), { strict: false }) as PickledObject;
      expect([complex.module, complex.name, complex.args]).toEqual(['builtins', 'complex', [1, 2]]);
    }
  });

  test("Celery's own AsyncResult and GroupResult pickles decode to result references", () => {
    for (const protocol of protocols) {
      expect(loads(unhex(python.produced.async_result?.[protocol] ?? ''))).toEqual(new PickledAsyncResult('tid'));
      expect(loads(unhex(python.produced.group?.[protocol] ?? ''))).toEqual(
        new PickledGroupResult('gid', [new PickledAsyncResult('c1'), new PickledAsyncResult('c2')]),
      );
    }
  });

  test('what we read from CPython, we write back as CPython would (protocols 2-5)', () => {
    // Values whose JavaScript form loses nothing Python pickles: the bytes must match exactly.
    // ('nested' is not: its tuple comes back as a list.)
    const lossless = ['ints', 'strings', 'bytes', 'singletons', 'int_keys', 'set', 'date', 'uuid', 'decimal', 'exc_dict'];
    for (const name of lossless) {
      for (const protocol of [2, 3, 4, 5] as const) {
        const original = python.produced[name]?.[String(protocol)] ?? '';
        const value = loads(unhex(original));
        const tuples = name === 'exc_dict';
        expect(hex(dumps(value, { protocol, arraysAsTuples: tuples })), `${name} p${protocol}`).toBe(original);
      }
    }
  });
});
