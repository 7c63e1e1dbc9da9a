import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Codec } from '../src/codec/codec.js';
import { createJsonSerializer, json } from '../src/codec/json/json-serializer.js';
import { parseJson } from '../src/codec/json/json-reader.js';
import { decodeKombuEnvelope, reviveKombuTypes } from '../src/codec/json/kombu-types.js';
import { PyFloat, formatPythonFloat } from '../src/codec/json/python-float.js';
import { stringifyPython } from '../src/codec/json/python-json-writer.js';
import { CodecRegistry } from '../src/codec/registry.js';
import { DecodeError, EncodeError } from '../src/errors.js';
import { PyDate, PyDecimal, PyTime, PyUUID } from '../src/python-values.js';
import { listScenarios, readRedisCapture, readRpcCapture } from './fixtures.js';

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');
const bytesOf = (value: string): Uint8Array => Uint8Array.from(Buffer.from(value, 'utf8'));

// The JSON captures: every scenario but msgpack (a different serializer) and, for RPC, group
// (the RPC backend cannot save groups).
const redisScenarios = listScenarios('redis').filter((s) => s !== 'msgpack');
const rpcScenarios = listScenarios('rpc').filter((s) => s !== 'msgpack' && s !== 'group');

describe('json serializer: real Celery 5.2 captures', () => {
  const exact = createJsonSerializer({ preserveFloats: true });

  it('finds the captures', () => {
    expect(redisScenarios).toContain('success-json');
    expect(redisScenarios.length).toBeGreaterThanOrEqual(12);
    expect(rpcScenarios.length).toBeGreaterThanOrEqual(9);
  });

  it.each(redisScenarios)('re-encodes the Redis value of %s byte for byte', (scenario) => {
    const { bytes } = readRedisCapture(scenario);
    expect(text(exact.encode(exact.decode(bytes)))).toBe(text(bytes));
    // Celery 5.2 captures hold no envelopes, so both dialects write the same bytes.
    const modern = createJsonSerializer({ dialect: 'kombu5.3', preserveFloats: true });
    expect(text(modern.encode(modern.decode(bytes)))).toBe(text(bytes));
  });

  it.each(rpcScenarios)('re-encodes the RPC body of %s byte for byte', (scenario) => {
    const { bytes, contentType, contentEncoding } = readRpcCapture(scenario);
    expect([contentType, contentEncoding]).toEqual([json.contentType, json.contentEncoding]);
    expect(text(exact.encode(exact.decode(bytes)))).toBe(text(bytes));
  });

  it('reads success-json: unicode, a big int, floats, nesting', () => {
    const { bytes } = readRedisCapture('success-json');
    expect(json.decode(bytes)).toEqual({
      status: 'SUCCESS',
      result: {
        str: 'héllo wörld ✓ 日本語 🚀',
        int: 42,
        big: 9007199254740993n,
        float: 3.14159,
        tiny: -1.5e-7,
        null: null,
        true: true,
        false: false,
        empty_list: [],
        empty_dict: {},
        list: [1, 'two', 3, null, [4, { five: 5 }]],
        nested: { a: { b: { c: [1, 2, { d: 'deep' }] } } },
      },
      traceback: null,
      children: [],
      date_done: '2026-11-23T20:20:16.416224',
      task_id: 'b5ec18df-abad-54e8-b9b7-cdaae441cff9',
    });
  });

  it('writes an integral float read as a number back as an int unless preserveFloats is on', () => {
    const { bytes } = readRedisCapture('success-json');
    const original = text(bytes);
    expect(original).toContain('[1, "two", 3.0, null,');
    expect(text(json.encode(json.decode(bytes)))).toBe(original.replace('"two", 3.0,', '"two", 3,'));
  });

  it('reads kombu 5.2 special values as the plain strings they are', () => {
    const { bytes } = readRedisCapture('success-datetime');
    expect((json.decode(bytes) as { result: unknown }).result).toEqual({
      naive: '2024-01-02T03:04:05.678901',
      aware_utc: '2024-01-02T03:04:05Z',
      aware_plus2: '2024-01-02T03:04:05+02:00',
      date: '2024-01-02T00:00:00',
      time: '03:04:05.000006',
      uuid: '12345678-1234-5678-1234-567812345678',
      decimal: '1.10',
    });
  });
});

