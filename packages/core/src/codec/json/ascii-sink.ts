/**
 * Where the JSON writer puts its output: ASCII bytes, written one by one into a buffer, in
 * chunks once the output outgrows it, joined once at the end. A document is never held as one
 * JavaScript string, so its size is bounded by the byte limit it is written against, not by V8's
 * string limits: a string of 70 million `é` (140 MB of UTF-8) escapes to 420 MB of text, and V8
 * cannot build a string that long without aborting the whole process.
 *
 * The writer extends this class rather than holding one, because its inner loops write into
 * `bytes` at `at` directly: a byte store, where a method call or a string concatenation per
 * value is what used to cost most of the time.
 */
import { Buffer } from 'node:buffer';
import { ValueTooLargeError } from '../../errors.js';

/** Chunks after the first: large enough that the per-chunk overhead vanishes. */
const CHUNK_SIZE = 256 * 1024;

/**
 * Every document starts in one buffer kept between calls, so a typical document costs no
 * allocation but that of its result. The buffer grows to the largest document written, up to
 * this size; larger documents continue in chunks of their own.
 */
const SCRATCH_MAX = 1024 * 1024;
let scratch: Buffer | null = null;
let scratchSize = 16 * 1024;

export abstract class AsciiSink {
  /** The chunk being written. */
  protected bytes: Buffer;
  /** The next byte to write in `bytes`. */
  protected at = 0;
  /**
   * How far `at` may advance before `room()` must be called: the end of the chunk or, before
   * that, the limit. Writers check `at + n > end` and call `room(n)` only then.
   */
  protected end: number;
  /** Chunks before the current one, each full to its length (none for most documents). */
  #chunks: Buffer[] | null = null;
  /** Bytes in `#chunks`. */
  #before = 0;
  /** The shared buffer this sink borrowed (and gives back in `release()`), if any. */
  #borrowed: Buffer | null = null;

  /** `limit`: the most bytes that may be written; one more throws `ValueTooLargeError`. */
  constructor(readonly limit: number) {
    // A sink used while another is writing (a toJSON that writes JSON itself) gets a buffer
    // of its own: the shared one is taken out of reach until it is given back.
    let bytes = scratch;
    if (bytes === null) bytes = Buffer.allocUnsafe(scratchSize);
    else scratch = null;
    this.#borrowed = bytes;
    this.bytes = bytes;
    this.end = Math.min(bytes.length, limit);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#before + this.at;
  }

  /**
   * Makes room for `more` bytes at `at` (a fresh chunk when the current one is too short), and
   * throws `ValueTooLargeError` once what was written is over the limit. `more` may be an upper
   * bound (an escaped string is at most six bytes per code unit), so it may go past the limit:
   * what it really wrote is checked at the next call, or at the end.
   */
  protected room(more: number): void {
    const written = this.#before + this.at;
    if (written > this.limit) throw new ValueTooLargeError(written, this.limit);
    if (this.at + more > this.bytes.length) this.#nextChunk(more);
    this.end = Math.max(Math.min(this.bytes.length, this.limit - this.#before), this.at + more);
  }

  /**
   * Throws `ValueTooLargeError` unless `more` bytes fit on top of what was written. Called with a
   * lower bound before an expensive piece is written, so a value that cannot fit is refused
   * before any work is spent on it.
   */
  protected reserve(more: number): void {
    if (!this.fits(more)) throw new ValueTooLargeError(this.length + more, this.limit);
  }

  /** Whether `more` bytes fit on top of what was written. */
  protected fits(more: number): boolean {
    return this.length + more <= this.limit;
  }

  /** Appends text known to be ASCII. */
  protected ascii(text: string): void {
    const length = text.length;
    if (this.at + length > this.end) this.room(length);
    const bytes = this.bytes;
    let at = this.at;
    for (let i = 0; i < length; i++) bytes[at++] = text.charCodeAt(i);
    this.at = at;
  }

  /** Appends the first `length` code units of `text`, known to be ASCII, natively. */
  protected longAscii(text: string, length: number): void {
    this.reserve(length);
    if (this.at + length > this.end) this.room(length);
    this.at += this.bytes.write(text, this.at, length, 'latin1');
  }

  /** Everything written, as one buffer of exactly that length. */
  protected finish(): Uint8Array {
    const length = this.length;
    if (length > this.limit) throw new ValueTooLargeError(length, this.limit);
    // allocUnsafe: every byte is copied over. Below 4 KB it is a slice of Node's shared pool.
    const out = Buffer.allocUnsafe(length);
    const chunks = this.#chunks;
    if (chunks === null) {
      this.bytes.copy(out, 0, 0, length);
      return out;
    }
    let offset = 0;
    for (const chunk of chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    this.bytes.copy(out, offset, 0, this.at);
    // A document that outgrew the shared buffer makes it grow, so the next one fits.
    if (length > scratchSize && length <= SCRATCH_MAX) {
      scratchSize = Math.min(SCRATCH_MAX, 2 ** Math.ceil(Math.log2(length)));
      if (this.#borrowed !== null && this.#borrowed.length < scratchSize) this.#borrowed = null;
    }
    return out;
  }

  /** Gives the shared buffer back (or a new one, if it has to grow); after this the sink is done. */
  protected release(): void {
    if (this.#borrowed !== null) scratch = this.#borrowed;
    else if (scratch === null) scratch = Buffer.allocUnsafe(scratchSize);
    this.#borrowed = null;
  }

  #nextChunk(more: number): void {
    const chunk = this.bytes;
    if (this.at > 0) {
      (this.#chunks ??= []).push(chunk.subarray(0, this.at));
      this.#before += this.at;
    }
    this.at = 0;
    // allocUnsafe: every byte handed out is written before it is read.
    this.bytes = Buffer.allocUnsafe(Math.max(CHUNK_SIZE, more));
  }
}
