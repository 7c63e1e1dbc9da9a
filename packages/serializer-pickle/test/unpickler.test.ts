import { DecodeError, MAX_NESTING_DEPTH, PyUUID, RemoteTaskError } from '@resultkit/core';
import { describe, expect, it } from 'vitest';

import { dumps, loads, PickledAsyncResult, PickledGlobal, PickledGroupResult, PickledObject, PyTimedelta } from '../src/index.js';
import { bu, pk, su, u32, u64, utf8 } from './helpers/bytes.js';

const PROTO4 = [0x80, 4];

function decodeError(run: () => unknown): DecodeError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    return error as DecodeError;
  }
  throw new Error('expected a DecodeError');
}

describe('protocol 0 and 1 (text opcodes)', () => {
  it('reads INT, LONG, FLOAT, STRING, UNICODE, the INT booleans and PUT/GET', () => {
    const data = pk(
      '(lp0\n',
      'I1\na',
      'I-42\na',
      'F1.5\na',
      'Fnan\na',
      'F-inf\na',
      "S'a\\x41\\n\\'q\\101'\np1\na",
      'V\\u00e9\\u005c x \\U0001F680\np2\na',
      'I01\naI00\na',
      'L123456789012345678901234567890L\na',
      'L-5\na',
      'g1\na',
      '.',
    );
    const value = loads(data) as unknown[];
    expect(value.slice(0, 3)).toEqual([1, -42, 1.5]);
    expect(value[3]).toBeNaN();
    expect(value.slice(4)).toEqual([
      -Infinity,
      "aA\n'qA",
      'é\\ x 🚀',
      true,
      false,
      123456789012345678901234567890n,
      -5,
      "aA\n'qA",
    ]);
  });

  it('reads DICT, TUPLE, POP, POP_MARK and DUP', () => {
    expect(loads(pk('(S\'a\'\nI1\nS\'b\'\n(I2\nI3\ntd.'))).toEqual({ a: 1, b: [2, 3] });
    expect(loads(pk('I1\nI2\n0.'))).toBe(1);
    expect(loads(pk('I1\n(I2\nI3\n1.'))).toBe(1);
    expect(loads(pk('(I7\n2t.'))).toEqual([7, 7]);
  });

  it('reads Python 2 str (BINSTRING, SHORT_BINSTRING) as Latin-1 text', () => {
    expect(loads(pk('T', u32(3), 'a\xe9\xff', '.'))).toBe('aé\u00ff');
    expect(loads(pk('U', 2, '\x80\x9f', '.'))).toBe('\u0080\u009f');
  });

  it('builds INST and OBJ calls as data', () => {
    const inst = loads(pk('(I1\nI2\nimymod\nThing\n.'), { strict: false }) as PickledObject;
    expect([inst.module, inst.name, inst.args]).toEqual(['mymod', 'Thing', [1, 2]]);
    const obj = loads(pk('(cmymod\nThing\nI3\no.'), { strict: false }) as PickledObject;
    expect([obj.module, obj.name, obj.args]).toEqual(['mymod', 'Thing', [3]]);
    // Python 2 names of Python 3 modules are mapped, as Python 3's unpickler does.
    const error = loads(pk('cexceptions\nValueError\n(S\'x\'\ntR.')) as RemoteTaskError;
    expect([error.excType, error.excModule, error.excArgs]).toEqual(['ValueError', 'builtins', ['x']]);
  });
});