describe('json serializer: Celery 5.3+ documents (wire-format spec §2.1, §6.3)', () => {
  it('reads the Celery 5.5.3 extended document and writes it back unchanged', () => {
    const stored =
      '{"status": "SUCCESS", "result": 5, "traceback": null, "children": [], "date_done": "2026-11-23T20:42:23.239083+01:00", ' +
      '"name": "tasks.add", "args": [2, 3], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", ' +
      '"task_id": "12c84d7d-d478-4e4a-9e99-d04240779fb8"}';
    const value = json.decode(bytesOf(stored));
    expect(value).toEqual({
      status: 'SUCCESS',
      result: 5,
      traceback: null,
      children: [],
      date_done: '2026-11-23T20:42:23.239083+01:00',
      name: 'tasks.add',
      args: [2, 3],
      kwargs: {},
      worker: 'celery@vm',
      retries: 0,
      queue: 'celery',
      task_id: '12c84d7d-d478-4e4a-9e99-d04240779fb8',
    });
    expect(text(createJsonSerializer({ dialect: 'kombu5.3' }).encode(value))).toBe(stored);
    expect(text(json.encode(value))).toBe(stored);
  });

  it('revives every envelope of the kombu 5.3+ column', () => {
    const stored =
      '{"aware": {"__type__": "datetime", "__value__": "2024-01-02T03:04:05.678900+00:00"}, ' +
      '"naive": {"__type__": "datetime", "__value__": "2024-01-02T03:04:05"}, ' +
      '"date": {"__type__": "date", "__value__": "2024-01-02"}, ' +
      '"time": {"__type__": "time", "__value__": "03:04:05"}, ' +
      '"decimal": {"__type__": "decimal", "__value__": "1.50"}, ' +
      '"uuid": {"__type__": "uuid", "__value__": {"hex": "12345678123456781234567812345678"}}, ' +
      '"uuid530": {"__type__": "uuid", "__value__": {"hex": "12345678123456781234567812345678", "version": 1}}, ' +
      '"bytes": {"__type__": "bytes", "__value__": "caf\\u00e9"}, ' +
      '"base64": {"__type__": "base64", "__value__": "AAH+/w=="}}';
    expect(json.decode(bytesOf(stored))).toEqual({
      aware: new Date('2024-01-02T03:04:05.678Z'),
      naive: new Date('2024-01-02T03:04:05Z'),
      date: new PyDate('2024-01-02'),
      time: new PyTime('03:04:05'),
      decimal: new PyDecimal('1.50'),
      uuid: new PyUUID('12345678-1234-5678-1234-567812345678'),
      uuid530: new PyUUID('12345678-1234-5678-1234-567812345678'),
      bytes: Uint8Array.from([0x63, 0x61, 0x66, 0xc3, 0xa9]),
      base64: Uint8Array.from([0x00, 0x01, 0xfe, 0xff]),
    });
  });

  it('writes the kombu 5.3+ column with the kombu5.3 dialect', () => {
    const modern = createJsonSerializer({ dialect: 'kombu5.3' });
    const write = (value: unknown) => text(modern.encode(value));
    // A Date holds milliseconds, so the spec's .678900 cannot be built; .678 is written .678000.
    expect(write(new Date('2024-01-02T03:04:05.678Z'))).toBe(
      '{"__type__": "datetime", "__value__": "2024-01-02T03:04:05.678000+00:00"}',
    );
    expect(write(new PyDate('2024-01-02'))).toBe('{"__type__": "date", "__value__": "2024-01-02"}');
    expect(write(new PyTime('03:04:05'))).toBe('{"__type__": "time", "__value__": "03:04:05"}');
    expect(write(new PyDecimal('1.50'))).toBe('{"__type__": "decimal", "__value__": "1.50"}');
    expect(write(new PyUUID('12345678-1234-5678-1234-567812345678'))).toBe(
      '{"__type__": "uuid", "__value__": {"hex": "12345678123456781234567812345678"}}',
    );
    // Python: json.dumps({"__type__": "bytes", "__value__": "café 🚀"}) and the base64 of b"\x00\x01\xfe\xff\xc3".
    expect(write(bytesOf('café 🚀'))).toBe('{"__type__": "bytes", "__value__": "caf\\u00e9 \\ud83d\\ude80"}');
    expect(write(Uint8Array.from([0x00, 0x01, 0xfe, 0xff, 0xc3]))).toBe('{"__type__": "base64", "__value__": "AAH+/8M="}');
    expect(write(Buffer.from('abc'))).toBe('{"__type__": "bytes", "__value__": "abc"}');
  });

  it('writes the kombu 5.2 column with the default dialect (captured from kombu 5.2.4)', () => {
    const write = (value: unknown) => text(json.encode(value));
    expect(write(new Date('2024-01-02T03:04:05.678Z'))).toBe('"2024-01-02T03:04:05.678000Z"');
    expect(write(new PyDate('2024-01-02'))).toBe('"2024-01-02T00:00:00"');
    expect(write(new PyTime('03:04:05.000006'))).toBe('"03:04:05.000006"');
    expect(write(new PyDecimal('1.10'))).toBe('"1.10"');
    expect(write(new PyUUID('12345678123456781234567812345678'))).toBe('"12345678-1234-5678-1234-567812345678"');
    expect(() => json.encode(Uint8Array.of(1))).toThrow(/kombu 5.2 cannot encode bytes/);
  });

  it('round-trips special values through the kombu5.3 dialect', () => {
    const modern = createJsonSerializer({ dialect: 'kombu5.3' });
    const value = {
      when: new Date('2024-01-02T03:04:05.678Z'),
      list: [new PyDecimal('-0.00'), new PyUUID('00000000-0000-4000-8000-000000000000'), [new PyDate('1999-12-31')]],
      raw: Uint8Array.from([0xff, 0x00]),
      text: bytesOf('plain'),
      time: new PyTime('23:59:59.999999+01:00'),
    };
    expect(modern.decode(modern.encode(value))).toEqual(value);
  });

  it('leaves unknown, malformed and look-alike envelopes as plain objects', () => {
    const kept = [
      { __type__: 'frozenset', __value__: [1, 2] },
      { __type__: 'datetime', __value__: 'not a date' },
      { __type__: 'datetime', __value__: 5 },
      { __type__: 'uuid', __value__: { hex: 'xyz' } },
      { __type__: 'uuid', __value__: null },
      { __type__: 'date', __value__: 'soon' },
      { __type__: 'decimal', __value__: 1.5 },
      { __type__: 'bytes', __value__: ['a'] },
      { __type__: 'decimal', __value__: '1', extra: true },
      { __type__: 7, __value__: '1' },
      { __type__: 'constructor', __value__: '1' },
      { __type__: '__proto__', __value__: '1' },
      { __type__: 'decimal' },
    ];
    const stored = stringifyPython(kept);
    expect(json.decode(bytesOf(stored))).toEqual(kept);
  });

  it('revives envelopes at any depth, in arrays and at the top level', () => {
    const decimal = '{"__type__": "decimal", "__value__": "2.5"}';
    expect(json.decode(bytesOf(decimal))).toEqual(new PyDecimal('2.5'));
    expect(json.decode(bytesOf(`[[${decimal}], {"a": {"b": [1, ${decimal}]}}]`))).toEqual([
      [new PyDecimal('2.5')],
      { a: { b: [1, new PyDecimal('2.5')] } },
    ]);
    // The envelope is the 1,000th level, as deep as any document may nest.
    expect(reviveKombuTypes(parseJson(`${'['.repeat(999)}${decimal}${']'.repeat(999)}`))).toBeInstanceOf(Array);
    expect(decodeKombuEnvelope({ a: 1 })).toBeUndefined();
  });
});

