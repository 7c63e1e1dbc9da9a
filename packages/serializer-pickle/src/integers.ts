import { DecodeError } from '@resultkit/core';

/**
 * Python has one unbounded `int`; JavaScript has `number` (exact up to 2^53) and `bigint`.
 * Decoded integers are a `number` when `Number.isSafeInteger` holds and a `bigint` otherwise,
 * whichever opcode carried them, so equal Python values always decode to equal JS values.
 */
export function toJsInteger(value: bigint): number | bigint {
  return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value;
}

/**
 * Python refuses to parse decimal integers longer than this (`sys.int_info.str_digits_check_threshold`,
 * 3.11+) because the conversion is quadratic; the same limit keeps a hostile INT/LONG line cheap.
 */
const MAX_DECIMAL_DIGITS = 4300;

/** The text of an INT or LONG opcode (optional sign, decimal digits). */
export function parseDecimalInteger(text: string, what: string): number | bigint {
  const trimmed = text.trim();
  if (!/^[+-]?[0-9]+$/.test(trimmed)) {
    throw new DecodeError(`Corrupt pickle: the argument of ${what} is not a decimal integer.`);
  }
  if (trimmed.replace(/^[+-]/, '').length > MAX_DECIMAL_DIGITS) {
    throw new DecodeError(
      `Refusing the ${what} opcode: its integer has more than ${MAX_DECIMAL_DIGITS} digits (Python refuses it too).`,
    );
  }
  return toJsInteger(BigInt(trimmed));
}

/** LONG1/LONG4 payload: little-endian two's complement, empty for zero. */
export function decodeLong(bytes: Uint8Array): number | bigint {
  const n = bytes.length;
  if (n === 0) return 0;
  if (n <= 6) {
    // Fits a double exactly: no BigInt needed on the hot path of ordinary ints.
    let value = 0;
    for (let i = n - 1; i >= 0; i--) value = value * 256 + (bytes[i] as number);
    return (bytes[n - 1] as number) & 0x80 ? value - 2 ** (8 * n) : value;
  }
  // Build a hex string most-significant byte first: linear, unlike repeated BigInt arithmetic.
  let hex = '';
  for (let i = n - 1; i >= 0; i--) hex += (bytes[i] as number).toString(16).padStart(2, '0');
  let value = BigInt(`0x${hex}`);
  if ((bytes[n - 1] as number) & 0x80) value -= 1n << BigInt(8 * n);
  return toJsInteger(value);
}

/** The shortest little-endian two's complement form of `value`, as Python's `encode_long`. */
export function encodeLong(value: bigint): Uint8Array {
  if (value === 0n) return new Uint8Array(0);
  const negative = value < 0n;
  // Python takes bit_length(|x|) // 8 + 1 bytes, then drops a redundant 0xff sign byte.
  const magnitude = (negative ? -value : value).toString(16);
  const bitLength = magnitude.length * 4 - (Math.clz32(Number.parseInt(magnitude[0] as string, 16)) - 28);
  let size = (bitLength >> 3) + 1;
  const modulus = 1n << BigInt(8 * size);
  const unsigned = negative ? modulus + value : value;
  const hex = unsigned.toString(16).padStart(size * 2, '0');
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = Number.parseInt(hex.slice(hex.length - 2 * (i + 1), hex.length - 2 * i), 16);
  if (negative && size > 1 && out[size - 1] === 0xff && ((out[size - 2] as number) & 0x80) !== 0) {
    size -= 1;
  }
  return out.subarray(0, size);
}
