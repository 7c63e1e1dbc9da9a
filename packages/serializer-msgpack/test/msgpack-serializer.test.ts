import { readFileSync } from 'node:fs';
import {
  Codec,
  CodecRegistry,
  ContentDisallowedError,
  createBackend,
  DecodeError,
  EncodeError,
  json,
  MAX_NESTING_DEPTH,
  PyDecimal,
  PyUUID,
  RemoteTaskError,
  states,
  ValueTooLargeError,
} from '@resultkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { msgpack } from '../src/index.js';

const unhex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

/** The stored value of the Redis capture, from its xxd dump. */
function redisCapture(): Uint8Array {
  const lines = fixture('redis-msgpack.txt').split('\n');
  const start = lines.findIndex((line) => line.endsWith('| xxd'));
  const digits: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!/^[0-9a-f]{8}: /.test(line)) break;
    digits.push(line.slice(10, 49).replaceAll(' ', ''));
  }
  return unhex(digits.join(''));
}

/** The body of the RPC capture, from its hex line. */
function rpcCapture(): Uint8Array {
  const line = fixture('rpc-msgpack.txt')
    .split('\n')
    .find((l) => l.startsWith('body hex: '));
  return unhex(line!.slice('body hex: '.length));
}

const capturedResult = { n: 1, list: [1, 2, 3], text: 'ünïcödé', float: 0.5, null: null, bytes: Uint8Array.of(0, 1, 0xfe, 0xff) };

describe('what a Celery 5.2 worker stored with result_serializer="msgpack"', () => {
  it('reads the Redis capture and writes the same document back byte for byte', () => {
    const bytes = redisCapture();
    const doc = msgpack.decode(bytes);
    expect(doc).toEqual({
      status: 'SUCCESS',
      result: capturedResult,
      traceback: null,
      children: [],
      date_done: '2026-11-23T20:20:22.705709',
      task_id: 'a37fdf5a-2939-50ef-9da6-7ec30554d276',
    });
    expect(Buffer.from(msgpack.encode(doc)).equals(bytes)).toBe(true);
  });

  it('reads the RPC body and writes it back byte for byte', () => {
    const bytes = rpcCapture();
    const doc = msgpack.decode(bytes);
    expect(doc).toMatchObject({ task_id: '8486c02e-863f-591a-a7fb-9d9d3fd71bb6', status: 'SUCCESS', result: capturedResult });
    expect(Buffer.from(msgpack.encode(doc)).equals(bytes)).toBe(true);
  });

  it('keeps str and bytes apart: a bin is a Uint8Array (a copy), a str a string', () => {
    const input = redisCapture();
    const { result } = msgpack.decode(input) as { result: { bytes: Uint8Array; text: string } };
    expect(result.bytes.constructor).toBe(Uint8Array);
    expect(result.bytes.buffer).not.toBe(input.buffer);
    expect(typeof result.text).toBe('string');
  });
});

