import { PyFloat } from '@resultkit/core';
import type { TaggingRules } from '@resultkit/test-suite';
import fc from 'fast-check';

/** How msgpack carries numbers: 64-bit ints only (a larger integral number is a float), and msgpackr reads up to 2 ** 53 as numbers. */
export const MSGPACK_RULES: TaggingRules = { intRange: [-(2 ** 63), 2 ** 64], largestNumber: 2n ** 53n };

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
