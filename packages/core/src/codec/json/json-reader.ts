/**
 * Reads JSON as Python's `json.dumps` writes it. Two things set it apart from standard JSON:
 * integers have arbitrary precision (a task returning `2**64` stores all 20 digits), and
 * `NaN`, `Infinity` and `-Infinity` are written as bare tokens. `JSON.parse` rounds the first
 * silently and rejects the second, so texts that may contain either go through the parser
 * below; every other text (nearly all of them) goes through `JSON.parse`, which is faster than
 * any parser written in JavaScript.
 */
import { MAX_NESTING_DEPTH } from '../nesting.js';
import { PyFloat } from './python-float.js';

export interface ParseJsonOptions {
  /**
   * Deepest nesting of arrays and objects accepted; deeper input throws a `RangeError`.
   * Default `MAX_NESTING_DEPTH` (1,000), the limit every serializer applies on read and write
   * (see `nesting.ts`): a deeper document could be read but never written again.
   */
  maxDepth?: number;
  /**
   * Return integral floats (`3.0`, `-0.0`, `1e+16`) as `PyFloat` instead of `number`, so that
   * `stringifyPython` writes them back as floats rather than ints. For code that rewrites
   * documents and must not change their Python types. Slower: every text takes the slow path.
   */
  preserveFloats?: boolean;
}


const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const UPPER_E = 0x45;
const UPPER_I = 0x49;
const UPPER_N = 0x4e;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const LOWER_E = 0x65;
const LOWER_F = 0x66;
const LOWER_N = 0x6e;
const LOWER_T = 0x74;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** Integers this short are always exact as a `number` (15 digits < 2^53). */
const MAX_EXACT_CHARS = 15;
/** No integer of fewer digits is unsafe. */
const MIN_UNSAFE_DIGITS = 16;

/**
 * Python refuses to convert longer integers to or from text (CVE-2020-10735: the conversion is
 * quadratic), so no Python program reads or writes them; refusing them here bounds the time a
 * hostile document can cost.
 */
export const MAX_INT_DIGITS = 4300;

/**
 * Whether `text` might hold a token `JSON.parse` cannot read faithfully: `NaN`, `Infinity`, or
 * an integer of 16 or more digits (2^53 has 16, so every unsafe integer has at least as many).
 * Runs inside strings are false positives; they cost the slow path, never a wrong result.
 * Runs of fraction or exponent digits are not integers, so `0.30000000000000004` stays fast.
 *
 * Every run of 16 digits covers exactly one index that is 15 modulo 16, so only those indexes
 * are looked at, and a run is measured only around a digit found there. This reads a small
 * fraction of the text; a regular expression would visit every character.
 */
function mayHoldPythonOnlyTokens(text: string): boolean {
  if (text.includes('NaN') || text.includes('Infinity')) return true;
  const length = text.length;
  let i = MIN_UNSAFE_DIGITS - 1;
  while (i < length) {
    if (!isDigit(text.charCodeAt(i))) {
      i += MIN_UNSAFE_DIGITS;
      continue;
    }
    let start = i;
    while (start > 0 && isDigit(text.charCodeAt(start - 1))) start--;
    let end = i + 1;
    while (end < length && isDigit(text.charCodeAt(end))) end++;
    if (end - start >= MIN_UNSAFE_DIGITS) {
      const before = text.charCodeAt(start - 1);
      if (before !== DOT && before !== LOWER_E && before !== UPPER_E && before !== PLUS) return true;
    }
    // On to the first index past the run that is still 15 modulo 16.
    i += MIN_UNSAFE_DIGITS * Math.ceil((end - i) / MIN_UNSAFE_DIGITS);
  }
  return false;
}

const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;

/**
 * Whether `value`, fresh from `JSON.parse`, nests arrays and objects deeper than `maxDepth`.
 * `JSON.parse` has no depth limit, so the fast path asks this afterwards (and the slow parser
 * then throws, naming the position). Each level costs two characters, so a text no longer than
 * `2 * maxDepth` is let through without a look, which covers most results. Walking the parsed
 * value visits only its containers and costs a fraction of what scanning the text would.
 */
