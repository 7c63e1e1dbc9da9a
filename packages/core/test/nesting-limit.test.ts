/**
 * One nesting limit, MAX_NESTING_DEPTH, on read and on write: whatever is read can be written
 * again, and whatever is written, Python can read.
 */
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { Codec } from '../src/codec/codec.js';
import { json } from '../src/codec/json/json-serializer.js';
import { MAX_NESTING_DEPTH } from '../src/codec/nesting.js';
import { CodecRegistry } from '../src/codec/registry.js';
import { DecodeError, EncodeError } from '../src/errors.js';

const codec = new Codec({ registry: new CodecRegistry({ serializers: [json] }), serializer: 'json', accept: ['json'] });
const deepText = (depth: number, leaf = '1'): string => '['.repeat(depth) + leaf + ']'.repeat(depth);
const bytesOf = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'latin1'));

function deepValue(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('the nesting limit', () => {
  it('is 1,000 levels, as deep as Python can read or write', () => {
    expect(MAX_NESTING_DEPTH).toBe(1000);
  });

  it('a stored document nested deeper than the limit is a DecodeError, on the fast and the slow path', () => {
    for (const leaf of ['1', 'NaN']) {
      const error = errorOf(() => codec.decode(bytesOf(deepText(100_000, leaf))));
      expect(error).toBeInstanceOf(DecodeError);
      expect(error.message).toMatch(/deeper than 1000 levels at position 1000/);
    }
    // The brackets of a string are not nesting.
    expect(codec.decode(bytesOf(`["${'['.repeat(5_000)}"]`))).toEqual(['['.repeat(5_000)]);
  });

  it('a document exactly at the limit is read and written back unchanged', () => {
    const text = deepText(MAX_NESTING_DEPTH);
    expect(Buffer.from(codec.encode(codec.decode(bytesOf(text)))).toString('latin1')).toBe(text);
    expect(codec.decode(codec.encode(deepValue(MAX_NESTING_DEPTH)))).toEqual(deepValue(MAX_NESTING_DEPTH));
  });

  it('a value nested deeper than the limit is an EncodeError that names the limit', () => {
    const error = errorOf(() => codec.encode(deepValue(MAX_NESTING_DEPTH + 1)));
    expect(error).toBeInstanceOf(EncodeError);
    expect(error.message).toMatch(/nested more than 1000 levels deep/);
    // Far deeper still: the same error, not a stack overflow.
    expect(errorOf(() => codec.encode(deepValue(100_000)))).toBeInstanceOf(EncodeError);
  });
});
