/**
 * Flow collections nested past the shared limit are refused before the yaml package parses
 * them: parsing `[` ten thousand times deep ends the process with a fatal out-of-memory error.
 */
import { DecodeError } from '@resultkit/core';
import { describe, expect, it } from 'vitest';
import { serializer } from '../src/index.js';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

function timed(read: () => unknown): { ms: number; outcome: unknown } {
  const started = performance.now();
  let outcome: unknown;
  try {
    outcome = read();
  } catch (error) {
    outcome = error;
  }
  return { ms: performance.now() - started, outcome };
}

describe('flow nesting', () => {
  it.each([10_000, 100_000, 1_000_000])('%i nested flow sequences are a DecodeError, quickly, and the process survives', (depth) => {
    const { ms, outcome } = timed(() => serializer.decode(encode('['.repeat(depth) + ']'.repeat(depth))));
    expect(outcome).toBeInstanceOf(DecodeError);
    expect((outcome as Error).message).toMatch(/nested more than 1000 levels/);
    expect(ms).toBeLessThan(5_000);
  });

  it('nested flow maps and sequences mixed, unclosed, are a DecodeError too', () => {
    expect(() => serializer.decode(encode('{a: ['.repeat(20_000)))).toThrow(DecodeError);
  });

  // (The yaml package refuses flow nesting of a few hundred levels by itself, with an error;
  // what it cannot survive is depth in the thousands, which never reaches it now.)
  it('a document nested 100 flow levels deep is read', () => {
    let expected: unknown = [];
    for (let i = 1; i < 100; i++) expected = [expected];
    expect(serializer.decode(encode('['.repeat(100) + ']'.repeat(100)))).toEqual(expected);
  });

  it('brackets inside quoted text are not nesting', () => {
    const text = `result: '${'['.repeat(5_000)}'\nother: "${'{'.repeat(5_000)}"\n`;
    expect(serializer.decode(encode(text))).toEqual({ result: '['.repeat(5_000), other: '{'.repeat(5_000) });
  });
});
