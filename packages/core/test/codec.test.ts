import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  Codec,
  CodecRegistry,
  ContentDisallowedError,
  DecodeError,
  EncodeError,
  isFramed,
  readFrame,
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
  compress: (data) => deflateSync(data),
  decompress: (data) => inflateSync(data),
};
const registry = () => new CodecRegistry({ serializers: [text], compressors: [zlib] });

describe('codec', () => {
  it('without compression, stored bytes are the bare serializer output (what Celery expects)', () => {
    const codec = new Codec({ registry: registry(), serializer: 'text-test', accept: ['text-test'] });
    const bytes = codec.encode('hello');
    expect(new TextDecoder().decode(bytes)).toBe('hello');
    expect(codec.decode(bytes)).toBe('hello');
  });

  it('a compressed value is framed with its serializer and compressor, and any reader reads both kinds', () => {
    const writer = new Codec({ registry: registry(), serializer: 'text-test', accept: ['text-test'], compression: 'zlib-test' });
    const plainReader = new Codec({ registry: registry(), serializer: 'text-test', accept: ['text-test'] });
    const value = 'compress me '.repeat(100);
    const framed = writer.encode(value);
    expect(isFramed(framed)).toBe(true);
    expect(readFrame(framed)).toMatchObject({ contentType: 'application/x-text-test', compression: 'application/x-zlib-test' });
    expect(framed.length).toBeLessThan(value.length);
    expect(plainReader.decode(framed)).toBe(value);
    expect(writer.decode(plainReader.encode('plain'))).toBe('plain');
  });

  it('values below the compression threshold are stored plain', () => {
    const writer = new Codec({ registry: registry(), serializer: 'text-test', accept: ['text-test'], compression: 'zlib-test', compressionThreshold: 100 });
    expect(isFramed(writer.encode('short'))).toBe(false);
    expect(isFramed(writer.encode('x'.repeat(100)))).toBe(true);
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

  it('a truncated frame or an unknown compressor is a DecodeError', () => {
    const writer = new Codec({ registry: registry(), serializer: 'text-test', accept: ['text-test'], compression: 'zlib-test' });
    const framed = writer.encode('hello hello hello');
    const reader = new Codec({ registry: new CodecRegistry({ serializers: [text] }), serializer: 'text-test', accept: ['text-test'] });
    expect(() => reader.decode(framed)).toThrow(/not registered/);
    expect(() => writer.decode(framed.subarray(0, 6))).toThrow(DecodeError);
    const corrupt = framed.slice();
    corrupt[corrupt.length - 3]! ^= 0xff;
    expect(() => writer.decode(corrupt)).toThrow(DecodeError);
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
