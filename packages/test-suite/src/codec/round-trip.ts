import { EncodeError, type Serializer } from '@resultkit/core';
import { describe, expect, it } from 'vitest';
import { codecFor } from './codec-for.js';
import type { CarriedKind, CodecSuiteOptions } from './options.js';
import { samePythonValue } from './python-equality.js';
import { kindValues, largeText, plainValues } from './sample-values.js';

const HUGE = 10 * 1024 * 1024;

export function registerRoundTripTests(serializer: Serializer, carries: CodecSuiteOptions['carries'] = {}): void {
  const roundTrip = (value: unknown): unknown => serializer.decode(serializer.encode(value));

  describe('round trip', () => {
    for (const [title, value] of plainValues) {
      it(`${title} round-trips`, () => {
        const back = roundTrip(value);
        expect(samePythonValue(back, value), `decoded: ${preview(back)}`).toBe(true);
      });
    }

    it('a document of more than 10 MiB round-trips', { timeout: 60_000 }, () => {
      const value = { text: largeText(HUGE), numbers: Array.from({ length: 100_000 }, (_, i) => i * 7) };
      const bytes = serializer.encode(value);
      expect(bytes.length).toBeGreaterThanOrEqual(HUGE);
      const back = serializer.decode(bytes) as typeof value;
      expect(back.text === value.text).toBe(true);
      expect(samePythonValue(back, value)).toBe(true);
    });

    for (const kind of Object.keys(kindValues) as CarriedKind[]) {
      const { title, value } = kindValues[kind];
      if (carries[kind]) {
        it(`${title} round-trip`, () => {
          const back = roundTrip(value);
          expect(samePythonValue(back, value), `decoded: ${preview(back)}`).toBe(true);
        });
      } else {
        // The serializer may throw anything; core's Codec turns it into an EncodeError. What
        // must not happen is output that decodes to something else.
        it(`${title} are refused with EncodeError (the format does not carry them)`, () => {
          expect(() => serializer.encode(value)).toThrow();
          expect(() => codecFor(serializer).encode(value)).toThrow(EncodeError);
        });
      }
    }
  });
}

// Short enough for an assertion message, exact enough to see which value changed.
function preview(value: unknown): string {
  try {
    const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
    return text.length > 300 ? `${text.slice(0, 300)}…` : text;
  } catch {
    return String(value);
  }
}
