/**
 * Python's `json.dumps` built the simple way, from JSON.stringify and string replacement: slow
 * and memory-hungry, but short enough to check by reading, which the writer's byte loops are
 * not. The golden tests and the test-suite's comparison with Python itself hold it to Python.
 */
import { formatPythonFloat } from '../src/codec/json/python-float.js';

/** A string literal as `json.dumps` writes it: JSON's escapes, then `\uXXXX` for DEL and up. */
export const quotedLikePython = (text: string): string =>
  JSON.stringify(text).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** `json.dumps(value)` for JSON values, bigints, NaN, the infinities and -0 (and undefined, as the writer takes it). */
export function dumpsLikePython(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'string':
      return quotedLikePython(value);
    case 'number':
      if (Number.isNaN(value)) return 'NaN';
      if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
      return Number.isInteger(value) && !Object.is(value, -0) ? BigInt(value).toString() : formatPythonFloat(value);
    default:
      break;
  }
  if (Array.isArray(value)) return `[${value.map(dumpsLikePython).join(', ')}]`;
  const properties = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
  return `{${properties.map(([key, item]) => `${quotedLikePython(key)}: ${dumpsLikePython(item)}`).join(', ')}}`;
}
