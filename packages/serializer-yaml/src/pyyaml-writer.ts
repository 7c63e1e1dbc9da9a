/**
 * Writes YAML as kombu's yaml serializer stores it, `yaml.safe_dump(obj)` with PyYAML's default
 * options: block style, keys sorted, an indent of 2, sequences inside mappings not indented,
 * `allow_unicode=False` (so any text outside printable ASCII is double-quoted with escapes), and
 * PyYAML's choice between plain, single-quoted and double-quoted scalars. For the documents
 * Celery stores the bytes are PyYAML's. One layout is simplified, and read back by `safe_load`
 * as the very same value: scalars longer than 80 columns are not folded onto several lines.
 */
import { Buffer } from 'node:buffer';
import { EncodeError, formatDateDone, formatPythonFloat, MAX_NESTING_DEPTH, nestingTooDeepMessage, PyDate, PyDecimal, PyFloat, PyTime, PyUUID } from '@resultkit/core';
import { resolvesToNonString } from './pyyaml-resolver.js';

/** `yaml.safe_dump(value)` as text. */
export function dumpPyYaml(value: unknown): string {
  const writer = new Writer();
  if (isCollection(value) && !isEmpty(value)) {
    writer.node(value, 0, 'top');
    return writer.out;
  }
  const text = writer.scalar(value, 2); // a root scalar continues at an indent of 2
  // PyYAML ends a document that is a bare plain scalar (a str, a number, null, a bool) with an
  // explicit end marker; quoted scalars, `[]`, `{}` and `!!binary` blocks end by themselves.
  const plain = !/^['"[{!]/.test(text);
  return plain ? `${text}\n...\n` : `${text}\n`;
}

type Context = 'top' | 'value' | 'item';

const isCollection = (value: unknown): value is object =>
  typeof value === 'object' && value !== null && (Array.isArray(value) || isPlainObject(value));

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function isEmpty(value: object): boolean {
  if (Array.isArray(value)) return value.length === 0;
  return entries(value as Record<string, unknown>).length === 0;
}

/** An object's entries without `undefined` values (as JSON leaves them out), sorted as Python sorts str keys. */
function entries(record: Record<string, unknown>): [string, unknown][] {
  const list = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .map((key): [string, unknown] => [key, record[key]]);
  return list.sort(([a], [b]) => compareCodePoints(a, b));
}

/** Python compares str by code point; JavaScript's default sort compares UTF-16 code units. */
function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

class Writer {
  out = '';
  #depth = 0;

  /** A non-empty mapping or sequence; the cursor is after `key:`, after `- `, or at the start. */
  node(value: object, column: number, context: Context): void {
    if (++this.#depth > MAX_NESTING_DEPTH) throw new EncodeError(nestingTooDeepMessage('The value'));
    if (Array.isArray(value)) this.#sequence(value, column, context);
    else this.#mapping(value as Record<string, unknown>, column, context);
    this.#depth--;
  }

  #mapping(record: Record<string, unknown>, column: number, context: Context): void {
    let first = true;
    for (const [key, item] of entries(record)) {
      // In a sequence item the first key follows the dash on the same line.
      if (!(first && context === 'item')) this.out += ' '.repeat(column);
      first = false;
      // PyYAML writes a key of 128 characters or more, or one with a line break, as an explicit
      // `? key` / `: value` pair (YAML limits simple keys to one line of 1024 characters).
      // Its value then follows the `:` as a sequence item follows its dash.
      if (key === '' || [...key].length >= 128 || key.includes('\n')) {
        this.out += `? ${text(key, column + 2, false)}\n${' '.repeat(column)}:`;
        this.#child(item, column, 'item');
      } else {
        this.out += `${text(key, column, true)}:`;
        this.#child(item, column, 'value');
      }
    }
  }

  #sequence(items: readonly unknown[], column: number, context: Context): void {
    let first = true;
    for (const item of items) {
      if (!(first && context === 'item')) this.out += ' '.repeat(column);
      first = false;
      this.out += '-';
      this.#child(item, column, 'item');
    }
  }

  /** What follows `key:` or `-`. */
  #child(value: unknown, column: number, context: 'value' | 'item'): void {
    if (isCollection(value) && !isEmpty(value)) {
      if (context === 'item') {
        this.out += ' ';
        this.node(value, column + 2, 'item');
      } else if (Array.isArray(value)) {
        this.out += '\n';
        this.node(value, column, 'value'); // indentless: the dashes line up with the key
      } else {
        this.out += '\n';
        this.node(value, column + 2, 'value');
      }
      return;
    }
    this.out += ` ${this.scalar(value, column + 2)}\n`;
  }

  /** A scalar (or an empty collection) as PyYAML writes it; `indent` is where a block scalar's lines start. */
  scalar(value: unknown, indent: number): string {
    switch (typeof value) {
      case 'string':
        return text(value, indent, false);
      case 'number':
        return formatNumber(value);
      case 'bigint':
        return value.toString();
      case 'boolean':
        return value ? 'true' : 'false';
      case 'undefined':
        return 'null';
      case 'object':
        break;
      default:
        throw new EncodeError(`YAML cannot carry a ${typeof value}; only data (objects, arrays, strings, numbers, bytes, dates) is written.`);
    }
    if (value === null) return 'null';
    if (Array.isArray(value)) return '[]';
    if (isPlainObject(value)) return '{}';
    if (value instanceof Uint8Array) return binary(value, indent);
    if (value instanceof PyFloat) return formatFloat(value.value);
    if (value instanceof Date) return timestamp(value);
    if (value instanceof PyDate) return value.iso;
    if (value instanceof PyDecimal || value instanceof PyUUID || value instanceof PyTime || value instanceof Map || value instanceof Set) {
      throw new EncodeError(
        `kombu's yaml serializer (yaml.safe_dump) cannot carry a ${value.constructor.name}: PyYAML's safe representer refuses it. ` +
          'Store it as a string (or a plain object) yourself.',
      );
    }
    const { toJSON } = value as { toJSON?: unknown };
    if (typeof toJSON === 'function') {
      const replaced: unknown = toJSON.call(value);
      if (replaced !== value) {
        if (isCollection(replaced) && !isEmpty(replaced)) {
          throw new EncodeError('A toJSON() that returns a non-empty object or array is not supported by the yaml writer; convert the value first.');
        }
        return this.scalar(replaced, indent);
      }
    }
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'object';
    throw new EncodeError(`YAML cannot carry a ${name}: only plain objects, arrays, Uint8Array, Date and values with toJSON() are written.`);
  }

}