describe('stringifyPython: byte-identical to json.dumps (expected strings printed by CPython 3.11)', () => {
  it('escapes like ensure_ascii: lowercase \\uXXXX, surrogate pairs, lone surrogates, DEL', () => {
    expect(stringifyPython('héllo wörld ✓ 日本語 🚀')).toBe(String.raw`"h\u00e9llo w\u00f6rld \u2713 \u65e5\u672c\u8a9e \ud83d\ude80"`);
    expect(stringifyPython('\x00\x01\x1f\x7f\x80\u00ff\u2028\u2029\ufeff\uffff " \\ / \b\f\n\r\t')).toBe(
      String.raw`"\u0000\u0001\u001f\u007f\u0080\u00ff\u2028\u2029\ufeff\uffff \" \\ / \b\f\n\r\t"`,
    );
    expect(stringifyPython('a\ud800b\udfffc\udc00\ud83d')).toBe(String.raw`"a\ud800b\udfffc\udc00\ud83d"`);
    expect(stringifyPython({ 'clé': 'ü' })).toBe(String.raw`{"cl\u00e9": "\u00fc"}`);
  });

  it('uses Python separators and keeps insertion order', () => {
    expect(stringifyPython({ a: [1, 2.5, null, true, false, 'x', [], {}], b: { c: { d: [] } }, '': 0 })).toBe(
      '{"a": [1, 2.5, null, true, false, "x", [], {}], "b": {"c": {"d": []}}, "": 0}',
    );
    expect(stringifyPython({ z: 1, a: 2, m: 3 })).toBe('{"z": 1, "a": 2, "m": 3}');
  });

  it('writes ints of any size', () => {
    expect(stringifyPython([0, -1, 2n ** 53n + 1n, -(2n ** 64n), 10n ** 30n, 2 ** 70, 5n])).toBe(
      '[0, -1, 9007199254740993, -18446744073709551616, 1000000000000000000000000000000, 1180591620717411303424, 5]',
    );
    expect(() => stringifyPython(10n ** 4300n)).toThrow(RangeError);
    expect(stringifyPython(-(10n ** 4300n - 1n))).toHaveLength(4301);
  });

  it('writes non-integral numbers as float.__repr__', () => {
    const floats = [0.1, 1e-5, 123456789.123, 5e-324, 1e-4, 0.00012, -2.5e-10, 1234567890123456.8, -1.5e-7];
    expect(stringifyPython(floats)).toBe(
      '[0.1, 1e-05, 123456789.123, 5e-324, 0.0001, 0.00012, -2.5e-10, 1234567890123456.8, -1.5e-07]',
    );
    expect(stringifyPython([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])).toBe('[NaN, Infinity, -Infinity]');
  });

  it('writes integral numbers as ints, exactly', () => {
    // 1.5e16 and Number.MAX_VALUE are integral: in JavaScript they are ints like any other.
    expect(stringifyPython([1.5e16, Number(34650607682967152n), 1e21])).toBe('[15000000000000000, 34650607682967152, 1000000000000000000000]');
    expect(stringifyPython(Number.MAX_VALUE)).toBe(BigInt(Number.MAX_VALUE).toString());
  });

  it('writes PyFloat as a float even when it is integral', () => {
    const values = [1e16, 1.5e16, 1.7976931348623157e308, -0, 0, 3, 1e22, 12345678901234568, 0.5, Number.NaN, Number.NEGATIVE_INFINITY];
    expect(stringifyPython(values.map((n) => new PyFloat(n)))).toBe(
      '[1e+16, 1.5e+16, 1.7976931348623157e+308, -0.0, 0.0, 3.0, 1e+22, 1.2345678901234568e+16, 0.5, NaN, -Infinity]',
    );
  });

  it('skips undefined properties and writes undefined array items as null, like JSON.stringify', () => {
    // eslint-disable-next-line no-sparse-arrays
    expect(stringifyPython({ a: undefined, b: [undefined, , 1], c: 2, d: undefined })).toBe('{"b": [null, null, 1], "c": 2}');
    expect(stringifyPython({ a: undefined })).toBe('{}');
    expect(stringifyPython(undefined)).toBe('null');
  });

  it('uses toJSON, except for the special types', () => {
    class Money {
      constructor(readonly cents: number) {}
      toJSON() {
        return { amount: this.cents / 100, currency: 'EUR' };
      }
    }
    expect(stringifyPython({ price: new Money(1999) })).toBe('{"price": {"amount": 19.99, "currency": "EUR"}}');
    expect(stringifyPython(Object.create(null, { x: { value: 1, enumerable: true } }))).toBe('{"x": 1}');
  });

  it('throws a TypeError for what Python could not have written', () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular['self'] = { again: [circular] };
    const selfish = { toJSON() { return this; } };
    const values = [
      () => 1,
      Symbol('s'),
      { f: () => 1 },
      [Symbol.iterator],
      circular,
      new Map([[1, 2]]),
      new Set([1]),
      new (class Point { x = 1 })(),
      new Int32Array(2),
      selfish,
    ];
    values.forEach((value, i) => expect(() => stringifyPython(value), `values[${i}]`).toThrow(TypeError));
    expect(() => stringifyPython(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => stringifyPython(new Date('+010000-01-01T00:00:00Z'))).toThrow(RangeError);
    expect(() => stringifyPython(new Date('-000001-01-01T00:00:00Z'), { dialect: 'kombu5.3' })).toThrow(RangeError);
  });

  it('allows shared (not circular) references, and deep nesting', () => {
    const shared = { x: [1] };
    expect(stringifyPython([shared, shared, { shared }])).toBe('[{"x": [1]}, {"x": [1]}, {"shared": {"x": [1]}}]');
    let deep: unknown = 1;
    for (let i = 0; i < 1000; i++) deep = [deep];
    expect(stringifyPython(deep)).toBe(`${'['.repeat(1000)}1${']'.repeat(1000)}`);
  });
});

