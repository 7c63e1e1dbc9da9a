import { PyFloat } from '@resultkit/core';
import fc from 'fast-check';
import type { Tagged } from './python.js';

const floatHex = (value: number): string => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return Buffer.from(view.buffer).toString('hex');
};

const TWO_64 = 2 ** 64;
const MIN_INT64 = -(2 ** 63);

/** The Python value our packer means for `value`, tagged for `msgpack_check.py`. */
export function toTagged(value: unknown): Tagged {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'boolean':
      return { bool: value };
    case 'bigint':
      return { int: value.toString() };
    case 'string':
      return { str: value };
    case 'number':
      if (Number.isInteger(value) && !Object.is(value, -0) && value >= MIN_INT64 && value < TWO_64) return { int: BigInt(value).toString() };
      return { float: floatHex(value) };
    default:
      break;
  }
  if (value instanceof PyFloat) return { float: floatHex(value.value) };
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value).toString('hex') };
  if (Array.isArray(value)) return { list: value.map(toTagged) };
  return {
    dict: Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .map(([key, item]) => [{ str: key }, toTagged(item)]),
  };
}

/** What reading back what we wrote gives: the JavaScript form of each Python value. */
export function expectedRead(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'number') {
    if (Number.isInteger(value) && !Number.isSafeInteger(value) && value >= MIN_INT64 && value < TWO_64) {
      const big = BigInt(value);
      return big >= -(2n ** 53n) && big <= 2n ** 53n ? value : big;
    }
    return value;
  }
  if (typeof value === 'bigint') return value >= -(2n ** 53n) && value <= 2n ** 53n ? Number(value) : value;
  if (value instanceof PyFloat) return value.value;
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(expectedRead);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) Object.defineProperty(out, key, { value: expectedRead(item), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Values the msgpack serializer writes: every kind it carries, nested. */
export const msgpackValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.integer(),
    fc.integer({ min: -40, max: 300 }),
    fc.maxSafeInteger(),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
    fc.double(),
    fc.double().map((d) => new PyFloat(d)),
    fc.integer({ min: -1000, max: 1000 }).map((n) => new PyFloat(n)),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'grapheme', minLength: 20, maxLength: 300 }),
    fc.uint8Array({ maxLength: 300 }),
    fc.boolean(),
    fc.constant(null),
  ),
  node: fc.oneof({ depthSize: 'small' }, tie('leaf'), tie('list'), tie('dict')),
  list: fc.array(tie('node'), { maxLength: 20 }),
  dict: fc.dictionary(fc.string({ unit: 'binary', maxLength: 12 }), tie('node'), { maxKeys: 20 }),
})).node;