describe('values kombu cannot carry are refused with EncodeError, never changed', () => {
  it.each([
    ['a Date (Python msgpack has no datetime)', new Date(0), /datetime/],
    ['a PyDecimal', new PyDecimal('1.5'), /PyDecimal/],
    ['a PyUUID', new PyUUID('12345678123456781234567812345678'), /PyUUID/],
    ['a Map', new Map([[1, 2]]), /Map/],
    ['a Set', new Set([1]), /Set/],
    ['a typed array other than Uint8Array', new Float64Array(2), /Uint8Array/],
    ['a bigint of 2^64', 2n ** 64n, /64-bit/],
    ['a bigint below -2^63', -(2n ** 63n) - 1n, /64-bit/],
    ['a lone surrogate (short string)', 'a\ud800b', /surrogate/],
    ['a lone surrogate (long string)', `${'x'.repeat(100)}\udc00`, /surrogate/],
    ['a function', () => 1, /function/],
    ['a symbol', Symbol('s'), /symbol/],
    ['a class instance without toJSON', new (class Point {})(), /Point/],
  ])('%s', (_name, value, message) => {
    expect(() => msgpack.encode({ value })).toThrow(EncodeError);
    expect(() => msgpack.encode({ value })).toThrow(message);
  });

  it('a value nested deeper than the shared limit (and so a cycle) is refused', () => {
    let deep: unknown = 1;
    for (let i = 0; i < MAX_NESTING_DEPTH + 1; i++) deep = [deep];
    expect(() => msgpack.encode(deep)).toThrow(EncodeError);
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(() => msgpack.encode(cyclic)).toThrow(/nested more than/);
  });

  it('a class instance with toJSON is written as what toJSON returns', () => {
    expect(msgpack.decode(msgpack.encode(new (class A { toJSON = () => ({ x: 1 }) })()))).toEqual({ x: 1 });
  });

  it('stops writing as soon as the output passes maxSize', () => {
    expect(() => msgpack.encode({ big: 'x'.repeat(200_000) }, { maxSize: 100_000 })).toThrow(ValueTooLargeError);
    // The writer is still usable afterwards, and what it wrote before is intact.
    const before = msgpack.encode({ a: 1 });
    expect(() => msgpack.encode(new Uint8Array(300_000), { maxSize: 1000 })).toThrow(ValueTooLargeError);
    expect(msgpack.decode(msgpack.encode({ b: 2 }))).toEqual({ b: 2 });
    expect(msgpack.decode(before)).toEqual({ a: 1 });
  });

  it('measures a string by what it writes, not by the most it could write', () => {
    // 3 bytes per character are reserved for UTF-8, but ASCII takes one: this fits.
    expect(msgpack.encode('x'.repeat(40_000), { maxSize: 50_000 }).length).toBe(40_003); // str16: a 3-byte header
    expect(() => msgpack.encode('é'.repeat(30_000), { maxSize: 50_000 })).toThrow(ValueTooLargeError);
  });

  it('a toJSON that encodes with the same serializer does not disturb the outer value', () => {
    class Wrapper {
      toJSON(): unknown {
        return { nested: msgpack.encode({ deep: 'x'.repeat(100) }) };
      }
    }
    const decoded = msgpack.decode(msgpack.encode({ before: 1, inner: new Wrapper(), after: 2 })) as Record<string, unknown>;
    expect(decoded.before).toBe(1);
    expect(decoded.after).toBe(2);
    expect(msgpack.decode((decoded.inner as { nested: Uint8Array }).nested)).toEqual({ deep: 'x'.repeat(100) });
  });

  it('returns bytes that later writes never overwrite', () => {
    const outputs = Array.from({ length: 2000 }, (_, i) => msgpack.encode({ i, pad: 'p'.repeat(i % 500) }));
    outputs.forEach((bytes, i) => expect(msgpack.decode(bytes)).toEqual({ i, pad: 'p'.repeat(i % 500) }));
  });
});

describe("bytes kombu's reader would not read as the same plain data are a DecodeError", () => {
  it.each([
    ['fixext 1 (msgpackr undefined)', 'd40000'],
    ['fixext 4 timestamp (-1)', 'd6ff00000000'],
    ['fixext 8 timestamp (-1)', 'd7ff0000000000000000'],
    ['ext 8 (msgpackr structured clone)', 'c7017400'],
    ['ext 16', 'c800017300'],
    ['ext 32', 'c9000000017300'],
    ['a msgpackr record definition', 'd47240'],
    ['an ext type inside a map', '81a161d40000'],
  ])('an ext type: %s', (_name, text) => {
    expect(() => msgpack.decode(unhex(text))).toThrow(DecodeError);
    expect(() => msgpack.decode(unhex(text))).toThrow(/ext type/);
  });

  it.each([
    ['an int key', '810102'],
    ['a nil key', '81c001'],
    ['a bin key', '81c4016101'],
    ['a list key', '81900101'],
  ])('a map with %s', (_name, text) => {
    expect(() => msgpack.decode(unhex(text))).toThrow(/not a str/);
  });

  it.each([
    ['an invalid UTF-8 byte', 'a1ff'],
    ['a truncated sequence', 'a1c3'],
    ['an encoded surrogate', 'a3eda080'],
    ['an overlong encoding', 'a2c0af'],
  ])('a str with %s', (_name, text) => {
    expect(() => msgpack.decode(unhex(text))).toThrow(/UTF-8/);
  });

  it.each([
    ['empty input', ''],
    ['a str longer than the input', 'a5616263'],
    ['a str32 length of 4 GiB', 'dbffffffff61'],
    ['a list missing items', '93010203'.slice(0, 6)],
    ['an array32 claiming 4 billion items', 'ddffffffff01'],
    ['a map missing its value', '81a161'],
    ['a float64 cut short', 'cb3fe0'],
    ['a uint64 cut short', 'cf0000'],
    ['a bin16 header cut short', 'c501'],
  ])('truncated: %s', (_name, text) => {
    expect(() => msgpack.decode(unhex(text))).toThrow(/truncated/);
  });

  it('trailing bytes after the value (Python: ExtraData)', () => {
    expect(() => msgpack.decode(unhex('0101'))).toThrow(/follow the msgpack value/);
  });

  it('the never-used byte 0xc1', () => {
    expect(() => msgpack.decode(unhex('91c1'))).toThrow(/0xc1/);
  });

  it('nesting deeper than the shared limit', () => {
    const deep = new Uint8Array(MAX_NESTING_DEPTH + 2).fill(0x91);
    deep[deep.length - 1] = 0x01;
    expect(() => msgpack.decode(deep)).toThrow(/nested more than/);
    expect(msgpack.decode(deep.subarray(2))).toBeDefined();
  });

  it('random and mutated bytes only ever end in a value or a DecodeError', () => {
    const valid = msgpack.encode({ status: 'SUCCESS', result: { list: [1, 'two', 3.5, Uint8Array.of(1)], n: 2n ** 60n }, task_id: 'x' });
    const mutated = fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.nat({ max: valid.length })).map(([at, byte, cut]) => {
      const copy = valid.slice(0, Math.max(cut, at + 1));
      copy[at] = byte;
      return copy;
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated), (bytes) => {
        try {
          msgpack.decode(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(DecodeError);
        }
      }),
      { numRuns: 5000 },
    );
  });
});

