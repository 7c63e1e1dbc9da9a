/**
 * Where the JSON writer puts its output: ASCII bytes in fixed-size chunks, joined once at the
 * end. A document is never held as one JavaScript string, so its size is bounded by the byte
 * limit it is written against, not by V8's string limits: a string of 70 million `é` (140 MB of
 * UTF-8) escapes to 420 MB of text, and V8 cannot build a string that long, or replace that
 * many matches in one call, without aborting the whole process.
 */
import { Buffer } from 'node:buffer';
import { ValueTooLargeError } from '../../errors.js';

/** Large enough that the per-chunk overhead vanishes, small enough to waste little at the end. */
const CHUNK_SIZE = 256 * 1024;

/** The digits of a `\uXXXX` escape, lowercase as Python writes them. */
const HEX = Buffer.from('0123456789abcdef', 'latin1');
const BACKSLASH = 0x5c;
const LOWER_U = 0x75;
const DEL = 0x7f;

export class AsciiSink {
  readonly #chunks: Buffer[] = [];
  #chunk: Buffer | null = null;
  #at = 0;
  /** Bytes in the chunks before the current one. */
  #before = 0;

  /** `limit`: the most bytes that may be written; one more throws `ValueTooLargeError`. */
  constructor(readonly limit: number) {}

  /** Bytes written so far. */
  get length(): number {
    return this.#before + this.#at;
  }

  /**
   * Throws `ValueTooLargeError` if `more` bytes on top of `pending` unwritten ones cannot fit.
   * Called with a lower bound before an expensive piece is written, so a value that cannot
   * fit is refused before any work is spent on it.
   */
  reserve(pending: number, more: number): void {
    if (!this.fits(pending, more)) throw new ValueTooLargeError(this.length + pending + more, this.limit);
  }

  /** Whether `more` bytes on top of `pending` unwritten ones fit. */
  fits(pending: number, more: number): boolean {
    return this.length + pending + more <= this.limit;
  }

  /** Appends text known to be ASCII (it is written as Latin-1, which is the same bytes). */
  ascii(text: string): void {
    const length = text.length;
    this.reserve(0, length);
    const chunk = this.#room(length);
    chunk.write(text, this.#at, length, 'latin1');
    this.#at += length;
  }

  /**
   * Appends `text[start, end)`, which must hold no `"`, `\` or control character (JSON's own
   * escapes are done already), escaping every code unit from DEL up as `\uXXXX` the way
   * Python's `ensure_ascii` does: lowercase hex, an astral character as its two surrogates.
   */
  escapedAscii(text: string, start: number, end: number): void {
    const chunk = this.#room(6 * (end - start));
    let at = this.#at;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c < DEL) {
        chunk[at++] = c;
      } else {
        chunk[at] = BACKSLASH;
        chunk[at + 1] = LOWER_U;
        chunk[at + 2] = HEX[c >>> 12] as number;
        chunk[at + 3] = HEX[(c >>> 8) & 0xf] as number;
        chunk[at + 4] = HEX[(c >>> 4) & 0xf] as number;
        chunk[at + 5] = HEX[c & 0xf] as number;
        at += 6;
      }
    }
    this.#at = at;
    this.reserve(0, 0);
  }

  /** Everything written, followed by `tail` (ASCII), as one buffer of exactly that length. */
  finish(tail: string): Uint8Array {
    if (this.#chunk === null) {
      // Into a buffer of the exact length: `Buffer.from(text, 'latin1')` is several times slower
      // on the string the writer builds by concatenation (a deep rope it flattens first).
      const bytes = Buffer.allocUnsafe(tail.length);
      bytes.write(tail, 0, tail.length, 'latin1');
      return bytes;
    }
    if (tail.length > 0) this.ascii(tail);
    const chunks = this.#chunks;
    chunks.push(this.#chunk.subarray(0, this.#at));
    return Buffer.concat(chunks, this.length);
  }

  /** The current chunk, replaced by a fresh one first when `bytes` do not fit in it. */
  #room(bytes: number): Buffer {
    const chunk = this.#chunk;
    if (chunk !== null && this.#at + bytes <= chunk.length) return chunk;
    if (chunk !== null) {
      this.#chunks.push(chunk.subarray(0, this.#at));
      this.#before += this.#at;
    }
    this.#at = 0;
    // allocUnsafe: every byte handed out is written first.
    return (this.#chunk = Buffer.allocUnsafe(Math.max(CHUNK_SIZE, bytes)));
  }
}
