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
  const sink = new AsciiSink(options?.maxSize ?? constants.MAX_LENGTH);
  return new PythonJsonWriter(options?.dialect ?? 'kombu5.2', sink).encode(value);
}

/**
 * Cycles are looked for only below this depth: a cycle makes a value infinitely deep, so it
 * is caught there all the same (it repeats within the objects collected from here on), and
 * ordinary documents never pay for the search. The nesting limit is checked there too.
 */
const CYCLE_CHECK_DEPTH = 64;

/**
 * Text is built as a string (concatenation is the fastest way V8 has to build text) and moved
 * into the byte sink once this long, so no string the writer builds grows past it.
 */
const SPILL_LENGTH = 1024 * 1024;

/**
 * Strings longer than this are escaped in slices straight into the sink: one `replace` over a
 * whole large string is what used to exhaust V8. Shorter ones take the string path.
 */
const LONG_STRING = 4096;
const SLICE_LENGTH = 16 * 1024;
/** A multiple of 3, so that base64 slices join without padding in between. */
const BASE64_SLICE_BYTES = 3 * SLICE_LENGTH;

class PythonJsonWriter {
  /** Text written but not yet moved into the sink. */
  #out = '';
  #depth = 0;
  /** The objects being written below CYCLE_CHECK_DEPTH, outermost first. */
  readonly #deepAncestors: object[] = [];
  /**
   * for...in is several times faster than Object.keys, but it also lists inherited enumerable
   * properties. Plain objects inherit none unless someone added one to Object.prototype.
   */
  readonly #forInListsOwnKeys = Object.keys(Object.prototype).length === 0;

  constructor(
    private readonly dialect: KombuDialect,
    private readonly sink: AsciiSink,
  ) {}

  encode(value: unknown): Uint8Array {
    this.#value(value);
    return this.sink.finish(this.#out);
  }

  #value(value: unknown): void {
    switch (typeof value) {
      case 'string':
        if (value.length > LONG_STRING) this.#longString(value);
        else this.#out += quote(value);
        return;
      case 'number':
        this.#out += formatNumber(value);
        return;
      case 'boolean':
        this.#out += value ? 'true' : 'false';
        return;
      case 'bigint':
        this.#out += formatBigInt(value);
        return;
      case 'undefined':
        this.#out += 'null';
        return;
      case 'object':
        if (value === null) this.#out += 'null';
        else this.#object(value);
        return;
      default:
        throw new TypeError(`Cannot write a ${typeof value} as JSON`);
    }
  }

  /** Moves the text written so far into the sink once it is long. */
  #spill(): void {
    if (this.#out.length >= SPILL_LENGTH) this.#flush();
  }

  #flush(): void {
    this.sink.ascii(this.#out);
    this.#out = '';
  }

  // No try/finally to unwind the depth: after a throw, this writer is never used again.
  #object(value: object): void {
    if (++this.#depth <= CYCLE_CHECK_DEPTH) {
      this.#nonNull(value);
      this.#depth--;
      return;
    }
    if (this.#depth > MAX_NESTING_DEPTH) throw new RangeError(nestingTooDeepMessage('The value'));
    const ancestors = this.#deepAncestors;
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
    if (value instanceof PyFloat) {
      this.#out += formatFloat(value.value);
      return;
    }
    const { toJSON } = value as { toJSON?: unknown };
    if (typeof toJSON === 'function') return this.#value(toJSON.call(value));
    const name = (prototype as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'object';
    throw new TypeError(`Cannot write a ${name} as JSON: only plain objects, arrays and values with toJSON()`);
  }

  #array(array: readonly unknown[]): void {
    const length = array.length;
    if (length === 0) {
      this.#out += '[]';
      return;
    }
    this.#out += '[';
    this.#value(array[0]);
    for (let i = 1; i < length; i++) {
      this.#out += ', ';
      this.#value(array[i]);
      this.#spill();
    }
    this.#out += ']';
  }