describe('reading', () => {
  it('keeps a "__proto__" key as an own property, as Python keeps the key', () => {
    const value = msgpack.decode(unhex('82a95f5f70726f746f5f5f01a16182a95f5f70726f746f5f5f02a162c3')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'a']);
    expect(value.a).toEqual(JSON.parse('{"__proto__": 2, "b": true}'));
  });

  it('reads ints beyond 2^53 as bigint, smaller ones as number, float32 exactly', () => {
    expect(msgpack.decode(unhex('cf0020000000000001'))).toBe(2n ** 53n + 1n);
    expect(msgpack.decode(unhex('cf0000000100000000'))).toBe(2 ** 32);
    expect(msgpack.decode(unhex('d3ffffffffffffffff'))).toBe(-1);
    expect(msgpack.decode(unhex('ca3dcccccd'))).toBe(Math.fround(0.1));
  });

  it('reads an integral float as a number: 3.0 comes back as 3 (wrap it in PyFloat to write a float again)', () => {
    expect(msgpack.decode(unhex('cb4008000000000000'))).toBe(3);
  });
});

describe('inside core', () => {
  it('works in a Codec, which enforces accept by content type', () => {
    const registry = new CodecRegistry({ serializers: [msgpack, json] });
    const codec = new Codec({ registry, serializer: 'msgpack', accept: ['msgpack'] });
    const bytes = codec.encode({ status: 'SUCCESS', result: [1, 2n ** 64n - 1n] });
    expect(codec.decode(bytes)).toEqual({ status: 'SUCCESS', result: [1, 2n ** 64n - 1n] });
    expect(codec.contentType).toBe('application/x-msgpack');
    expect(codec.contentEncoding).toBe('binary');
    expect(() => codec.decode(unhex('d6ff00000000'))).toThrow(DecodeError);
    expect(() => codec.encode({ at: new Date() })).toThrow(EncodeError);
    const jsonOnly = new Codec({ registry, serializer: 'msgpack', accept: ['json'] });
    expect(() => jsonOnly.decode(bytes)).toThrow(ContentDisallowedError);
    const byContentType = new Codec({ registry, serializer: 'json', accept: ['application/x-msgpack'] });
    expect(byContentType.decode(bytes, 'application/x-msgpack')).toEqual({ status: 'SUCCESS', result: [1, 2n ** 64n - 1n] });
  });

  it('exports `serializer`, which createBackend imports for serializer: "msgpack"', async () => {
    const mod = await import('../src/index.js');
    expect(mod.serializer).toBe(mod.msgpack);
    const backend = await createBackend('memory://msgpack-by-name', { serializer: 'msgpack', accept: ['msgpack'] });
    try {
      await backend.storeResult('t1', { bytes: Uint8Array.of(1, 2), big: 2n ** 60n }, states.SUCCESS);
      expect(await backend.asyncResult('t1').get({ timeout: 1000 })).toEqual({ bytes: Uint8Array.of(1, 2), big: 2n ** 60n });
      await backend.markAsFailure('t2', new RemoteTaskError({ excType: 'KeyError', excArgs: ['k'] }));
      await expect(backend.asyncResult('t2').get({ timeout: 1000 })).rejects.toMatchObject({ excType: 'KeyError', excArgs: ['k'] });
    } finally {
      await backend.close();
    }
  });
});
