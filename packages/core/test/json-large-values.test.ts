/**
 * Values near the size limit: written in time and memory proportional to their size, or refused
 * with a ValueTooLargeError, never a V8 abort (which no try/catch can stop) or a string error.
 */
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Codec } from '../src/codec/codec.js';
import { createJsonSerializer } from '../src/codec/json/json-serializer.js';
import { encodeKombuType } from '../src/codec/json/kombu-types.js';
import { encodePythonJson, stringifyPython } from '../src/codec/json/python-json-writer.js';
import { CodecRegistry } from '../src/codec/registry.js';
import { ValueTooLargeError } from '../src/errors.js';
import { quotedLikePython } from './python-json-oracle.js';

function codecFor(options: { dialect?: 'kombu5.2' | 'kombu5.3'; maxSize?: number } = {}): Codec {
  const json = createJsonSerializer({ dialect: options.dialect });
  return new Codec({ registry: new CodecRegistry({ serializers: [json] }), serializer: 'json', accept: ['json'], maxSize: options.maxSize });
}

function refusal(run: () => unknown): ValueTooLargeError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValueTooLargeError);
    return error as ValueTooLargeError;
  }
  throw new Error('expected a ValueTooLargeError');
}


describe('json serializer: large values', () => {
  it('stores 150 MB of non-ASCII text in bounded time and memory', () => {
    // 50 million '日' are 150 MB of UTF-8 and 300 MB escaped, under the 512 MiB limit. One
    // replace over the whole string used to take tens of seconds and gigabytes, and from about
    // 67 million characters on it aborted the process.
    const text = '日'.repeat(50_000_000);
    const before = process.memoryUsage().rss;
    const started = performance.now();
    const bytes = codecFor().encode({ status: 'SUCCESS', result: text });
    const elapsed = performance.now() - started;
    const grown = process.memoryUsage().rss - before;
    expect(bytes.length).toBe('{"status": "SUCCESS", "result": ""}'.length + 6 * text.length);
    expect(Buffer.from(bytes.subarray(33, 45)).toString('latin1')).toBe('\\u65e5\\u65e5');
    expect(elapsed).toBeLessThan(10_000);
    // The output and one copy of it, not the several copies a string pipeline makes.
    expect(grown).toBeLessThan(3 * bytes.length);
  }, 60_000);

  it('refuses a string that cannot fit before escaping any of it', () => {
    const codec = codecFor({ maxSize: 1_000_000 });
    // Each 'é' is one code unit but six bytes escaped: only counting finds it does not fit.
    const escaped = refusal(() => codec.encode({ result: 'é'.repeat(200_000) }));
    // The size counted up to the end of the string; the rest of the document is not looked at.
    expect(escaped.size).toBe('{"result": ""'.length + 6 * 200_000);
    expect(escaped.limit).toBe(1_000_000);
    // Longer than the limit even at one byte per code unit: refused without counting.
    expect(refusal(() => codec.encode({ result: 'a'.repeat(2_000_000) })).size).toBeGreaterThan(1_000_000);
  });

  it('refuses a document that crosses the limit while it is written, as a ValueTooLargeError', () => {
    const codec = codecFor({ maxSize: 1_000_000 });
    const items = Array.from({ length: 200_000 }, (_, i) => ({ i, name: `item ${i}` }));
    expect(refusal(() => codec.encode({ result: items })).limit).toBe(1_000_000);
    expect(() => codec.encode({ result: items.slice(0, 1_000) })).not.toThrow();
  });

  it('writes large kombu 5.3 bytes without building their text, and refuses them when too large', () => {
    const modern = createJsonSerializer({ dialect: 'kombu5.3' });
    // A character cut by every slice boundary, and bytes that are not UTF-8 (base64).
    const text = Buffer.from('é€🚀"\\\n'.repeat(20_000), 'utf8');
    const binary = Uint8Array.from({ length: 100_001 }, (_, i) => (i * 7919) & 0xff);
    for (const bytes of [Uint8Array.from(text), binary]) {
      const expected = stringifyPython(encodeKombuType(bytes, 'kombu5.3'));
      expect(Buffer.from(modern.encode(bytes)).toString('latin1')).toBe(expected);
      expect(modern.decode(modern.encode(bytes))).toEqual(bytes);
    }
    expect(refusal(() => codecFor({ dialect: 'kombu5.3', maxSize: 100_000 }).encode(binary)).size).toBeGreaterThan(100_000);
  });

  it('escapes long strings exactly as Python does, whatever falls on a slice boundary', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), fc.nat(16_384), (unit, pad) => {
        const text = 'x'.repeat(pad) + unit.repeat(Math.ceil(40_000 / unit.length));
        expect(Buffer.from(encodePythonJson(text)).toString('latin1')).toBe(quotedLikePython(text));
      }),
      { numRuns: 200 },
    );
  });
});
