/**
 * Writes JSON byte for byte as kombu writes it, which is Python's `json.dumps(obj)` with its
 * default options. A Celery reader would accept `JSON.stringify` output too, but matching the
 * bytes means a document written here is indistinguishable from one a worker wrote: golden
 * tests can compare bytes, and a value read from Python and written back is unchanged.
 */
import { Buffer, constants } from 'node:buffer';
import { MAX_NESTING_DEPTH, nestingTooDeepMessage } from '../nesting.js';
import { AsciiSink } from './ascii-sink.js';
import { MAX_INT_DIGITS } from './json-reader.js';
import { encodeKombuType, kombuBytesType, type KombuDialect } from './kombu-types.js';
import { PyFloat, formatPythonFloat } from './python-float.js';

export interface StringifyPythonOptions {
  /**
   * How datetimes, bytes and the `Py*` values are written: kombu 5.2's plain strings or kombu
   * 5.3+'s `__type__` envelopes (see `KombuDialect`). Default `'kombu5.2'`.
   */
  dialect?: KombuDialect;
}

export interface EncodePythonJsonOptions extends StringifyPythonOptions {
  /**
   * The most bytes the output may have. A value that cannot fit throws `ValueTooLargeError` as
   * soon as that is known: before a long string or bytes value is escaped when its shortest
   * possible form is already too long, otherwise as the limit is crossed, so the work done
   * never exceeds what the limit allows. Default: the largest buffer Node can allocate.
   */
  maxSize?: number;
}

/**
 * `json.dumps(value)` as Python writes it: `", "` and `": "` separators, only ASCII (`\uXXXX`
 * escapes), bare `NaN` / `Infinity`, integral numbers and bigints as ints (but `-0` as `-0.0`,
 * the only float it can have been), other numbers as Python's float repr. Object properties
 * whose value is `undefined` are left out, as in `JSON.stringify`; `undefined` in an array
 * becomes `null`. Throws a `TypeError` for functions, symbols, circular structures and class
 * instances without `toJSON` (Map, Set, ...), and a `RangeError` for what Python cannot
 * represent: a `Date` outside years 1-9999, an integer of more than 4,300 digits, nesting
 * deeper than `MAX_NESTING_DEPTH` (1,000) levels.
 */
export function stringifyPython(value: unknown, options?: StringifyPythonOptions): string {
  return Buffer.from(encodePythonJson(value, options)).toString('latin1');
}

/**
 * `stringifyPython(value)` as ASCII bytes, which is what the json serializer stores. Time and
 * memory are proportional to the output, whatever its size: the text is never one string.
 */
export function encodePythonJson(value: unknown, options?: EncodePythonJsonOptions): Uint8Array {
  return new PythonJsonWriter(options?.dialect ?? 'kombu5.2', options?.maxSize ?? constants.MAX_LENGTH).encode(value);
}

/**
 * Cycles are looked for only below this depth: a cycle makes a value infinitely deep, so it
 * is caught there all the same (it repeats within the objects collected from here on), and
 * ordinary documents never pay for the search. The nesting limit is checked there too.
 */
const CYCLE_CHECK_DEPTH = 64;

/**
 * Strings longer than this are escaped in slices, each with room made for its longest escaped
 * form, and refused before any of it is written when they cannot fit.
 */
const LONG_STRING = 4096;
/**
 * From this length on, a string is searched for its first escape and copied up to it by native
 * code: faster than the loop of a short one from about this length, and several times faster on
 * long text.
 */
const NATIVE_STRING = 128;
const SLICE_LENGTH = 16 * 1024;
/** The most decimal places a float may have to be written without String(). */
const SHORT_DECIMAL_PLACES = 8;
/** A multiple of 3, so that base64 slices join without padding in between. */
const BASE64_SLICE_BYTES = 3 * SLICE_LENGTH;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const SPACE = 0x20;
const DEL = 0x7f;
const LOWER_U = 0x75;
/** The digits of a `\uXXXX` escape, lowercase as Python writes them. */
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** The letter of each control character Python escapes short (`\n`, ...), or 0 for `\u00XX`. */
const SHORT_ESCAPES = new Uint8Array(0x20);
for (const [code, letter] of [[0x08, 'b'], [0x09, 't'], [0x0a, 'n'], [0x0c, 'f'], [0x0d, 'r']] as const) {
  SHORT_ESCAPES[code] = letter.charCodeAt(0);
}

class PythonJsonWriter extends AsciiSink {
  #depth = 0;
  /** The objects being written below CYCLE_CHECK_DEPTH, outermost first. */
  #deepAncestors: object[] | null = null;
  /**
   * for...in is several times faster than Object.keys, but it also lists inherited enumerable
   * properties. Plain objects inherit none unless someone added one to Object.prototype.
   */
  readonly #forInListsOwnKeys = Object.keys(Object.prototype).length === 0;

