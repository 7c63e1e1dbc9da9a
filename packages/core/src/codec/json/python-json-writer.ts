/**
 * Writes JSON byte for byte as kombu writes it, which is Python's `json.dumps(obj)` with its
 * default options. A Celery reader would accept `JSON.stringify` output too, but matching the
 * bytes means a document written here is indistinguishable from one a worker wrote: golden
 * tests can compare bytes, and a value read from Python and written back is unchanged.
 */
import { MAX_INT_DIGITS } from './json-reader.js';
import { encodeKombuType, type KombuDialect } from './kombu-types.js';
import { PyFloat, formatPythonFloat } from './python-float.js';

export interface StringifyPythonOptions {
  /**
   * How datetimes, bytes and the `Py*` values are written: kombu 5.2's plain strings or kombu
   * 5.3+'s `__type__` envelopes (see `KombuDialect`). Default `'kombu5.2'`.
   */
  dialect?: KombuDialect;
}

/**
 * `json.dumps(value)` as Python writes it: `", "` and `": "` separators, only ASCII (`\uXXXX`
 * escapes), bare `NaN` / `Infinity`, integral numbers and bigints as ints, other numbers as
 * Python's float repr. Object properties whose value is `undefined` are left out, as in
 * `JSON.stringify`; `undefined` in an array becomes `null`. Throws a `TypeError` for functions,
 * symbols, circular structures and class instances without `toJSON` (Map, Set, ...), and a
 * `RangeError` for what Python cannot represent: a `Date` outside years 1-9999, an integer of
 * more than 4,300 digits.
 */
export function stringifyPython(value: unknown, options?: StringifyPythonOptions): string {
  return new PythonJsonWriter(options?.dialect ?? 'kombu5.2').write(value);
}

/**
 * Cycles are looked for only below this depth: a cycle makes a value infinitely deep, so it
 * is caught there all the same (it repeats within the objects collected from here on), and
 * ordinary documents never pay for the search.
 */
const CYCLE_CHECK_DEPTH = 64;

class PythonJsonWriter {
  #depth = 0;
  /** The objects being written below CYCLE_CHECK_DEPTH, outermost first. */
  readonly #deepAncestors: object[] = [];
  /**
   * for...in is several times faster than Object.keys, but it also lists inherited enumerable
   * properties. Plain objects inherit none unless someone added one to Object.prototype.
   */
  readonly #forInListsOwnKeys = Object.keys(Object.prototype).length === 0;

  constructor(private readonly dialect: KombuDialect) {}

  write(value: unknown): string {
    switch (typeof value) {
      case 'string':
        return quote(value);
      case 'number':
        return formatNumber(value);
      case 'boolean':
        return value ? 'true' : 'false';
      case 'bigint':
        return formatBigInt(value);
      case 'undefined':
        return 'null';
      case 'object':
        return value === null ? 'null' : this.#object(value);
      default:
        throw new TypeError(`Cannot write a ${typeof value} as JSON`);
    }
  }

  // No try/finally to unwind the depth: after a throw, this writer is never used again.
  #object(value: object): string {
    if (++this.#depth <= CYCLE_CHECK_DEPTH) {
      const out = this.#nonNull(value);
      this.#depth--;
      return out;
    }
    const ancestors = this.#deepAncestors;
    if (ancestors.includes(value)) throw new TypeError('Cannot write a circular structure as JSON');
    ancestors.push(value);
    const out = this.#nonNull(value);
    ancestors.pop();
    this.#depth--;
    return out;
  }

  #nonNull(value: object): string {
    if (Array.isArray(value)) return this.#array(value);
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype === Object.prototype || prototype === null) return this.#record(value as Record<string, unknown>);
    // The special types come before toJSON: Date, Buffer and the Py* classes all have one.
    const special = encodeKombuType(value, this.dialect);
    if (special !== undefined) return this.write(special);
    if (value instanceof PyFloat) return formatFloat(value.value);
    const { toJSON } = value as { toJSON?: unknown };
    if (typeof toJSON === 'function') return this.write(toJSON.call(value));
    const name = (prototype as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'object';
    throw new TypeError(`Cannot write a ${name} as JSON: only plain objects, arrays and values with toJSON()`);
  }

  #array(array: readonly unknown[]): string {
    const length = array.length;
    if (length === 0) return '[]';
    let out = `[${this.write(array[0])}`;
    for (let i = 1; i < length; i++) out += `, ${this.write(array[i])}`;
    return `${out}]`;
  }

  #record(record: Record<string, unknown>): string {
    let out = '{';
    if (this.#forInListsOwnKeys) {
      for (const key in record) out = this.#property(out, key, record[key]);
    } else {
      for (const key of Object.keys(record)) out = this.#property(out, key, record[key]);
    }
    return `${out}}`;
  }

  /** `out` (an object's text so far) with one more property, unless its value is undefined. */
  #property(out: string, key: string, value: unknown): string {
    if (value === undefined) return out;
    const separator = out.length === 1 ? '' : ', '; // nothing but the `{` yet
    return `${out}${separator}${quoteKey(key)}: ${this.write(value)}`;
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
  if (Number.isSafeInteger(value)) return String(value); // -0 too: String(-0) is "0"
  // Beyond 2^53 String() writes the shortest digits that round to the double, padded with
  // zeros (34650607682967152 as "34650607682967150"), and from 1e21 on an exponent. An int
  // must carry the double's exact value instead.
  if (Number.isInteger(value)) return formatBigInt(BigInt(value));
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
