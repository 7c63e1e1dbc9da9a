import type { Serializer } from '@resultkit/core';
import { describe, expect, it } from 'vitest';
import { codecFor, resultDocument } from './codec-for.js';
import { decodeOutcome } from './decode-outcome.js';
import { samePythonValue } from './python-equality.js';

export function registerCorruptInputTests(serializer: Serializer, truncationDetected: boolean): void {
  describe('corrupt and truncated input', () => {
    const codec = codecFor(serializer);
    const document = resultDocument({ answer: 42, text: 'héllo', list: [1, 2.5, null, true] });
    const bytes = codec.encode(document);

    it('empty input is a DecodeError or a value, never a crash', () => {
      decodeOutcome(codec, new Uint8Array(0));
    });

    // A prefix may be a document of its own in some formats (YAML), but never the whole one:
    // a truncated value must not pass for the complete value.
    it('every prefix of a document is a DecodeError, never the complete document', () => {
      // Trailing whitespace (the newline a text format ends with) is not part of the value.
      let significant = bytes.length;
      while (significant > 0 && [0x09, 0x0a, 0x0d, 0x20].includes(bytes[significant - 1]!)) significant--;
      for (let end = 0; end < significant; end++) {
        const outcome = decodeOutcome(codec, bytes.subarray(0, end));
        if ('value' in outcome && truncationDetected) {
          expect(samePythonValue(outcome.value, document), `prefix of ${end} of ${bytes.length} bytes decoded to the whole document (ends ${JSON.stringify(new TextDecoder().decode(bytes.subarray(Math.max(0, end - 12), end)))})`).toBe(false);
        }
      }
    });

    it('a document with any one byte flipped decodes to a value or a DecodeError', () => {
      for (let at = 0; at < bytes.length; at++) {
        for (const mask of [0x01, 0x80, 0xff]) {
          const flipped = bytes.slice();
          flipped[at] = (flipped[at] ?? 0) ^ mask;
          decodeOutcome(codec, flipped);
        }
      }
    });

    it('random garbage decodes to a value or a DecodeError', () => {
      let seed = 0x9e3779b9;
      // A fixed xorshift sequence, so a failure names bytes that can be reproduced.
      const next = (): number => {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        return seed >>> 0;
      };
      for (let round = 0; round < 500; round++) {
        const garbage = Uint8Array.from({ length: 1 + (next() % 256) }, () => next() & 0xff);
        decodeOutcome(codec, garbage);
      }
    });
  });
}