describe('binary opcodes', () => {
  it('reads every integer opcode, keeping safe integers as numbers and the rest as bigints', () => {
    const ints = loads(
      pk(
        PROTO4, ']', '(',
        'K', 255,
        'M', 0xff, 0xff,
        'J', u32(0xffffffff),
        0x8a, 0,
        0x8a, 1, 0x80,
        0x8a, 7, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f],
        0x8a, 7, [1, 0, 0, 0, 0, 0, 0x20],
        0x8b, u32(9), [0, 0, 0, 0, 0, 0, 0, 0, 0x80],
        'e.',
      ),
    );
    expect(ints).toEqual([255, 65535, -1, 0, -128, 2 ** 53 - 1, 2n ** 53n + 1n, -(2n ** 71n)]);
  });

  it('reads BINFLOAT, BINUNICODE8, BINBYTES8 and BYTEARRAY8', () => {
    const value = loads(
      pk(PROTO4, ']', '(', 'G', [0x3f, 0xe0, 0, 0, 0, 0, 0, 0], 0x8d, u64(2), 'hi', 0x8e, u64(1), 0xff, 0x96, u64(2), 1, 2, 'e.'),
    );
    expect(value).toEqual([0.5, 'hi', Uint8Array.of(0xff), Uint8Array.of(1, 2)]);
  });

  it('copies bytes out of the input instead of aliasing it', () => {
    const data = pk(PROTO4, 'C', 2, 1, 2, '.');
    const bytes = loads(data) as Uint8Array;
    data[4] = 9;
    expect(bytes).toEqual(Uint8Array.of(1, 2));
  });

  it('decodes UTF-8 with surrogatepass, like Python', () => {
    expect(loads(pk(PROTO4, 0x8c, 4, 0xed, 0xa0, 0x80, 0x78, '.'))).toBe('\ud800x');
    decodeError(() => loads(pk(PROTO4, 0x8c, 2, 0xc3, 0x28, '.')));
  });

  it('reads sets and frozensets as Set', () => {
    expect(loads(pk(PROTO4, 0x8f, '(', 'K', 1, 'K', 2, 0x90, '.'))).toEqual(new Set([1, 2]));
    expect(loads(pk(PROTO4, '(', su('a'), 0x91, '.'))).toEqual(new Set(['a']));
  });

  it('ignores FRAME boundaries and trailing bytes after STOP', () => {
    expect(loads(pk(PROTO4, 0x95, u64(3), 'K', 5, '.', 'garbage'))).toBe(5);
  });

  it('accepts a Node Buffer (a Uint8Array view into a larger pool)', () => {
    expect(loads(Buffer.from(dumps({ a: [1, 'x'] })))).toEqual({ a: [1, 'x'] });
  });

  it('reads bytes out of a Buffer as plain Uint8Array copies, which later writes to the Buffer leave alone', () => {
    // Plain data, and the same with a datetime, which takes the general reader.
    for (const value of [{ b: Uint8Array.of(1, 2, 3) }, { b: Uint8Array.of(1, 2, 3), when: new Date(0) }]) {
      const input = Buffer.from(dumps(value, { protocol: 4 }));
      const { b } = loads(input) as { b: Uint8Array };
      input.fill(0);
      expect(Object.getPrototypeOf(b)).toBe(Uint8Array.prototype);
      expect([...b]).toEqual([1, 2, 3]);
    }
  });
});

