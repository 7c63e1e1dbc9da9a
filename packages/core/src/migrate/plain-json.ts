import { PyFloat } from '../codec/json/python-float.js';

/**
 * Whether JSON holds `value` exactly as it is, so that writing it into a JSON store and reading
 * it back would give the same document: null, booleans, text, ints (numbers and bigints),
 * finite floats (non-integral numbers and `PyFloat`), plain arrays and plain objects of those.
 * Anything else (tuples, datetimes, bytes, Decimal, maps, NaN, -0, a `__type__` key that kombu
 * 5.3 would read as an envelope) answers false, and the caller checks the round trip instead.
 * This is a shortcut, not a judgement: false never means "lossy".
 */
export function holdsExactlyAsJson(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (value instanceof PyFloat) return Number.isFinite(Number(value));
      const prototype = Object.getPrototypeOf(value) as unknown;
      if (prototype === Array.prototype) return (value as unknown[]).every((item) => holdsExactlyAsJson(item, depth + 1));
      if (prototype !== Object.prototype) return false;
      for (const key in value) {
        if (key === '__type__' || !holdsExactlyAsJson((value as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}
