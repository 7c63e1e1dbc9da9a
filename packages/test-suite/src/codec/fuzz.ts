import type { Serializer } from '@resultkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codecFor } from './codec-for.js';
import { decodeOutcome } from './decode-outcome.js';
import { samePythonValue } from './python-equality.js';

// Enough runs to find the usual edge cases (empty keys, -0, deep nesting) in a second or two.
const RUNS = 300;

export function registerFuzzTests(serializer: Serializer): void {
  describe('property-based fuzz', () => {
    it('arbitrary JSON-like values round-trip', () => {
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
          expect(samePythonValue(serializer.decode(serializer.encode(value)), value)).toBe(true);
        }),
        { numRuns: RUNS },
      );
    });

    it('arbitrary bytes decode to a value or a DecodeError through Codec, nothing else', () => {
      const codec = codecFor(serializer);
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
          decodeOutcome(codec, bytes);
        }),
        { numRuns: RUNS * 3 },
      );
    });
  });
}