describe('the shapes of decoded values', () => {
  it('returns tuples as plain, mutable arrays', () => {
    const value = loads(pk(PROTO4, 'K', 1, 'K', 2, 0x86, '.')) as number[];
    expect(value).toEqual([1, 2]);
    expect(Object.isFrozen(value)).toBe(false);
  });

  it('returns a dict with only string keys as a plain object, and any other dict as a Map', () => {
    expect(loads(pk(PROTO4, '}(', su('a'), 'K', 1, su('b'), 'K', 2, 'u.'))).toEqual({ a: 1, b: 2 });
    const map = loads(pk(PROTO4, '}(', su('a'), 'K', 1, 'K', 2, su('two'), 'K', 1, 'K', 2, 0x86, su('t'), 'u.'));
    expect(map).toEqual(
      new Map<unknown, unknown>([
        ['a', 1],
        [2, 'two'],
        [[1, 2], 't'],
      ]),
    );
  });

  it('keeps a "__proto__" key as an own property and never touches prototypes', () => {
    const value = loads(pk(PROTO4, '}', su('__proto__'), '}', su('polluted'), 0x88, 's', 's.')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ polluted: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('decodes a bare global reference to a PickledGlobal', () => {
    const value = loads(pk(PROTO4, su('celery.backends.database'), su('DatabaseBackend'), 0x93, '.'));
    expect(value).toEqual(new PickledGlobal('celery.backends.database', 'DatabaseBackend'));
    expect(String(value)).toBe('celery.backends.database.DatabaseBackend');
  });

  it('records everything a call outside the allow-list would have done', () => {
    const value = loads(
      pk(PROTO4, su('app.models'), su('Thing'), 0x93, 'K', 1, 0x85, 'R', '}', su('x'), 'K', 2, 's', 'b', '.'),
      { strict: false },
    ) as PickledObject;
    expect(value).toBeInstanceOf(PickledObject);
    expect([value.module, value.name, value.args, value.state, value.items, value.entries]).toEqual([
      'app.models', 'Thing', [1], { x: 2 }, null, null,
    ]);
    const withItems = loads(
      pk(PROTO4, su('app'), su('MyList'), 0x93, ')', 'R', 'K', 1, 'a', su('k'), 'K', 2, 's', '.'),
      { strict: false },
    ) as PickledObject;
    expect([withItems.items, withItems.entries]).toEqual([[1], { k: 2 }]);
  });

  it('maps the allow-listed forwarding helpers to the call they stand for', () => {
    // copyreg._reconstructor(uuid.UUID, object, None) + BUILD: how protocols 0-1 write a UUID.
    const uuid = loads(
      pk('ccopy_reg\n_reconstructor\n(cuuid\nUUID\nc__builtin__\nobject\nNtR(dV', 'int\nL1L\nsb.'),
    );
    expect(uuid).toEqual(new PyUUID('00000000-0000-0000-0000-000000000001'));
    // celery.app.base._unpickle_appattr('GroupResult', (gid, [_unpickle_appattr('AsyncResult', (id,))])).
    const appattr = (name: string): number[] => [...su('celery.app.base'), ...su('_unpickle_appattr'), 0x93, ...su(name)];
    const group = loads(
      pk(PROTO4, appattr('GroupResult'), su('gid'), ']', appattr('AsyncResult'), su('c1'), 0x85, 0x86, 'R', 'a', 0x86, 0x86, 'R', '.'),
    );
    expect(group).toEqual(new PickledGroupResult('gid', [new PickledAsyncResult('c1')]));
  });

  it("reads the spec's minimal protocol-2 GroupResult pickle", () => {
    const data = pk(
      0x80, 2,
      'ccelery.result\nGroupResult\n',
      '(', bu('gid'), ']', '(',
      'ccelery.result\nAsyncResult\n', '(', bu('c1'), 'tR',
      'ccelery.result\nAsyncResult\n', '(', bu('c2'), 'tR',
      'e', 't', 'R', '.',
    );
    expect(loads(data)).toEqual(new PickledGroupResult('gid', [new PickledAsyncResult('c1'), new PickledAsyncResult('c2')]));
  });

  it('reads a timedelta as PyTimedelta', () => {
    const value = loads(pk(PROTO4, su('datetime'), su('timedelta'), 0x93, 'K', 1, 'K', 2, 'K', 3, 0x87, 'R', '.'));
    expect(value).toEqual(new PyTimedelta(1, 2, 3));
    expect((value as PyTimedelta).totalSeconds()).toBeCloseTo(86_402.000003, 9);
  });

  it('lets isException extend the exception allow-list', () => {
    const data = pk(PROTO4, su('myapp.errors'), su('Boom'), 0x93, su('x'), 0x85, 'R', '.');
    expect(() => loads(data)).toThrow(/myapp\.errors\.Boom/);
    expect(loads(data, { strict: false })).toBeInstanceOf(PickledObject);
    const error = loads(data, { isException: (module) => module.startsWith('myapp.') }) as RemoteTaskError;
    expect(error).toBeInstanceOf(RemoteTaskError);
    expect([error.excType, error.excModule, error.excArgs, error.message]).toEqual(['Boom', 'myapp.errors', ['x'], 'x']);
  });
});

describe('cycles, sharing and size', () => {
  it('decodes a list that contains itself to a cyclic array', () => {
    const value = loads(pk(PROTO4, ']', 0x94, 'h', 0, 'a', '.')) as unknown[];
    expect(value[0]).toBe(value);
  });

  it('decodes a dict that contains itself to a cyclic object', () => {
    const value = loads(pk(PROTO4, '}', 0x94, su('me'), 'h', 0, 's', '.')) as Record<string, unknown>;
    expect(value.me).toBe(value);
  });

  it('refuses an exception that contains itself, cleanly', () => {
    // ValueError((<the exception itself>,)) cannot exist; a crafted pickle may still say so.
    const data = pk(PROTO4, su('builtins'), su('ValueError'), 0x93, ']', 0x94, 0x85, 'R', 0x94, 'h', 0, 'h', 1, 'a', '0', '.');
    expect(decodeError(() => loads(data)).message).toMatch(/contains itself/);
  });

  it('shares, instead of copying, a value referenced many times (2^60 logical elements)', () => {
    const parts: number[] = [...PROTO4, ...su('leaf'), 0x94];
    for (let i = 0; i < 60; i++) parts.push(0x28, 0x68, i, 0x68, i, 0x6c, 0x94); // MARK, GET i twice, LIST, MEMOIZE
    parts.push(0x2e);
    const started = performance.now();
    let value = loads(Uint8Array.from(parts)) as unknown[];
    expect(performance.now() - started).toBeLessThan(100);
    for (let depth = 0; depth < 59; depth++) {
      expect(value[0]).toBe(value[1]);
      value = value[0] as unknown[];
    }
  });

  // `depth` EMPTY_LISTs, then depth - 1 APPENDs each putting a list into the one below it.
  const nested = (depth: number): Uint8Array => pk(PROTO4, ']'.repeat(depth), 'a'.repeat(depth - 1), '.');

  it('reads lists nested as deep as the limit every serializer shares', () => {
    let value = loads(nested(MAX_NESTING_DEPTH)) as unknown[];
    let levels = 1;
    while (value.length > 0) {
      value = value[0] as unknown[];
      levels++;
    }
    expect(levels).toBe(MAX_NESTING_DEPTH);
  });

  it('refuses deeper nesting with a DecodeError, even 200,000 levels, without exhausting the call stack', () => {
    expect(decodeError(() => loads(nested(MAX_NESTING_DEPTH + 1))).message).toMatch(/nested more than 1000 levels/);
    expect(decodeError(() => loads(nested(200_000))).message).toMatch(/nested more than 1000 levels/);
  });
});

describe('decompression bombs: reuse through the memo cannot multiply the work', () => {
  // Each bomb stores one big value in the memo, then uses it in 20,000 calls of a few bytes each.
  const calls = 20_000;
  const bigList = pk('(', 'K\x01'.repeat(50_000), 'l', 0x94);
  const bigTuple = pk('(', 'K\x01'.repeat(50_000), 't', 0x94);
  const bigText = pk('X', u32(100_000), 'a'.repeat(100_000), 0x94);

  function bomb(setup: Uint8Array, call: readonly number[]): Uint8Array {
    return pk(PROTO4, setup, '(', Array.from({ length: calls }, () => call).flat(), 'l.');
  }

  const cases: Record<string, Uint8Array> = {
    'set(big_list)': bomb(pk(su('builtins'), su('set'), 0x93, 0x94, bigList), [0x68, 0, 0x68, 1, 0x85, 0x52]),
    '_codecs.encode(big_text)': bomb(pk(su('_codecs'), su('encode'), 0x93, 0x94, bigText, su('latin1'), 0x94), [0x68, 0, 0x68, 1, 0x68, 2, 0x86, 0x52]),
    'ValueError(big_list)': bomb(pk(su('builtins'), su('ValueError'), 0x93, 0x94, bigList), [0x68, 0, 0x68, 1, 0x85, 0x52]),
    'OrderedDict(big_pairs)': bomb(
      pk(su('collections'), su('OrderedDict'), 0x93, 0x94, '(', 'K\x01K\x02\x86'.repeat(20_000), 'l', 0x94),
      [0x68, 0, 0x68, 1, 0x85, 0x52],
    ),
  };

  for (const [name, data] of Object.entries(cases)) {
    it(`refuses ${name} repeated ${calls} times, quickly`, () => {
      const started = performance.now();
      expect(decodeError(() => loads(data)).message).toMatch(/reuses values/);
      expect(performance.now() - started).toBeLessThan(3000);
    });
  }

  it('shares one big argument tuple between 20,000 recorded calls instead of copying it', () => {
    const started = performance.now();
    const objects = loads(bomb(pk(su('app'), su('Thing'), 0x93, 0x94, bigTuple), [0x68, 0, 0x68, 1, 0x52]), { strict: false }) as PickledObject[];
    expect(performance.now() - started).toBeLessThan(3000);
    expect(objects).toHaveLength(calls);
    expect(objects[0]?.args).toHaveLength(50_000);
    expect(objects[0]?.args).toBe(objects[calls - 1]?.args);
  });

  it('decodes an exception whose argument is a 2^60-element tree of shared lists, with a short message', () => {
    // Memo 0 is 'leaf'; memo i+1 is [memo i, memo i] (each list is popped once memoized).
    const parts: number[] = [...PROTO4, ...su('builtins'), ...su('ValueError'), 0x93, ...su('leaf'), 0x94, 0x30];
    for (let i = 0; i < 60; i++) parts.push(0x28, 0x68, i, 0x68, i, 0x6c, 0x94, 0x30);
    parts.push(0x68, 60, 0x85, 0x52, 0x2e);
    const started = performance.now();
    const error = loads(Uint8Array.from(parts)) as RemoteTaskError;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(RemoteTaskError);
    expect(error.message).toBe('(1 arguments, too large to format)');
    expect(error.excArgs).toHaveLength(1);
  });
});

describe('malformed input is a DecodeError that says where', () => {
  it('rejects every truncation of a valid pickle with the offset', () => {
    const data = dumps({ a: [1, 2.5, 'héllo', 2n ** 70n, Uint8Array.of(1)], b: new Date(0) }, { protocol: 5 });
    for (let end = 0; end < data.length; end++) {
      const error = decodeError(() => loads(data.subarray(0, end)));
      expect(error.message).toMatch(/offset \d+/);
    }
  });

  it('refuses declared lengths beyond the input before allocating anything', () => {
    const cases: Uint8Array[] = [
      pk(PROTO4, 0x8e, u64(2 ** 40), '.'), // BINBYTES8 of 1 TiB
      pk(PROTO4, 0x96, u64(2n ** 63n), '.'), // BYTEARRAY8 beyond 2^53
      pk(PROTO4, 0x8d, u64(2 ** 33), '.'), // BINUNICODE8
      pk(PROTO4, 'B', u32(0xffffffff), '.'), // BINBYTES of 4 GiB
      pk(PROTO4, 'X', u32(0xffffffff), '.'), // BINUNICODE of 4 GiB
      pk(PROTO4, 0x8b, u32(0x7fffffff), '.'), // LONG4 of 2 GiB
      pk(PROTO4, 'T', u32(0x7fffffff), '.'), // BINSTRING of 2 GiB
      pk(PROTO4, 0x95, u64(2 ** 50), '.'), // FRAME of 1 PiB
    ];
    for (const data of cases) {
      const started = performance.now();
      const error = decodeError(() => loads(data));
      expect(error.message).toMatch(/offset 3|offset \d+/);
      expect(performance.now() - started).toBeLessThan(50);
    }
  });

  it('refuses a negative LONG4 or BINSTRING length', () => {
    decodeError(() => loads(pk(PROTO4, 0x8b, u32(0xffffffff), '.')));
    decodeError(() => loads(pk(PROTO4, 'T', u32(0xfffffff0), '.')));
  });

  it('reads long FLOAT lines in linear time, valid or not', () => {
    expect(loads(pk('F', '1'.repeat(100_000), '.5\n.'))).toBe(Infinity);
    const started = performance.now();
    decodeError(() => loads(pk('F', '1'.repeat(100_000), 'x\n.')));
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('refuses decimal integers longer than Python accepts (4300 digits)', () => {
    expect(loads(pk('I', '9'.repeat(4300), '\n.'))).toBe(10n ** 4300n - 1n);
    expect(decodeError(() => loads(pk('I', '9'.repeat(4301), '\n.'))).message).toMatch(/4300/);
  });

  it('names what is unsupported: persistent ids, the extension registry, out-of-band buffers', () => {
    expect(decodeError(() => loads(pk('Pabc\n.'))).message).toMatch(/persistent/);
    expect(decodeError(() => loads(pk(PROTO4, 'K', 1, 'Q', '.'))).message).toMatch(/persistent/);
    for (const op of [0x82, 0x83, 0x84]) expect(decodeError(() => loads(pk(0x80, 2, op, 1, 0, 0, 0, '.'))).message).toMatch(/extension/);
    for (const op of [0x97, 0x98]) expect(decodeError(() => loads(pk(0x80, 5, op, '.'))).message).toMatch(/out-of-band/);
  });

  it('refuses unknown protocols and opcodes', () => {
    expect(decodeError(() => loads(pk(0x80, 6, 'K', 1, '.'))).message).toMatch(/protocol 6/);
    expect(decodeError(() => loads(pk(PROTO4, 0xff))).message).toMatch(/invalid opcode 0xff \(opcode at offset 2\)/);
  });

  it('refuses stack underflow, a missing MARK, an unknown memo key and structural nonsense', () => {
    decodeError(() => loads(pk(PROTO4, '.')));
    decodeError(() => loads(pk(PROTO4, 'K', 1, 'e.')));
    decodeError(() => loads(pk(PROTO4, 'h', 3, '.')));
    decodeError(() => loads(pk(PROTO4, 'K', 1, 'K', 2, 'a.'))); // APPEND to an int
    decodeError(() => loads(pk(PROTO4, ')', 'K', 2, 'a.'))); // APPEND to a tuple
    decodeError(() => loads(pk(PROTO4, ']', 'K', 1, 'K', 2, 's.'))); // SETITEM on a list
    decodeError(() => loads(pk(PROTO4, 'K', 1, '}', 'b.'))); // BUILD on an int
    decodeError(() => loads(pk(PROTO4, 'K', 1, 'K', 2, 0x93, '.'))); // STACK_GLOBAL of ints
    decodeError(() => loads(pk(PROTO4, su('m'), su('f'), 0x93, 'K', 1, 'R', '.'))); // REDUCE without a tuple
    decodeError(() => loads(pk('(I1\nd.'))); // DICT with an odd number of items
  });

  it('refuses invalid datetime states', () => {
    const datetime = (state: number[]): Uint8Array => pk(PROTO4, su('datetime'), su('datetime'), 0x93, 'C', state.length, state, 0x85, 'R', '.');
    expect(loads(datetime([7, 232, 1, 2, 3, 4, 5, 0, 0, 0]))).toEqual(new Date('2024-01-02T03:04:05Z'));
    expect(decodeError(() => loads(datetime([7, 232, 13, 2, 3, 4, 5, 0, 0, 0]))).message).toMatch(/invalid date/);
    expect(decodeError(() => loads(datetime([7, 232, 2, 30, 3, 4, 5, 0, 0, 0]))).message).toMatch(/invalid date/);
    expect(decodeError(() => loads(datetime([7, 232, 1, 2, 24, 4, 5, 0, 0, 0]))).message).toMatch(/invalid time/);
    expect(decodeError(() => loads(datetime([7, 232, 1, 2]))).message).toMatch(/datetime/);
  });

  it('rejects input that is not a Uint8Array', () => {
    decodeError(() => loads('not bytes' as unknown as Uint8Array));
  });
});

describe('time zones', () => {
  it('uses the UTC offset of timezone(timedelta) and pytz, and zone names through Intl', () => {
    const state = [...su('datetime'), ...su('datetime'), 0x93, 'C'.charCodeAt(0), 10, 7, 232, 7, 2, 3, 4, 5, 0, 0, 0];
    const pytzBerlin = pk(PROTO4, state, su('pytz'), su('_p'), 0x93, '(', su('Europe/Berlin'), 'M', 0x20, 0x1c, 'M', 0x10, 0x0e, su('CEST'), 't', 'R', 0x86, 'R', '.');
    expect(loads(pytzBerlin)).toEqual(new Date('2024-07-02T01:04:05Z'));
    const zoneinfo = pk(PROTO4, state, su('zoneinfo'), su('ZoneInfo._unpickle'), 0x93, su('America/New_York'), 'K', 1, 0x86, 'R', 0x86, 'R', '.');
    expect(loads(zoneinfo)).toEqual(new Date('2024-07-02T07:04:05Z'));
    const unknownZone = pk(PROTO4, state, su('zoneinfo'), su('ZoneInfo._unpickle'), 0x93, su('Nowhere/Atlantis'), 'K', 1, 0x86, 'R', 0x86, 'R', '.');
    expect(loads(unknownZone)).toEqual(new Date('2024-07-02T03:04:05Z'));
    const unknownTzinfo = pk(PROTO4, state, su('dateutil.tz'), su('tzlocal'), 0x93, ')', 'R', 0x86, 'R', '.');
    expect(loads(unknownTzinfo, { strict: false })).toEqual(new Date('2024-07-02T03:04:05Z'));
  });
});

describe('strict mode', () => {
  it('is the default: a SUCCESS value that names posix.system is a DecodeError naming it, not a PickledObject', () => {
    const data = pk('\x80\x02cposix\nsystem\nX', [2, 0, 0, 0], 'ls\x85R.');
    expect(decodeError(() => loads(data)).message).toMatch(/names posix\.system .*Nothing was imported or executed/);
    expect(loads(data, { strict: false })).toBeInstanceOf(PickledObject);
  });

  it('refuses a bare global outside the allow-list too, the moment it is named', () => {
    expect(decodeError(() => loads(pk(PROTO4, su('os'), su('system'), 0x93, '.'))).message).toMatch(/os\.system/);
    expect(decodeError(() => loads(pk('cos\nsystem\n.'))).message).toMatch(/offset 0/);
  });

  it('lets a pickle name what Celery names without calling it: backends, base classes, factories', () => {
    const backend = pk(PROTO4, su('celery.backends.base'), su('unpickle_backend'), 0x93, su('celery.backends.redis'), su('RedisBackend'), 0x93, ')', '}', 0x87, 'R', '.');
    expect(loads(backend)).toBeInstanceOf(PickledObject);
    const factory = pk(PROTO4, su('collections'), su('defaultdict'), 0x93, su('builtins'), su('list'), 0x93, 0x85, 'R', '.');
    expect(loads(factory)).toEqual({});
    // Named is not called: a call of one of them is still refused.
    expect(() => loads(pk(PROTO4, su('builtins'), su('list'), 0x93, ')', 'R', '.'))).toThrow(/builtins\.list/);
  });

  it('refuses calls of globals outside the allow-list, naming them', () => {
    const data = pk(PROTO4, su('app.models'), su('Thing'), 0x93, ')', 'R', '.');
    expect(decodeError(() => loads(data, { strict: true })).message).toMatch(/app\.models\.Thing/);
  });

  it('still reads everything on the allow-list', () => {
    const value = { when: new Date(0), id: new PyUUID('12345678123456781234567812345678'), err: new RemoteTaskError({ excType: 'KeyError' }) };
    expect(loads(dumps(value), { strict: true })).toEqual({
      when: new Date(0),
      id: value.id,
      err: { exc_type: 'KeyError', exc_message: [], exc_module: 'builtins' },
    });
    const exception = pk(PROTO4, su('builtins'), su('KeyError'), 0x93, su('k'), 0x85, 'R', '.');
    expect(loads(exception, { strict: true })).toBeInstanceOf(RemoteTaskError);
  });

  it('decodes a UTF-8 module name', () => {
    expect(loads(pk(PROTO4, 0x8c, 3, utf8('mö'), su('X'), 0x93, '.'), { strict: false })).toEqual(new PickledGlobal('mö', 'X'));
    expect(() => loads(pk(PROTO4, 0x8c, 3, utf8('mö'), su('X'), 0x93, '.'))).toThrow(/mö\.X/);
  });
});