describe('formatPythonFloat', () => {
  it('matches repr(float) at the notation boundaries (printed by CPython 3.11)', () => {
    const cases: [number, string][] = [
      [1e16, '1e+16'],
      [9999999999999998, '9999999999999998.0'],
      [1e-4, '0.0001'],
      [9.999999999999999e-5, '9.999999999999999e-05'],
      [1e-5, '1e-05'],
      [1e-7, '1e-07'],
      [1e21, '1e+21'],
      [1e100, '1e+100'],
      [-1.5e-7, '-1.5e-07'],
      [0.1 + 0.2, '0.30000000000000004'],
      [100, '100.0'],
      [-0, '-0.0'],
      [2 ** -1074, '5e-324'],
    ];
    for (const [value, repr] of cases) expect(formatPythonFloat(value)).toBe(repr);
  });

  it('is what PyFloat prints, as Python prints it', () => {
    expect([3, 1e16, Number.NaN, Number.NEGATIVE_INFINITY].map((n) => String(new PyFloat(n)))).toEqual(['3.0', '1e+16', 'nan', '-inf']);
    expect(+new PyFloat(2.5) * 2).toBe(5);
  });

  it('round-trips every double and follows Python’s layout', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        const repr = formatPythonFloat(value);
        expect(Number(repr)).toBe(value);
        const exponent = Number(value.toExponential().split('e')[1]);
        if (value !== 0 && (exponent < -4 || exponent >= 16)) expect(repr).toMatch(/^-?\d(\.\d+)?e[+-]\d\d\d?$/);
        else expect(repr).toMatch(/^-?\d+\.\d+$/);
      }),
      { numRuns: 10_000 },
    );
  });
});

