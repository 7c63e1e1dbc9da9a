import { Buffer } from 'node:buffer';
import { formatDateDone, PyDate, PyFloat } from '@resultkit/core';

/** A value as `tagged_values.py` builds and describes it: the Python type is in the tag. */
export type Tagged = null | { [kind: string]: unknown };

/** How a format maps JavaScript numbers to Python values; the defaults are JSON's and YAML's. */
export interface TaggingRules {
  /**
   * The integers the format writes as Python ints, [least, past the greatest]; an integral
   * number outside is written as a float (msgpack: [-(2 ** 63), 2 ** 64]). Default: all.
   */
  intRange?: readonly [number, number];
  /**
   * The largest magnitude the reader returns as a number rather than a BigInt. Default
   * `Number.MAX_SAFE_INTEGER`; msgpackr returns up to 2 ** 53 as numbers.
   */
  largestNumber?: bigint;
  /** Whether the writer sorts dict keys by code point (PyYAML's `safe_dump` does). */
  sortKeys?: boolean;
}

const floatHex = (value: number): string => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return Buffer.from(view.buffer).toString('hex');
};

const isInt = (value: number, rules: TaggingRules): boolean =>
  Number.isInteger(value) && !Object.is(value, -0) && (!rules.intRange || (value >= rules.intRange[0] && value < rules.intRange[1]));

// Code point order, which is not JavaScript's UTF-16 order once keys leave the BMP.
const byCodePoint = ([a]: [string, unknown], [b]: [string, unknown]): number => {
  const points = (text: string): string => [...text].map((c) => c.codePointAt(0)!.toString(16).padStart(6, '0')).join();
  return a === b ? 0 : points(a) < points(b) ? -1 : 1;
};

/** The Python value our writer means for `value`, tagged for `tagged_values.py`. */
export function toTagged(value: unknown, rules: TaggingRules = {}): Tagged {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'boolean':
      return { bool: value };
    case 'bigint':
      return { int: value.toString() };
    case 'string':
      return { str: value };
    case 'number':
      if (isInt(value, rules)) return { int: BigInt(value).toString() };
      return { float: Number.isNaN(value) ? 'nan' : floatHex(value) };
    default:
      break;
  }
  if (value instanceof PyFloat) return { float: Number.isNaN(value.value) ? 'nan' : floatHex(value.value) };
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value).toString('hex') };
  if (value instanceof Date) return { datetime: formatDateDone(value) };
  if (value instanceof PyDate) return { date: value.iso };
  if (Array.isArray(value)) return { list: value.map((item) => toTagged(item, rules)) };
  const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
  if (rules.sortKeys) entries.sort(byCodePoint);
  return { dict: entries.map(([key, item]) => [{ str: key }, toTagged(item, rules)]) };
}

/** What our reader gives for what Python wrote from `toTagged(value)`: the JavaScript form of each Python value. */
export function expectedRead(value: unknown, rules: TaggingRules = {}): unknown {
  const largest = rules.largestNumber ?? BigInt(Number.MAX_SAFE_INTEGER);
  if (value === undefined) return null;
  if (typeof value === 'number') {
    if (!isInt(value, rules) || Number.isSafeInteger(value)) return value;
    const big = BigInt(value);
    return big >= -largest && big <= largest ? value : big;
  }
  if (typeof value === 'bigint') return value >= -largest && value <= largest ? Number(value) : value;
  if (value instanceof PyFloat) return value.value;
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array || value instanceof Date || value instanceof PyDate) return value;
  if (Array.isArray(value)) return value.map((item) => expectedRead(item, rules));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // defineProperty: assigning "__proto__" would set the prototype instead of a key.
    if (item !== undefined) Object.defineProperty(out, key, { value: expectedRead(item, rules), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