/** An int as an int, anything else as PyYAML's float (`-0` is the float `-0.0`). */
function formatNumber(value: number): string {
  if (Number.isInteger(value) && !(value === 0 && 1 / value < 0)) {
    return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
  }
  return formatFloat(value);
}

/** `represent_float`: `.nan`, `.inf`, `-.inf`, or `repr()` lowercased with `.0` before a bare exponent. */
function formatFloat(value: number): string {
  if (Number.isNaN(value)) return '.nan';
  if (value === Infinity) return '.inf';
  if (value === -Infinity) return '-.inf';
  const text = formatPythonFloat(value).toLowerCase();
  return !text.includes('.') && text.includes('e') ? text.replace('e', '.0e') : text;
}

/**
 * `represent_datetime` of an aware UTC datetime: `isoformat(' ')`, which `safe_load` reads back
 * as the same aware datetime. (A Date has milliseconds; they are written as microseconds.)
 */
function timestamp(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new EncodeError('An invalid Date cannot be written.');
  const text = formatDateDone(date); // YYYY-MM-DDTHH:MM:SS.ffffff+00:00
  // isoformat() leaves the fraction out when it is zero.
  const time = date.getUTCMilliseconds() === 0 ? `${text.slice(11, 19)}${text.slice(-6)}` : text.slice(11);
  return `${text.slice(0, 10)} ${time}`;
}