/** Values Python could have written: JSON plus bigints, NaN and the infinities, any UTF-16. */
const pythonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }),
    fc.string({ unit: 'binary' }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 5 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** What a value becomes after a trip through Python's JSON: an int is a number if it is safe. */
function afterRoundTrip(value: unknown): unknown {
  if (typeof value === 'bigint') return value >= Number.MIN_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER ? Number(value) : value;
  if (typeof value === 'number') {
    return Number.isInteger(value) && !Number.isSafeInteger(value) ? BigInt(value) : value;
  }
  if (Array.isArray(value)) return value.map(afterRoundTrip);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, afterRoundTrip(v)]));
  }
  return value;
}

describe('json serializer: properties', () => {
  it('decode(encode(v)) equals v for any Python-writable value', () => {
    fc.assert(
      fc.property(pythonValue, (value) => {
        expect(json.decode(json.encode(value))).toEqual(afterRoundTrip(value));
      }),
      { numRuns: 2_000 },
    );
  });

  it('writes only printable ASCII', () => {
    fc.assert(
      fc.property(pythonValue, (value) => {
        expect(stringifyPython(value)).toMatch(/^[\x20-\x7e]*$/);
      }),
    );
  });

  it('writes what JSON.stringify means, for standard JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), (value) => {
        // -0 is the one deliberate difference: JSON.stringify writes 0, Python (and we) -0.0.
        const unsigned = (_key: string, v: unknown) => (Object.is(v, -0) ? 0 : v);
        expect(JSON.parse(stringifyPython(value), unsigned)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 2_000 },
    );
  });

  it('keeps every string, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        expect(JSON.parse(stringifyPython(value))).toBe(value);
        expect(parseJson(stringifyPython([value, Number.NaN]))).toEqual([value, Number.NaN]);
      }),
    );
  });
});

