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
 * is caught there all the same, and ordinary documents never pay for the search.
 */
const CYCLE_CHECK_DEPTH = 64;

class PythonJsonWriter {
  /** The objects being written, outermost first. */
  readonly #ancestors: object[] = [];

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

  #object(value: object): string {
    const ancestors = this.#ancestors;
    if (ancestors.length >= CYCLE_CHECK_DEPTH && ancestors.includes(value)) {
      throw new TypeError('Cannot write a circular structure as JSON');
    }
    ancestors.push(value);
    try {
      return this.#nonNull(value);
    } finally {
      ancestors.pop();
    }
  }

  #nonNull(value: object): string {
    if (Array.isArray(value)) return this.#array(value);
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype === Object.prototype || prototype === null) return this.#record(value as Record<string, unknown>);
    // The special types come before toJSON: Date, Buffer and the Py* classes all have one.
    const special = encodeKombuType(value, this.dialect);
    if (special !== undefined) return this.write(special);
    if (value instanceof PyFloat) return formatNumber(value.value, true);
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
    let out = '';
    for (const key of Object.keys(record)) {
      const value = record[key];
      if (value === undefined) continue;
      out += `${out ? ', ' : '{'}${quote(key)}: ${this.write(value)}`;
    }
    return out ? `${out}}` : '{}';
  }
}

// Python escapes everything outside printable ASCII; JSON.stringify leaves DEL (0x7f) and
// everything above it as is. Without the `u` flag these match UTF-16 code units, so an astral
// character becomes its two surrogates, as in Python.
const NEEDS_ASCII_ESCAPE = /[\u007f-\uffff]/;
const ASCII_ESCAPES = /[\u007f-\uffff]/g;

/**
 * A string literal as Python writes it. JSON.stringify already writes the short escapes
 * (`\n`, `\"`, ...), `\u00XX` for other control characters and `\udXXX` for lone surrogates,
 * all in lowercase like Python, and leaves `/` alone; only non-ASCII is left to escape.
 */
function quote(text: string): string {
  const json = JSON.stringify(text);
  return NEEDS_ASCII_ESCAPE.test(json) ? json.replace(ASCII_ESCAPES, escapeCodeUnit) : json;
}

function escapeCodeUnit(char: string): string {
  const hex = char.charCodeAt(0).toString(16);
  return `\\u${'0000'.slice(hex.length)}${hex}`;
}

/**
 * A number as Python writes it: integral values as an int (every digit: `2 ** 70` is exact
 * in a double and in Python), others as a float repr. `float` forces the float form (`3.0`).
 */
function formatNumber(value: number, float = false): string {
  if (Number.isFinite(value)) {
    if (float || !Number.isInteger(value)) return formatPythonFloat(value);
    // String() switches to exponent notation at 1e21 (and writes -0 as "0").
    return value < 1e21 && value > -1e21 ? String(value) : formatBigInt(BigInt(value));
  }
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}

/** An int's digits; longer than Python (and `parseJson`) will read is refused. */
function formatBigInt(value: bigint): string {
  const text = value.toString();
  if (text.length > MAX_INT_DIGITS && text.length - (value < 0n ? 1 : 0) > MAX_INT_DIGITS) {
    throw new RangeError(`Python refuses to read integers of more than ${MAX_INT_DIGITS} digits`);
  }
  return text;
}
