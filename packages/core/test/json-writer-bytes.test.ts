/**
 * The JSON writer writes bytes into a buffer it keeps between calls, with loops of its own for
 * short strings, integers and short decimals, and native copies for long clean text. Each of those must give
 * exactly the bytes of the simple string-built oracle: across the length thresholds between the
 * paths, across buffer and chunk boundaries, after a document that failed halfway, and when a
 * toJSON writes JSON of its own in the middle of a document.
 */
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodePythonJson, stringifyPython } from '../src/codec/json/python-json-writer.js';
import { ValueTooLargeError } from '../src/errors.js';
import { dumpsLikePython } from './python-json-oracle.js';

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

/**
 * Strings of the lengths where the writer changes path (128: native search and copy; 4096:
 * refused before escaping when too long; 16,384: slices), with an escape, if any, somewhere in
 * the first few hundred code units.
 */
const thresholdString = fc
  .record({
    clean: fc.nat(300),
    unit: fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }),
    length: fc.constantFrom(1, 63, 64, 127, 128, 129, 255, 4095, 4096, 4097, 16_383, 16_384, 16_385),
  })
  .map(({ clean, unit, length }) => ('a'.repeat(clean) + unit.repeat(Math.ceil(length / unit.length))).slice(0, length));

/** Prices, durations, ratios: floats written without String() when they have up to 8 places. */
const shortDecimal = fc.tuple(fc.maxSafeInteger(), fc.nat(10)).map(([n, places]) => n / 10 ** places);

const value = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.constant(undefined),
    fc.boolean(),
    fc.double(),
    shortDecimal,
    fc.integer(),
    fc.maxSafeInteger(),
    fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }),
    fc.string({ unit: 'binary' }),
    thresholdString,
    fc.array(tie('value'), { maxLength: 6 }),
    fc.dictionary(fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), thresholdString), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** A result document of about `records` × 70 bytes. */
const documentOf = (records: number) => ({
  status: 'SUCCESS',
  result: Array.from({ length: records }, (_, i) => ({ id: i, name: i % 5 === 0 ? `Café ${i}` : `Item ${i}`, price: i / 8, ok: i % 3 === 0 })),
  traceback: null,
});

describe('JSON writer: the bytes of every path', () => {
  it('writes any value as the simple oracle does, whatever the lengths of its strings', () => {
    fc.assert(
      fc.property(value, (input) => {
        expect(stringifyPython(input)).toBe(dumpsLikePython(input));
      }),
      { numRuns: 1_000 },
    );
  });

  it('writes documents of every size right, one after another in the same buffer', () => {
    // 300 KB outgrows the first buffer and the first chunk; 4 MB is past the size the kept
    // buffer may grow to; the small ones after each must not show any byte of the large ones.
    for (const records of [1, 4_000, 1, 60_000, 20, 4_000, 3]) {
      const document = documentOf(records);
      expect(latin1(encodePythonJson(document))).toBe(dumpsLikePython(document));
    }
  });

  it('writes every value whole where it meets the end of a buffer or chunk', () => {
    // Over 1 MB, so at least two chunk ends fall inside it whatever size the kept buffer has
    // grown to; the padding moves every value across them from run to run.
    fc.assert(
      fc.property(fc.nat(64), fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.double()), { minLength: 16, maxLength: 16 }), (pad, items) => {
        const document = ['p'.repeat(pad), ...Array.from({ length: 150_000 }, (_, i) => items[i % items.length])];
        expect(latin1(encodePythonJson(document))).toBe(dumpsLikePython(document));
      }),
      // Shrinking a document this long takes minutes; the failing input is printed as it is.
      { numRuns: 12, endOnFailure: true },
    );
  });

  it('writes short decimals as their shortest repr, on both sides of 8 places and 15 digits', () => {
    const decimals = [0.5, 13.37, 12.375, 0.0001, 0.00012345, 0.12345678, 0.123456789, 1.0000001, 999999999999999.9, 99999999999999.98, 0.1 + 0.2];
    const all = [...decimals, ...decimals.map((d) => -d)];
    expect(stringifyPython(all)).toBe(`[${all.map(String).join(', ')}]`);
    fc.assert(
      fc.property(shortDecimal, (decimal) => {
        expect(stringifyPython(decimal)).toBe(dumpsLikePython(decimal));
      }),
      { numRuns: 20_000 },
    );
  });

  it('writes the integers around 2^31 and the safe limits, where the digit loops change', () => {
    const integers = [2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 2 ** 32, 1e9, 1e10, 1e15, 1e15 - 1, Number.MAX_SAFE_INTEGER, 10, 9, 0];
    const all = [...integers, ...integers.map((n) => -n - 1), ...integers.map((n) => -n)];
    expect(stringifyPython(all)).toBe(`[${all.map((n) => (Object.is(n, -0) ? '-0.0' : String(n))).join(', ')}]`);
  });

  it('writes a document whose toJSON writes JSON itself while the document is being written', () => {
    const nested = { deep: [1, 'é', 2.5], long: 'x'.repeat(5_000) };
    class Report {
      toJSON() {
        return { inner: stringifyPython(nested), again: latin1(encodePythonJson(documentOf(500))) };
      }
    }
    const document = { before: documentOf(300), report: new Report(), after: 'é'.repeat(200) };
    const plain = { before: documentOf(300), report: { inner: dumpsLikePython(nested), again: dumpsLikePython(documentOf(500)) }, after: 'é'.repeat(200) };
    expect(stringifyPython(document)).toBe(dumpsLikePython(plain));
  });

  it('writes the next document whole after one that threw halfway', () => {
    const failing = { records: documentOf(2_000), bad: () => 1 };
    expect(() => encodePythonJson(failing)).toThrow(TypeError);
    const document = documentOf(50);
    expect(latin1(encodePythonJson(document))).toBe(dumpsLikePython(document));
  });

  it('refuses a document one byte over maxSize, whether it is short or spans several chunks', () => {
    for (const records of [2, 5_000]) {
      const document = documentOf(records);
      const size = dumpsLikePython(document).length;
      expect(encodePythonJson(document, { maxSize: size })).toHaveLength(size);
      let refused: unknown;
      try {
        encodePythonJson(document, { maxSize: size - 1 });
      } catch (error) {
        refused = error;
      }
      expect(refused).toBeInstanceOf(ValueTooLargeError);
      expect((refused as ValueTooLargeError).size).toBe(size);
      expect((refused as ValueTooLargeError).limit).toBe(size - 1);
    }
  });
});
