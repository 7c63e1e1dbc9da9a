import { DecodeError } from '@resultkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { loads } from '../src/index.js';
import { decodeUtf8Range, encodeUtf8 } from '../src/text.js';
import { bu, pk, su, u32, u64, utf8 } from './helpers/bytes.js';

const PROTO4 = [0x80, 4];
const STOP = 0x2e;

/** SHORT_BINUNICODE of any string (UTF-8). */
const sU = (text: string): number[] => {
  const bytes = utf8(text);
  return [0x8c, bytes.length, ...bytes];
};

describe('the memo (an array indexed like a dict)', () => {
  it('stores and fetches sparse and huge indices, and MEMOIZE counts distinct entries', () => {
    // PUT 7, LONG_BINPUT 2^32 - 1 and 5, MEMOIZE (len(memo) == 3), BINPUT 5 again, MEMOIZE (4).
    const ok = pk(
      PROTO4,
      su('a'), 'p7\n', 0x30, // PUT 7, POP
      su('b'), 0x72, ...u32(0xffffffff), 0x30,
      su('c'), 0x72, ...u32(5), 0x30,
      su('d'), 0x94, 0x30, // MEMOIZE -> 3
      su('e'), 0x71, 5, 0x30, // overwrites 5: still 4 entries
      su('f'), 0x94, 0x30, // MEMOIZE -> 4
      0x28, // MARK
      'g7\n', 0x6a, ...u32(0xffffffff), 0x68, 5, 0x68, 3, 0x68, 4,
      0x6c, // LIST
      STOP,
    );
    expect(loads(ok)).toEqual(['a', 'b', 'e', 'd', 'f']);
  });

  it('refuses a GET of an index that was never stored, including holes', () => {
    expect(() => loads(pk(PROTO4, su('a'), 0x71, 3, 0x68, 2, STOP))).toThrow(/memo entry 2 was never stored/);
    expect(() => loads(pk(PROTO4, su('a'), 0x71, 3, 0x68, 4, STOP))).toThrow(/memo entry 4 was never stored/);
    expect(() => loads(pk(PROTO4, su('a'), 0x94, 'g1\n', STOP))).toThrow(/memo entry 1 was never stored/);
  });
});

describe('text fast paths', () => {
  it('decodes ASCII, non-ASCII and lone-surrogate strings on both sides of the short-string limit', () => {
    for (const length of [0, 1, 63, 64, 65, 200]) {
      const ascii = 'k'.repeat(length);
      expect(loads(pk(PROTO4, bu(ascii), STOP))).toBe(ascii);
      const accented = `${'x'.repeat(Math.max(0, length - 2))}é`;
      expect(loads(pk(PROTO4, 0x58, ...u32(utf8(accented).length), utf8(accented), STOP))).toBe(accented);
      expect(loads(pk(PROTO4, 0x8d, ...u64(utf8(ascii).length), utf8(ascii), STOP))).toBe(ascii);
    }
    expect(loads(pk(PROTO4, sU('héllo'), STOP))).toBe('héllo');
    // A lone surrogate (surrogatepass) after ASCII, in a short string.
    expect(loads(pk(PROTO4, 0x8c, 5, 0x61, 0x62, 0xed, 0xa0, 0x80, STOP))).toBe('ab\ud800');
  });

  it('refuses invalid and truncated UTF-8 with the offset in the message', () => {
    expect(() => loads(pk(PROTO4, 0x8c, 3, 0x61, 0xff, 0x62, STOP))).toThrow(/SHORT_BINUNICODE at offset 2 is not valid UTF-8/);
    expect(() => loads(pk(PROTO4, 0x8c, 9, 0x61, 0x62))).toThrow(/Truncated pickle/);
    expect(() => loads(pk(PROTO4, 0x58, ...u32(0xffffffff), 0x61))).toThrow(DecodeError);
  });
});

describe('short text read in place', () => {
  const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const read = (bytes: Uint8Array): string | DecodeError => {
    try {
      return decodeUtf8Range(bytes, 0, bytes.length, 'text', 0);
    } catch (error) {
      if (error instanceof DecodeError) return error;
      throw error;
    }
  };

  it('reads any string back from its UTF-8 (lone surrogates included), short and long', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        expect(read(encodeUtf8(text))).toBe(text);
      }),
      { numRuns: 5_000 },
    );
  });

  it('reads any bytes as strict UTF-8 does, except lone surrogates, which stay readable', () => {
    // Bytes near UTF-8: ASCII, lead bytes of every length, continuations, the surrogate lead ED.
    const byte = fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0xff }), fc.constantFrom(0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0x80, 0xa0, 0xbf));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 70 }), (list) => {
        const bytes = Uint8Array.from(list);
        const ours = read(bytes);
        let expected: string | undefined;
        try {
          expected = strict.decode(bytes);
        } catch {
          expected = undefined;
        }
        if (expected !== undefined) expect(ours).toBe(expected);
        // Refused by strict UTF-8: a DecodeError, or (surrogatepass) a string that writes back to the same bytes.
        else if (typeof ours === 'string') expect([...encodeUtf8(ours)]).toEqual(list);
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('integer and float readers', () => {
  it('reads signed and unsigned little-endian integers and big-endian floats', () => {
    expect(loads(pk(PROTO4, 0x4a, ...u32(0xfffffffe), STOP))).toBe(-2); // BININT
    expect(loads(pk(PROTO4, 0x4a, ...u32(0x7fffffff), STOP))).toBe(2147483647);
    expect(loads(pk(PROTO4, 0x4d, 0xff, 0xff, STOP))).toBe(65535); // BININT2
    const be = new Uint8Array(8);
    new DataView(be.buffer).setFloat64(0, -1.5e300, false);
    expect(loads(pk(PROTO4, 0x47, be, STOP))).toBe(-1.5e300); // BINFLOAT
    expect(() => loads(pk(PROTO4, 0x47, 1, 2, 3))).toThrow(/Truncated pickle/);
  });
});
