import { formatDateDone, PyDate, PyFloat } from '@resultkit/core';
import fc from 'fast-check';
import type { Tagged } from './python.js';

const floatHex = (value: number): string => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return Buffer.from(view.buffer).toString('hex');
};

/** The Python value our writer means for `value`, tagged for `yaml_check.py`. */
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
      if (Number.isInteger(value) && !Object.is(value, -0)) return { int: BigInt(value).toString() };
      return { float: Number.isNaN(value) ? 'nan' : floatHex(value) };
    default:
      break;
  }
  if (value instanceof PyFloat) return { float: floatHex(value.value) };
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value).toString('hex') };
  if (value instanceof Date) return { datetime: formatDateDone(value) };
  if (value instanceof PyDate) return { date: value.iso };
  if (Array.isArray(value)) return { list: value.map(toTagged) };
  return {
    dict: Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      // safe_dump sorts keys (by code point), and safe_load keeps the order it reads.
      .sort(([a], [b]) => (a === b ? 0 : [...a].map((c) => c.codePointAt(0)!.toString(16).padStart(6, '0')).join() < [...b].map((c) => c.codePointAt(0)!.toString(16).padStart(6, '0')).join() ? -1 : 1))
      .map(([key, item]) => [{ str: key }, toTagged(item)]),
  };
}

/** What reading back gives: the JavaScript form of each Python value. */
export function expectedRead(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'number') return Number.isInteger(value) && !Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  if (value instanceof PyFloat) return value.value;
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array || value instanceof Date || value instanceof PyDate) return value;
  if (Array.isArray(value)) return value.map(expectedRead);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) Object.defineProperty(out, key, { value: expectedRead(item), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

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