function nestsDeeperThan(value: unknown, textLength: number, maxDepth: number): boolean {
  if (textLength <= 2 * maxDepth || typeof value !== 'object' || value === null) return false;
  const pending: object[] = [value];
  const depths: number[] = [1];
  for (let container = pending.pop(); container !== undefined; container = pending.pop()) {
    const depth = depths.pop() as number;
    if (depth > maxDepth) return true;
    if (Array.isArray(container)) {
      for (let i = 0; i < container.length; i++) {
        const child: unknown = container[i];
        if (typeof child === 'object' && child !== null) {
          pending.push(child);
          depths.push(depth + 1);
        }
      }
    } else {
      // for...in: JSON.parse makes plain objects, and an inherited key can only overestimate.
      for (const key in container) {
        const child: unknown = (container as Record<string, unknown>)[key];
        if (typeof child === 'object' && child !== null) {
          pending.push(child);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}

/**
 * Parses `text` as Python's JSON. Integers outside the safe range (±(2^53 - 1)) come back as
 * `bigint`, all others as `number`. Throws a `SyntaxError` naming the position of the first
 * error, or a `RangeError` for nesting deeper than `maxDepth` or an integer longer than Python
 * accepts (4,300 digits).
 */
export function parseJson(text: string, options?: ParseJsonOptions): unknown {
  if (options?.preserveFloats || mayHoldPythonOnlyTokens(text)) return parseJsonSlowPath(text, options);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // V8's messages do not always say where the error is; ours do. The slow parser accepts a
    // superset of JSON, so it throws on the same input (the original is rethrown otherwise).
    parseJsonSlowPath(text, options);
    throw error;
  }
  // Too deep: the slow parser throws the RangeError, with the position.
  if (nestsDeeperThan(value, text.length, options?.maxDepth ?? MAX_NESTING_DEPTH)) return parseJsonSlowPath(text, options);
  return value;
}

/**
 * `parseJson` without its `JSON.parse` fast path: the hand-written parser on every text. For
 * tests and benchmarks; `parseJson` uses it whenever it is needed.
 */
export function parseJsonSlowPath(text: string, options?: ParseJsonOptions): unknown {
  return new PythonJsonParser(text, options?.maxDepth ?? MAX_NESTING_DEPTH, options?.preserveFloats ?? false).parse();
}

/**
 * A single pass over char codes with an explicit stack of open containers instead of recursion,
 * so nesting depth costs heap, not call stack. No backtracking and no regular expressions over
 * the input: its time is linear in the length of the text, whatever the text is.
 */
class PythonJsonParser {
  #pos = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
    private readonly preserveFloats: boolean,
  ) {}

  parse(): unknown {
    const text = this.text;
    // The arrays and objects still open, innermost last, and for each the key its next value
    // belongs to (undefined for an array).
    const containers: (unknown[] | Record<string, unknown>)[] = [];
    const keys: (string | undefined)[] = [];
    for (;;) {
      // Read one value; an array or object that is not empty is opened and read element by element.
      let value: unknown;
      this.#skipWhitespace();
      const c = text.charCodeAt(this.#pos);
      if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (containers.length >= this.maxDepth) this.#tooDeep();
        this.#pos++;
        this.#skipWhitespace();
        const next = text.charCodeAt(this.#pos);
        if (c === OPEN_BRACE && next !== CLOSE_BRACE) {
          containers.push({});
          keys.push(this.#key());
          continue;
        }
        if (c === OPEN_BRACKET && next !== CLOSE_BRACKET) {
          containers.push([]);
          keys.push(undefined);
          continue;
        }
        this.#pos++;
        value = c === OPEN_BRACE ? {} : [];
      } else {
        value = this.#scalar(c);
      }
      // Store it in the innermost container, then close every container that ends after it.
      for (;;) {
        const top = containers.length - 1;
        if (top < 0) {
          this.#skipWhitespace();
          if (this.#pos < text.length) this.#fail('Unexpected data after the JSON value');
          return value;
        }
        const container = containers[top];
        const key = keys[top];
        if (key === undefined) {
          (container as unknown[]).push(value);
        } else if (key === '__proto__') {
          // Assigning would replace the object's prototype; JSON.parse defines a property.
          Object.defineProperty(container, key, { value, writable: true, enumerable: true, configurable: true });
        } else {
          (container as Record<string, unknown>)[key] = value;
        }
        this.#skipWhitespace();
        const next = text.charCodeAt(this.#pos++);
        if (next === COMMA) {
          if (key !== undefined) keys[top] = this.#key();
          break;
        }
        if (next === (key === undefined ? CLOSE_BRACKET : CLOSE_BRACE)) {
          containers.pop();
          keys.pop();
          value = container;
          continue;
        }
        this.#pos--;
        this.#fail(key === undefined ? "Expected ',' or ']' in an array" : "Expected ',' or '}' in an object");
      }
    }
  }

  /** A property name and the colon after it. */
  #key(): string {
    this.#skipWhitespace();
    if (this.text.charCodeAt(this.#pos) !== QUOTE) this.#fail('Expected a property name');
    const key = this.#string();
    this.#skipWhitespace();
    if (this.text.charCodeAt(this.#pos) !== COLON) this.#fail("Expected ':' after a property name");
    this.#pos++;
    return key;
  }

  /** Any value but an array or object; `c` is its first char code. */
  #scalar(c: number): unknown {
    switch (c) {
      case QUOTE:
        return this.#string();
      case LOWER_T:
        return this.#literal('true', true);
      case LOWER_F:
        return this.#literal('false', false);
      case LOWER_N:
        return this.#literal('null', null);
      case UPPER_N:
        return this.#literal('NaN', Number.NaN);
      case UPPER_I:
        return this.#literal('Infinity', Number.POSITIVE_INFINITY);
      case MINUS:
        if (this.text.charCodeAt(this.#pos + 1) === UPPER_I) return this.#literal('-Infinity', Number.NEGATIVE_INFINITY);
        return this.#number();
      default:
        return this.#number();
    }
  }

  #string(): string {
    const text = this.text;
    const start = this.#pos; // the opening quote
    const end = text.length;
    let escaped = false;
    let i = start + 1;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        this.#pos = i + 1;
        if (!escaped) return text.slice(start + 1, i);
        // Python escapes every non-ASCII character, so escapes are common: V8 decodes them
        // faster than a loop here could, and checks them.
        try {
          return JSON.parse(text.slice(start, i + 1)) as string;
        } catch {
          this.#pos = start;
          return this.#fail('Invalid escape sequence in the string');
        }
      }
      if (c === BACKSLASH) {
        escaped = true;
        i += 2; // the escaped character can never end the string
        continue;
      }
      if (c < SPACE) {
        this.#pos = i;
        this.#fail('Unescaped control character in a string');
      }
      i++;
    }
    this.#pos = start;
    return this.#fail('Unterminated string');
  }

  #number(): number | bigint | PyFloat {
    const text = this.text;
    const start = this.#pos;
    let i = start;
    let c = text.charCodeAt(i);
    if (c === MINUS) c = text.charCodeAt(++i);
    // Integer part: `0` or a digit run without a leading zero.
    let magnitude = 0;
    if (c === ZERO) {
      c = text.charCodeAt(++i);
    } else if (c > ZERO && c <= NINE) {
      do {
        magnitude = magnitude * 10 + (c - ZERO);
        c = text.charCodeAt(++i);
      } while (c >= ZERO && c <= NINE);
    } else {
      this.#pos = i;
      this.#fail('Unexpected character');
    }
    let integral = true;
    if (c === DOT) {
      integral = false;
      i = this.#digits(i + 1);
      c = text.charCodeAt(i);
    }
    if (c === LOWER_E || c === UPPER_E) {
      integral = false;
      c = text.charCodeAt(++i);
      if (c === PLUS || c === MINUS) i++;
      i = this.#digits(i);
    }
    this.#pos = i;
    if (integral) {
      // Short integers were accumulated exactly while scanning.
      if (i - start <= MAX_EXACT_CHARS) return text.charCodeAt(start) === MINUS ? -magnitude : magnitude;
      const digits = i - start - (text.charCodeAt(start) === MINUS ? 1 : 0);
      if (digits > MAX_INT_DIGITS) {
        throw new RangeError(`Integer of more than ${MAX_INT_DIGITS} digits at position ${start}`);
      }
      const token = text.slice(start, i);
      const value = Number(token);
      return Number.isSafeInteger(value) ? value : BigInt(token);
    }
    const value = Number(text.slice(start, i));
    return this.preserveFloats && Number.isInteger(value) ? new PyFloat(value) : value;
  }

  /** Skips a required run of digits starting at `i`; returns the index after it. */
  #digits(i: number): number {
    const text = this.text;
    let c = text.charCodeAt(i);
    if (!(c >= ZERO && c <= NINE)) {
      this.#pos = i;
      this.#fail('Expected a digit');
    }
    do c = text.charCodeAt(++i);
    while (c >= ZERO && c <= NINE);
    return i;
  }

  #literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.#pos)) this.#fail('Unexpected character');
    this.#pos += word.length;
    return value;
  }

  #skipWhitespace(): void {
    const text = this.text;
    let i = this.#pos;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c !== SPACE && c !== LF && c !== CR && c !== TAB) break;
      i++;
    }
    this.#pos = i;
  }

  #fail(reason: string): never {
    const pos = this.#pos;
    if (pos >= this.text.length) throw new SyntaxError(`Unexpected end of JSON input at position ${pos}`);
    const found = JSON.stringify(this.text.slice(pos, pos + 1));
    throw new SyntaxError(`${reason}: found ${found} at position ${pos}`);
  }

  #tooDeep(): never {
    throw new RangeError(`JSON nesting is deeper than ${this.maxDepth} levels at position ${this.#pos}`);
  }
}