  constructor(
    private readonly dialect: KombuDialect,
    limit: number,
  ) {
    super(limit);
  }

  encode(value: unknown): Uint8Array {
    try {
      this.#value(value);
      return this.finish();
    } finally {
      this.release();
    }
  }

  #value(value: unknown): void {
    switch (typeof value) {
      case 'string':
        this.#string(value);
        return;
      case 'number':
        this.#number(value);
        return;
      case 'boolean':
        this.ascii(value ? 'true' : 'false');
        return;
      case 'bigint':
        this.ascii(formatBigInt(value));
        return;
      case 'undefined':
        this.ascii('null');
        return;
      case 'object':
        if (value === null) this.ascii('null');
        else this.#object(value);
        return;
      default:
        throw new TypeError(`Cannot write a ${typeof value} as JSON`);
    }
  }

  /**
   * A string literal as Python writes it. Most strings are printable ASCII without a quote or
   * backslash: a short one's code units are its bytes, copied in the one pass that checks them;
   * a longer one is checked and copied by native code.
   */
  #string(text: string): void {
    const length = text.length;
    if (length >= NATIVE_STRING) return this.#longString(text);
    if (this.at + length + 2 > this.end) this.room(length + 2);
    const bytes = this.bytes;
    let at = this.at;
    bytes[at++] = QUOTE;
    for (let i = 0; i < length; i++) {
      const c = text.charCodeAt(i);
      if (c < SPACE || c >= DEL || c === QUOTE || c === BACKSLASH) {
        this.at = at;
        return this.#escapedRest(text, i);
      }
      bytes[at++] = c;
    }
    bytes[at++] = QUOTE;
    this.at = at;
  }

  /** The rest of a string from the first code unit that needs an escape, and its closing quote. */
  #escapedRest(text: string, from: number): void {
    const more = 6 * (text.length - from) + 1;
    if (this.at + more > this.end) this.room(more);
    const at = escapeInto(this.bytes, this.at, text, from, text.length);
    this.bytes[at] = QUOTE;
    this.at = at + 1;
  }

  /** A string of NATIVE_STRING code units or more, escaped slice by slice. */
  #longString(text: string): void {
    if (text.length > LONG_STRING) {
      // Every code unit takes one to six bytes. Where that range straddles the room left, the
      // exact length is counted (one pass, nothing allocated), so a string that cannot fit is
      // refused before anything is escaped.
      this.reserve(text.length + 2);
      if (!this.fits(6 * text.length + 2)) this.reserve(escapedLength(text) + 2);
    }
    this.ascii('"');
    for (let start = 0; start < text.length; start += SLICE_LENGTH) {
      this.#stringContent(text.length <= SLICE_LENGTH ? text : text.slice(start, start + SLICE_LENGTH));
    }
    this.ascii('"');
  }

  /**
   * Text between quotes. Native code finds the first code unit that needs an escape and copies
   * what comes before; the rest is escaped here, which is faster than letting JSON.stringify
   * escape it first, since its output would need another pass for non-ASCII anyway. A surrogate
   * pair cut in two by slicing is still written right: Python writes both halves as escapes.
   */
  #stringContent(text: string): void {
    let first = text.search(NEEDS_ESCAPE);
    if (first < 0) return this.longAscii(text, text.length);
    // A short clean start is not worth a native call of its own.
    if (first < NATIVE_STRING) first = 0;
    else this.longAscii(text, first);
    const more = 6 * (text.length - first);
    if (this.at + more > this.end) this.room(more);
    this.at = escapeInto(this.bytes, this.at, text, first, text.length);
  }

  /** A number as Python writes it: integral values as an int, others as a float. */
  #number(value: number): void {
    if (Number.isSafeInteger(value)) {
      // -0 comes only from float arithmetic, and Python writes the float as -0.0 (String(-0) is "0").
      if (value === 0 && 1 / value < 0) this.ascii('-0.0');
      else this.#integer(value);
      return;
    }
    // Beyond 2^53 String() writes the shortest digits that round to the double, padded with
    // zeros (34650607682967152 as "34650607682967150"), and from 1e21 on an exponent. An int
    // must carry the double's exact value instead.
    if (Number.isInteger(value)) return this.ascii(formatBigInt(BigInt(value)));
    // The common float, not integral and between 1e-4 and 1e16 in magnitude (NaN fails both
    // tests): JavaScript and Python lay out its shortest digits the same way.
    const magnitude = Math.abs(value);
    if (!(magnitude >= 1e-4 && magnitude < 1e16)) return this.ascii(formatFloat(value));
    if (!this.#shortDecimal(value, magnitude)) this.ascii(String(value));
  }

  /**
   * Writes a float of the common range that is a short decimal (a price, a duration: at most
   * SHORT_DECIMAL_PLACES places and 15 significant digits) without String(), which costs more
   * than the rest of the value's writing; returns false, having written nothing, for any other.
   * Such a decimal is the float's shortest repr: the float is found to be the one nearest to it
   * (`n / 10^k`, both exact, and the division correctly rounded), and no two decimals of at most
   * 15 significant digits are nearest to the same float, so no shorter one is.
   */
  #shortDecimal(value: number, magnitude: number): boolean {
    let scale = 10;
    let places = 1;
    let n = Math.round(magnitude * scale);
    while (n / scale !== magnitude) {
      if (places === SHORT_DECIMAL_PLACES) return false;
      scale *= 10;
      places++;
      n = Math.round(magnitude * scale);
    }
    if (n >= 1e15) return false;
    // The integer part's digits (at least the one 0), the point, then `places` digits.
    let digits = 1;
    for (let bound = 10 * scale; n >= bound; bound *= 10) digits++;
    const length = (value < 0 ? 1 : 0) + digits + 1 + places;
    if (this.at + length > this.end) this.room(length);
    const bytes = this.bytes;
    let at = this.at + length;
    this.at = at;
    for (let i = 0; i < places; i++) {
      const digit = n % 10;
      bytes[--at] = 0x30 + digit;
      n = (n - digit) / 10;
    }
    bytes[--at] = 0x2e;
    do {
      const digit = n % 10;
      bytes[--at] = 0x30 + digit;
      n = (n - digit) / 10;
    } while (n > 0);
    if (value < 0) bytes[--at] = 0x2d;
    return true;
  }

  /** A safe integer's digits, written from the last without a string in between. */
  #integer(value: number): void {
    let rest = value < 0 ? -value : value;
    let digits = 1;
    for (let bound = 10; rest >= bound && digits < 16; bound *= 10) digits++;
    if (this.at + digits + 1 > this.end) this.room(digits + 1);
    const bytes = this.bytes;
    if (value < 0) bytes[this.at++] = 0x2d;
    let at = this.at + digits;
    this.at = at;
    // Above 2^31 in doubles, where the remainder and the division of a multiple of 10 are both
    // exact for any safe integer; below, in int32 arithmetic, which V8 does fastest.
    while (rest >= 0x80000000) {
      const digit = rest % 10;
      bytes[--at] = 0x30 + digit;
      rest = (rest - digit) / 10;
    }
    let small = rest | 0;
    do {
      const next = (small / 10) | 0;
      bytes[--at] = 0x30 + small - 10 * next;
      small = next;
    } while (small > 0);
  }

  // No try/finally to unwind the depth: after a throw, this writer is never used again.
  #object(value: object): void {
    if (++this.#depth <= CYCLE_CHECK_DEPTH) {
      this.#nonNull(value);
      this.#depth--;
      return;
    }
    if (this.#depth > MAX_NESTING_DEPTH) throw new RangeError(nestingTooDeepMessage('The value'));
    const ancestors = (this.#deepAncestors ??= []);
    if (ancestors.includes(value)) throw new TypeError('Cannot write a circular structure as JSON');
    ancestors.push(value);
    this.#nonNull(value);
    ancestors.pop();
    this.#depth--;
  }

  #nonNull(value: object): void {
    if (Array.isArray(value)) return this.#array(value);
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype === Object.prototype || prototype === null) return this.#record(value as Record<string, unknown>);
    if (value instanceof Uint8Array && value.length > LONG_STRING && this.dialect === 'kombu5.3') {
      return this.#bytesEnvelope(value);
    }
    // The special types come before toJSON: Date, Buffer and the Py* classes all have one.
    const special = encodeKombuType(value, this.dialect);
    if (special !== undefined) return this.#value(special);
    if (value instanceof PyFloat) return this.ascii(formatFloat(value.value));
    const { toJSON } = value as { toJSON?: unknown };
    if (typeof toJSON === 'function') return this.#value(toJSON.call(value));
    const name = (prototype as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'object';
    throw new TypeError(`Cannot write a ${name} as JSON: only plain objects, arrays and values with toJSON()`);
  }

  #array(array: readonly unknown[]): void {
    const length = array.length;
    if (length === 0) return this.ascii('[]');
    this.ascii('[');
    this.#value(array[0]);
    for (let i = 1; i < length; i++) {
      this.#separator(COMMA);
      this.#value(array[i]);
    }
    this.ascii(']');
  }

  #record(record: Record<string, unknown>): void {
    this.ascii('{');
    let empty = true;
    if (this.#forInListsOwnKeys) {
      for (const key in record) empty = this.#property(key, record[key], empty);
    } else {
      for (const key of Object.keys(record)) empty = this.#property(key, record[key], empty);
    }
    this.ascii('}');
  }

  /** Writes one property unless its value is undefined; returns whether the object is still empty. */
  #property(key: string, value: unknown, empty: boolean): boolean {
    if (value === undefined) return empty;
    if (!empty) this.#separator(COMMA);
    this.#string(key);
    this.#separator(COLON);
    this.#value(value);
    return false;
  }

  /** `, ` or `: `, Python's default separators. */
  #separator(mark: number): void {
    if (this.at + 2 > this.end) this.room(2);
    this.bytes[this.at] = mark;
    this.bytes[this.at + 1] = SPACE;
    this.at += 2;
  }

  /**
   * A kombu 5.3 bytes envelope for a large `Uint8Array`, written in slices as well: the text or
   * base64 of the whole value would be one string several times its size.
   */
  #bytesEnvelope(value: Uint8Array): void {
    if (this.#depth + 1 > MAX_NESTING_DEPTH) throw new RangeError(nestingTooDeepMessage('The value'));
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const type = kombuBytesType(bytes);
    // The shortest each can be: base64 has 4 characters per 3 bytes, and each UTF-8 byte turns
    // into at least one character.
    const shortest = type === 'base64' ? 4 * Math.ceil(bytes.length / 3) : bytes.length;
    const prefix = `{"__type__": "${type}", "__value__": "`;
    this.reserve(prefix.length + shortest + 2);
    this.ascii(prefix);
    if (type === 'base64') {
      for (let start = 0; start < bytes.length; start += BASE64_SLICE_BYTES) {
        const base64 = bytes.toString('base64', start, Math.min(start + BASE64_SLICE_BYTES, bytes.length));
        this.longAscii(base64, base64.length);
      }
    } else {
      // Streaming keeps a character cut between slices whole; the bytes are valid UTF-8.
      const decoder = new TextDecoder();
      for (let start = 0; start < bytes.length; start += SLICE_LENGTH) {
        this.#stringContent(decoder.decode(bytes.subarray(start, start + SLICE_LENGTH), { stream: true }));
      }
      this.#stringContent(decoder.decode());
    }
    this.ascii('"}');
  }
}

