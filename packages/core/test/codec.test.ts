import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  Codec,
  CodecRegistry,
  ContentDisallowedError,
  DecodeError,
  EncodeError,
  isCompressedPayload,
  readCompressedPayload,
  MAX_VALUE_SIZE,
  ValueTooLargeError,
  type Compressor,
  type Serializer,
} from '../src/index.js';

// A minimal text serializer, so these tests exercise the pipeline and not JSON.
const text: Serializer = {
  name: 'text-test',
  contentType: 'application/x-text-test',
  contentEncoding: 'utf-8',
  encode: (value) => {
    if (typeof value !== 'string') throw new TypeError('strings only');
    return new TextEncoder().encode(value);
  },
  decode: (data) => new TextDecoder('utf-8', { fatal: true }).decode(data),
};
const zlib: Compressor = {
  name: 'zlib-test',
  contentType: 'application/x-zlib-test',
  compress: (data, options) => deflateSync(data, { level: options?.level ?? -1 }),
  decompress: (data, options) => {
    try {
      return inflateSync(data, { maxOutputLength: options?.maxSize ?? MAX_VALUE_SIZE });
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new ValueTooLargeError(options?.maxSize ?? 0, options?.maxSize ?? 0);
      throw error;
    }
  },
};
const registry = () => new CodecRegistry({ serializers: [text], compressors: [zlib] });