/** `represent_binary`: `!!binary |` and `base64.encodebytes` (lines of 76 characters). */
function binary(bytes: Uint8Array, indent: number): string {
  const base64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const pad = ' '.repeat(Math.max(indent, 2));
  let out = '!!binary |';
  for (let i = 0; i < base64.length; i += 76) out += `\n${pad}${base64.slice(i, i + 76)}`;
  if (base64.length === 0) return '!!binary ""';
  return out;
}

/** A str in the style PyYAML's emitter picks; `indent` is where continuation lines start. */
function text(value: string, indent: number, isSimpleKey: boolean): string {
  const style = scalarStyle(value, isSimpleKey);
  if (style === 'plain') return value;
  if (style === 'single') return singleQuoted(value, indent);
  return doubleQuoted(value);
}

type Style = 'plain' | 'single' | 'double';

// Printable ASCII and line feeds, as `allow_unicode=False` has it: anything else is escaped.
const SPECIAL = /[^\x20-\x7e\n]/;
const LEADING_INDICATOR = /^[#,[\]{}&*!|>'"%@`]/;

/**
 * PyYAML's `analyze_scalar` and `choose_scalar_style` in a block context: plain when nothing in
 * the text needs quoting and PyYAML would read it back as a str; double-quoted when there is
 * anything outside printable ASCII, a space next to a line break, or a line break in a key;
 * single-quoted otherwise.
 */
function scalarStyle(text: string, isKey: boolean): Style {
  if (text.length === 0) return 'single';
  if (SPECIAL.test(text)) return 'double';
  if (text.includes('\n')) return isKey || text.includes(' \n') || text.includes('\n ') ? 'double' : 'single';
  if (!plainAllowed(text) || resolvesToNonString(text)) return 'single';
  return 'plain';
}

/**
 * `write_single_quoted`: quotes doubled, and each run of line breaks written as one more line
 * break than it has (a single one would read back as a space), then the indent.
 */
function singleQuoted(text: string, indent: number): string {
  const body = text.replaceAll("'", "''").replace(/\n+/g, (breaks) => `\n${breaks}${' '.repeat(indent)}`);
  return `'${body}'`;
}

function plainAllowed(text: string): boolean {
  if (text.startsWith('---') || text.startsWith('...')) return false;
  if (text[0] === ' ' || text[text.length - 1] === ' ') return false;
  if (LEADING_INDICATOR.test(text)) return false;
  const first = text[0]!;
  const second = text[1];
  if ((first === '?' || first === ':' || first === '-') && (second === undefined || second === ' ')) return false;
  // ': ' (or a final ':') starts a value; ' #' starts a comment.
  if (/:(?: |$)/.test(text) || text.includes(' #')) return false;
  return true;
}

const ESCAPES: Record<string, string> = {
  '\0': '0',
  '\x07': 'a',
  '\b': 'b',
  '\t': 't',
  '\n': 'n',
  '\v': 'v',
  '\f': 'f',
  '\r': 'r',
  '\x1b': 'e',
  '"': '"',
  '\\': '\\',
  '\x85': 'N',
  '\xa0': '_',
  '\u2028': 'L',
  '\u2029': 'P',
};

/** `write_double_quoted` without folding: PyYAML's escapes, uppercase hex, by code point. */
function doubleQuoted(text: string): string {
  let out = '"';
  for (const char of text) {
    const short = ESCAPES[char];
    if (short !== undefined) {
      out += `\\${short}`;
      continue;
    }
    const code = char.codePointAt(0)!;
    if (code >= 0x20 && code <= 0x7e) out += char;
    else if (code <= 0xff) out += `\\x${hex(code, 2)}`;
    else if (code <= 0xffff) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return `${out}"`;
}

const hex = (code: number, digits: number): string => code.toString(16).toUpperCase().padStart(digits, '0');
