import { PyDate, PyDecimal, PyTime, PyUUID } from '@resultkit/core';

/**
 * Whether a decoded value means the same Python value as the one encoded, by core's
 * conventions: Python has one integer type, so a BigInt within the safe range and the number
 * with its value are the same int (serializers return numbers for small ints, BigInt for large); `bytes` is any
 * Uint8Array (a Buffer included) with the same octets; `datetime` is a `Date` at the same
 * instant; PyDecimal, PyUUID, PyDate and PyTime compare by their text.
 */
export function samePythonValue(actual: unknown, expected: unknown): boolean {
  const a = actual;
  const e = expected;
  if (isNumeric(a) && isNumeric(e)) return sameNumber(a, e);
  if (typeof a !== 'object' || typeof e !== 'object' || a === null || e === null) return a === e;
  if (e instanceof Uint8Array) return a instanceof Uint8Array && sameBytes(a, e);
  if (e instanceof Date) return a instanceof Date && a.getTime() === e.getTime();
  for (const type of [PyDecimal, PyUUID, PyDate, PyTime]) {
    if (e instanceof type) return a instanceof type && String(a) === String(e);
  }
  if (Array.isArray(e)) {
    return Array.isArray(a) && a.length === e.length && e.every((item, i) => samePythonValue(a[i], item));
  }
  if (Array.isArray(a) || a instanceof Uint8Array || a instanceof Date) return false;
  const aKeys = Object.keys(a);
  const eKeys = Object.keys(e);
  if (aKeys.length !== eKeys.length) return false;
  const aRecord = a as Record<string, unknown>;
  const eRecord = e as Record<string, unknown>;
  return eKeys.every((key) => Object.hasOwn(aRecord, key) && samePythonValue(aRecord[key], eRecord[key]));
}

function isNumeric(value: unknown): value is number | bigint {
  return typeof value === 'number' || typeof value === 'bigint';
}

// An integral number is a Python int whatever its size: the writer emits it as an int, and a
// reader returns a BigInt once it is beyond 2^53.
function sameNumber(a: number | bigint, e: number | bigint): boolean {
  if (typeof a === 'number' && typeof e === 'number') return a === e || (Number.isNaN(a) && Number.isNaN(e));
  const ai = typeof a === 'bigint' ? a : Number.isInteger(a) ? BigInt(a) : null;
  const ei = typeof e === 'bigint' ? e : Number.isInteger(e) ? BigInt(e) : null;
  return ai !== null && ai === ei;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
