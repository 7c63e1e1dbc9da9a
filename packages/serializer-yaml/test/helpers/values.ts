import { PyFloat } from '@resultkit/core';
import type { TaggingRules } from '@resultkit/test-suite';
import fc from 'fast-check';

/** How safe_dump writes: every integral number as an int, keys sorted by code point. */
export const YAML_RULES: TaggingRules = { sortKeys: true };

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: fc.constantFrom('a', 'b', ' ', ':', '#', '-', "'", '"', '\n', '1', '.', 'e', '?', ',', '[', '{', '!', '*', '&', '~', 'y'), maxLength: 12 }),
  fc.constantFrom('yes', 'No', 'on', '~', 'null', '1e3', '0o7', '010', '0x1F', '1:30', '1_000', '.5', '2026-01-02', '2026-01-02 03:04:05', '<<', '=', '---', '...', '- a', 'a: b'),
);

/** Values the yaml serializer writes: every kind it carries, nested. */
export const yamlValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.integer(),
    fc.maxSafeInteger(),
    fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }),
    fc.double(),
    fc.integer({ min: -1000, max: 1000 }).map((n) => new PyFloat(n)),
    text,
    fc.uint8Array({ maxLength: 120 }),
    fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
    fc.boolean(),
    fc.constant(null),
  ),
  node: fc.oneof({ depthSize: 'small' }, tie('leaf'), tie('list'), tie('dict')),
  list: fc.array(tie('node'), { maxLength: 8 }),
  dict: fc.dictionary(text, tie('node'), { maxKeys: 8 }),
})).node;