describe('json serializer: strict UTF-8 on read', () => {
  it('a stored JSON string with invalid UTF-8 is a DecodeError, not U+FFFD', () => {
    const codec = new Codec({ registry: new CodecRegistry({ serializers: [json] }), serializer: 'json', accept: ['json'] });
    for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80]]) {
      const data = Uint8Array.from([...Buffer.from('{"s": "a'), ...bad, ...Buffer.from('b"}')]);
      expect(() => codec.decode(data), bad.join(' ')).toThrow(DecodeError);
    }
    expect(codec.decode(bytesOf('{"s": "é 🚀"}'))).toEqual({ s: 'é 🚀' });
  });

  it('raw text (application/text) with invalid UTF-8 is a DecodeError too', () => {
    const codec = new Codec({ registry: new CodecRegistry({ serializers: [json] }), serializer: 'json', accept: ['json'] });
    expect(() => codec.decode(Uint8Array.from([0x61, 0xff]), 'application/text')).toThrow(DecodeError);
    expect(codec.decode(bytesOf('é'), 'application/text')).toBe('é');
  });
});

describe('json serializer: negative zero', () => {
  it('-0 is written as Python writes the float, -0.0, and read back as -0', () => {
    expect(stringifyPython([-0, 0, { z: -0 }])).toBe('[-0.0, 0, {"z": -0.0}]');
    expect(text(json.encode(-0))).toBe('-0.0');
    expect(Object.is(json.decode(json.encode(-0)), -0)).toBe(true);
    expect(Object.is((json.decode(bytesOf('[-0.0]')) as number[])[0], -0)).toBe(true);
    // On the slow path (a NaN in the text) as well.
    expect(Object.is((json.decode(bytesOf('[-0.0, NaN]')) as number[])[0], -0)).toBe(true);
  });
});

describe('json serializer: contract', () => {
  it('describes itself as kombu does', () => {
    expect(json).toMatchObject({ name: 'json', contentType: 'application/json', contentEncoding: 'utf-8' });
    expect(createJsonSerializer({ dialect: 'kombu5.3' }).name).toBe('json');
  });

  it('encodes to a Uint8Array of the ASCII text and decodes any view of bytes', () => {
    const encoded = json.encode({ s: 'é', n: 1 });
    expect(encoded).toBeInstanceOf(Uint8Array);
    expect(text(encoded)).toBe('{"s": "\\u00e9", "n": 1}');
    const padded = Uint8Array.from([0xff, ...encoded, 0xff]).subarray(1, encoded.length + 1);
    expect(json.decode(padded)).toEqual({ s: 'é', n: 1 });
    // UTF-8 written by others (ensure_ascii=False) reads too.
    expect(json.decode(bytesOf('{"s": "é 🚀"}'))).toEqual({ s: 'é 🚀' });
  });

  it('becomes a DecodeError or EncodeError inside a Codec', () => {
    const codec = new Codec({ registry: new CodecRegistry({ serializers: [json] }), serializer: 'json', accept: ['json'] });
    expect(codec.decode(codec.encode({ big: 2n ** 64n }))).toEqual({ big: 2n ** 64n });
    expect(() => codec.decode(bytesOf('{"status": '))).toThrow(DecodeError);
    expect(() => codec.decode(readRedisCapture('msgpack').bytes)).toThrow(DecodeError);
    expect(() => codec.encode(new Map())).toThrow(EncodeError);
  });
});