describe('codec', () => {
  it('without compression, stored bytes are the bare serializer output (what Celery expects)', () => {
    const codec = new Codec({ registry: registry(), serializer: 'text-test', accept: ['text-test'] });
    const bytes = codec.encode('hello');
    expect(new TextDecoder().decode(bytes)).toBe('hello');
    expect(codec.decode(bytes)).toBe('hello');
  });

  it("a compressed value is Celery's envelope (celery#10504), and any reader reads both kinds", () => {
    const writer = new Codec({ registry: registry(), serializer: 'text-test', accept: ['text-test'], compression: 'zlib-test' });
    const plainReader = new Codec({ registry: registry(), serializer: 'text-test', accept: ['text-test'] });
    const value = 'compress me '.repeat(100);
    const stored = writer.encode(value);
    // MAGIC + content type + NUL + body, exactly as compress_payload joins them.
    const expected = Buffer.concat([
      Buffer.from('\0celery-compressed\0application/x-zlib-test\0', 'latin1'),
      deflateSync(Buffer.from(value)),
    ]);
    expect(Buffer.from(stored)).toEqual(expected);
    expect(isCompressedPayload(stored)).toBe(true);
    expect(readCompressedPayload(stored).compression).toBe('application/x-zlib-test');
    expect(plainReader.decode(stored)).toBe(value);
    expect(writer.decode(plainReader.encode('plain'))).toBe('plain');
  });

  it('the level option reaches the compressor', () => {
    const value = 'level '.repeat(2000) + Math.random().toString(36).repeat(50);
    const fast = new Codec({ registry: registry(), serializer: 'text-test', accept: ['text-test'], compression: 'zlib-test', compressionLevel: 0 });
    const best = new Codec({ registry: registry(), serializer: 'text-test', accept: ['text-test'], compression: 'zlib-test', compressionLevel: 9 });
    expect(fast.encode(value).length).toBeGreaterThan(best.encode(value).length);
    expect(best.decode(fast.encode(value))).toBe(value);
  });

  it('values below the compression threshold are stored plain', () => {
    const writer = new Codec({ registry: registry(), serializer: 'text-test', accept: ['text-test'], compression: 'zlib-test', compressionThreshold: 100 });
    expect(isCompressedPayload(writer.encode('short'))).toBe(false);
    expect(isCompressedPayload(writer.encode('x'.repeat(100)))).toBe(true);
  });

  it('a value that inflates past the size limit is a DecodeError, stopped at the limit', () => {
    const writer = new Codec({ registry: registry(), serializer: 'text-test', accept: ['text-test'], compression: 'zlib-test' });
    const bomb = writer.encode('\0'.repeat(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(100_000);
    const reader = new Codec({ registry: registry(), serializer: 'text-test', accept: ['text-test'], maxSize: 1024 * 1024 });
    const error = captured(() => reader.decode(bomb));
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).cause).toBeInstanceOf(ValueTooLargeError);
    // A compressor that ignores the bound is still held to it afterwards.
    const unbounded: Compressor = { ...zlib, decompress: (data) => inflateSync(data) };
    const lax = new Codec({ registry: new CodecRegistry({ serializers: [text], compressors: [unbounded] }), serializer: 'text-test', accept: ['text-test'], maxSize: 1024 });
    expect(() => lax.decode(writer.encode('y'.repeat(4096)))).toThrow(/more than the 1024-byte limit/);
  });

  it('a content type outside accept is refused before decoding, framed or not', () => {
    const writer = new Codec({ registry: registry(), serializer: 'text-test', accept: ['text-test'], compression: 'zlib-test' });
    const reader = new Codec({ registry: registry(), serializer: 'text-test', accept: ['json'] });
    expect(() => reader.decode(writer.encode('x'))).toThrow(ContentDisallowedError);
    expect(() => reader.decode(new TextEncoder().encode('x'))).toThrow(ContentDisallowedError);
    expect(() => reader.decode(new TextEncoder().encode('x'), 'application/x-python-serialize')).toThrow(ContentDisallowedError);
  });

  it('raw bytes and raw text are always trusted, as in kombu', () => {
    const reader = new Codec({ registry: registry(), serializer: 'text-test', accept: ['json'] });
    expect(reader.decode(new Uint8Array([1, 2]), 'application/data')).toEqual(new Uint8Array([1, 2]));
    expect(reader.decode(new TextEncoder().encode('hi'), 'application/text')).toBe('hi');
  });

  it('undecodable bytes are a DecodeError with the cause attached', () => {
    const codec = new Codec({ registry: registry(), serializer: 'text-test', accept: ['text-test'] });
    const error = (() => {
      try {
        codec.decode(new Uint8Array([0xff, 0xfe]));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).cause).toBeInstanceOf(TypeError);
  });

  it('a truncated envelope or an unknown compressor is a DecodeError; a known method names its package', () => {
    const writer = new Codec({ registry: registry(), serializer: 'text-test', accept: ['text-test'], compression: 'zlib-test' });
    const stored = writer.encode('hello hello hello');
    const reader = new Codec({ registry: new CodecRegistry({ serializers: [text] }), serializer: 'text-test', accept: ['text-test'] });
    expect(() => reader.decode(stored)).toThrow(/not registered/);
    expect(() => writer.decode(stored.subarray(0, 25))).toThrow(/no terminator/);
    const corrupt = stored.slice();
    corrupt[corrupt.length - 3]! ^= 0xff;
    expect(() => writer.decode(corrupt)).toThrow(DecodeError);
    const gzipped = Buffer.concat([Buffer.from('\0celery-compressed\0application/x-gzip\0', 'latin1'), deflateSync(Buffer.from('hi'))]);
    expect(() => reader.decode(gzipped)).toThrow(/install @resultkit\/compress-gzip/);
  });

  it('a value the serializer rejects is an EncodeError', () => {
    const codec = new Codec({ registry: registry(), serializer: 'text-test', accept: ['text-test'] });
    expect(() => codec.encode(42)).toThrow(EncodeError);
  });

  it('a value over the size limit is refused with ValueTooLargeError', () => {
    const codec = new Codec({ registry: registry(), serializer: 'text-test', accept: ['text-test'], maxSize: 10 });
    expect(() => codec.encode('x'.repeat(11))).toThrow(ValueTooLargeError);
    expect(codec.encode('x'.repeat(10))).toHaveLength(10);
  });

  it('accept names map to kombu content types even for serializers not installed', () => {
    const codec = new Codec({ registry: registry(), serializer: 'text-test', accept: ['json', 'msgpack', 'yaml', 'pickle'] });
    expect(codec.accept).toEqual(['application/json', 'application/x-msgpack', 'application/x-yaml', 'application/x-python-serialize']);
  });
});

function captured(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
