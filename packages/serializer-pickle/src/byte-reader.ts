import { DecodeError } from '@resultkit/core';

/**
 * A cursor over the pickle bytes. Every read checks the bounds first and reports the offset, so
 * truncated or corrupt input is a `DecodeError` that says where, never a `RangeError` or a
 * silently short value. Declared lengths are checked against what is left *before* anything is
 * allocated: a 12-byte pickle that claims an 8 GiB string fails here, cheaply.
 */
// Eight bytes to turn into a float: one shared scratch buffer (reads are synchronous).
const scratchBytes = new Uint8Array(8);
const scratchView = new DataView(scratchBytes.buffer);

export class ByteReader {
  readonly #data: Uint8Array;
  #pos = 0;

  constructor(data: Uint8Array) {
    // Integers are assembled from bytes rather than through a DataView: creating a view costs
    // more than decoding a typical small pickle's integers.
    this.#data = data;
  }

  get position(): number {
    return this.#pos;
  }

  get remaining(): number {
    return this.#data.length - this.#pos;
  }

  /** Throws unless `n` more bytes exist; `what` names the thing being read in the message. */
  need(n: number, what: string): void {
    if (n > this.#data.length - this.#pos) {
      throw new DecodeError(
        `Truncated pickle: ${what} at offset ${this.#pos} needs ${n} bytes, but only ${this.remaining} remain.`,
      );
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.#data[this.#pos++] as number;
  }

  u16(what: string): number {
    this.need(2, what);
    const d = this.#data;
    const p = this.#pos;
    this.#pos = p + 2;
    return (d[p] as number) | ((d[p + 1] as number) << 8);
  }

  i32(what: string): number {
    this.need(4, what);
    const value = this.#le32();
    this.#pos += 4;
    return value;
  }

  u32(what: string): number {
    this.need(4, what);
    const value = this.#le32() >>> 0;
    this.#pos += 4;
    return value;
  }

  /**
   * An unsigned 64-bit length. Anything that does not fit in the rest of the input is refused
   * here, so callers get a length they can allocate.
   */
  length64(what: string): number {
    this.need(8, what);
    const at = this.#pos;
    const low = this.#le32() >>> 0;
    this.#pos = at + 4;
    const high = this.#le32() >>> 0;
    this.#pos = at + 8;
    const value = high * 2 ** 32 + low;
    if (high >= 2 ** 21 || value > this.remaining) {
      throw new DecodeError(
        `Corrupt pickle: ${what} at offset ${at} declares ${high >= 2 ** 21 ? 'more than 2^53' : value} bytes, ` +
          `but only ${this.remaining} remain.`,
      );
    }
    return value;
  }

  f64be(what: string): number {
    this.need(8, what);
    const d = this.#data;
    const p = this.#pos;
    for (let i = 0; i < 8; i++) scratchBytes[i] = d[p + i] as number;
    this.#pos = p + 8;
    return scratchView.getFloat64(0, false);
  }

  /** The signed little-endian 32-bit integer at the position (bounds already checked). */
  #le32(): number {
    const d = this.#data;
    const p = this.#pos;
    return (d[p] as number) | ((d[p + 1] as number) << 8) | ((d[p + 2] as number) << 16) | ((d[p + 3] as number) << 24);
  }

  /** `n` bytes as a view into the input (callers copy what they hand out). */
  bytes(n: number, what: string): Uint8Array {
    if (n < 0) throw new DecodeError(`Corrupt pickle: ${what} at offset ${this.#pos} has a negative length (${n}).`);
    this.need(n, what);
    const out = this.#data.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }

  /** The whole input, for callers that decode a range in place (see `skip`). */
  get data(): Uint8Array {
    return this.#data;
  }

  /** Checks that `n` bytes exist and moves past them; returns where they start. */
  skip(n: number, what: string): number {
    if (n < 0) throw new DecodeError(`Corrupt pickle: ${what} at offset ${this.#pos} has a negative length (${n}).`);
    this.need(n, what);
    const start = this.#pos;
    this.#pos = start + n;
    return start;
  }

  /** The bytes up to the next `\n`, without it (the text opcodes of protocol 0). */
  line(what: string): Uint8Array {
    const end = this.#data.indexOf(0x0a, this.#pos);
    if (end < 0) {
      throw new DecodeError(`Truncated pickle: ${what} at offset ${this.#pos} has no terminating newline.`);
    }
    const out = this.#data.subarray(this.#pos, end);
    this.#pos = end + 1;
    return out;
  }
}