/**
 * Writes `text[start, end)` as Python's `ensure_ascii` does, from `bytes[at]` on, and returns
 * where it ended: `\"`, `\\` and the short escapes of `\b\t\n\f\r`, `\uXXXX` in lowercase
 * for other control characters and every code unit from DEL up (an astral character as its two
 * surrogates, a lone surrogate as itself). `bytes` must have room for six bytes per code unit.
 */
function escapeInto(bytes: Buffer, at: number, text: string, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= SPACE && c < DEL) {
      if (c === QUOTE || c === BACKSLASH) bytes[at++] = BACKSLASH;
      bytes[at++] = c;
      continue;
    }
    const letter = c < SPACE ? (SHORT_ESCAPES[c] as number) : 0;
    bytes[at] = BACKSLASH;
    if (letter !== 0) {
      bytes[at + 1] = letter;
      at += 2;
      continue;
    }
    bytes[at + 1] = LOWER_U;
    bytes[at + 2] = HEX[c >>> 12] as number;
    bytes[at + 3] = HEX[(c >>> 8) & 0xf] as number;
    bytes[at + 4] = HEX[(c >>> 4) & 0xf] as number;
    bytes[at + 5] = HEX[c & 0xf] as number;
    at += 6;
  }
  return at;
}

// Python escapes everything outside printable ASCII; JSON.stringify leaves DEL (0x7f) and
// everything above it as is. Without the `u` flag these match UTF-16 code units, so an astral
// character becomes its two surrogates, as in Python.
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\uffff]/;

/** The length of `text` as Python writes it inside quotes, without writing it. */
function escapedLength(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) length += c === 0x22 || c === 0x5c ? 2 : 1;
    else length += c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 2 : 6;
  }
  return length;
}

/** A number as a Python float: its repr, or the bare tokens json.dumps writes for the others. */
function formatFloat(value: number): string {
  if (Number.isFinite(value)) return formatPythonFloat(value);
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}

/** An int's digits; longer than Python (and `parseJson`) will read is refused. */
function formatBigInt(value: bigint): string {
  const text = value.toString();
  const digits = value < 0n ? text.length - 1 : text.length;
  if (digits > MAX_INT_DIGITS) {
    throw new RangeError(`Python refuses to read integers of more than ${MAX_INT_DIGITS} digits`);
  }
  return text;
}