  #record(record: Record<string, unknown>): void {
    this.#out += '{';
    let empty = true;
    if (this.#forInListsOwnKeys) {
      for (const key in record) empty = this.#property(key, record[key], empty);
    } else {
      for (const key of Object.keys(record)) empty = this.#property(key, record[key], empty);
    }
    this.#out += '}';
  }

  /** Writes one property unless its value is undefined; returns whether the object is still empty. */
  #property(key: string, value: unknown, empty: boolean): boolean {
    if (value === undefined) return empty;
    if (!empty) this.#out += ', ';
    if (key.length > LONG_STRING) this.#longString(key);
    else this.#out += quoteKey(key);
    this.#out += ': ';
    this.#value(value);
    this.#spill();
    return false;
  }

  /** A long string, escaped slice by slice into the sink. */
  #longString(text: string): void {
    // Every code unit takes one to six bytes. Where that range straddles the room left, the
    // exact length is counted (one pass, nothing allocated), so a string that cannot fit is
    // refused before anything is escaped.
    const pending = this.#out.length;
    this.sink.reserve(pending, text.length + 2);
    if (!this.sink.fits(pending, 6 * text.length + 2)) this.sink.reserve(pending, escapedLength(text) + 2);
    this.#out += '"';
    this.#flush();
    for (let start = 0; start < text.length; start += SLICE_LENGTH) {
      this.#stringContent(text.slice(start, start + SLICE_LENGTH));
    }
    this.#out += '"';
  }

  /**
   * Text between quotes. A surrogate pair cut in two by slicing is still written right: Python
   * writes both halves as `\uXXXX` escapes, and so does JSON.stringify for a lone surrogate.
   */
  #stringContent(text: string): void {
    if (!NEEDS_ESCAPE.test(text)) return this.sink.ascii(text);
    const json = JSON.stringify(text);
    this.sink.escapedAscii(json, 1, json.length - 1);
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
    this.sink.reserve(this.#out.length, prefix.length + shortest + 2);
    this.#out += prefix;
    this.#flush();
    if (type === 'base64') {
      for (let start = 0; start < bytes.length; start += BASE64_SLICE_BYTES) {
        this.sink.ascii(bytes.toString('base64', start, Math.min(start + BASE64_SLICE_BYTES, bytes.length)));
      }
    } else {
      // Streaming keeps a character cut between slices whole; the bytes are valid UTF-8.
      const decoder = new TextDecoder();
      for (let start = 0; start < bytes.length; start += SLICE_LENGTH) {
        this.#stringContent(decoder.decode(bytes.subarray(start, start + SLICE_LENGTH), { stream: true }));
      }
      this.#stringContent(decoder.decode());
    }
    this.#out += '"}';
  }
}

// Python escapes everything outside printable ASCII; JSON.stringify leaves DEL (0x7f) and
// everything above it as is. Without the `u` flag these match UTF-16 code units, so an astral
// character becomes its two surrogates, as in Python.
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\uffff]/;
const NEEDS_ASCII_ESCAPE = /[\u007f-\uffff]/;
const ASCII_ESCAPES = /[\u007f-\uffff]/g;

/**
 * A string literal as Python writes it. Most strings need no escape at all. For the others,
 * JSON.stringify writes the short escapes (`\n`, `\"`, ...), `\u00XX` for other control
 * characters and `\udXXX` for lone surrogates, all in lowercase like Python, and leaves `/`
 * alone; only non-ASCII is left to escape.
 */
function quote(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return `"${text}"`;
  const json = JSON.stringify(text);
  return NEEDS_ASCII_ESCAPE.test(json) ? json.replace(ASCII_ESCAPES, escapeCodeUnit) : json;
}

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

function escapeCodeUnit(char: string): string {
  const hex = char.charCodeAt(0).toString(16);
  return `\\u${'0000'.slice(hex.length)}${hex}`;
}

// The same few property names recur in every document (and in every record of a list), so
// their quoted forms are kept. Bounded: emptied when full, and long names are not kept.
const quotedKeys = new Map<string, string>();
const MAX_QUOTED_KEYS = 2048;
const MAX_CACHED_KEY_LENGTH = 64;

function quoteKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = quote(key);
    if (key.length <= MAX_CACHED_KEY_LENGTH) {
      if (quotedKeys.size >= MAX_QUOTED_KEYS) quotedKeys.clear();
      quotedKeys.set(key, quoted);
    }
  }
  return quoted;
}

/** A number as Python writes it: integral values as an int, others as a float. */
function formatNumber(value: number): string {
  // -0 comes only from float arithmetic, and Python writes the float as -0.0 (String(-0) is "0").
  if (Number.isSafeInteger(value)) return value === 0 && 1 / value < 0 ? '-0.0' : String(value);
  // Beyond 2^53 String() writes the shortest digits that round to the double, padded with
  // zeros (34650607682967152 as "34650607682967150"), and from 1e21 on an exponent. An int
  // must carry the double's exact value instead.
  if (Number.isInteger(value)) return formatBigInt(BigInt(value));
  // The common float, not integral and between 1e-4 and 1e16 in magnitude (NaN fails both
  // tests): JavaScript and Python lay out its shortest digits the same way.
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-4 && magnitude < 1e16) return String(value);
  return formatFloat(value);
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
