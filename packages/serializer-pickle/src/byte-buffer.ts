/** Celery's `_MAX_STR_VALUE_SIZE`: no backend stores a larger value, so no pickle needs to be larger. */
export const MAX_PICKLE_SIZE = 512 * 1024 * 1024;

/** A growable byte buffer with the little- and big-endian writes pickle needs. */
export class ByteBuffer {
  #bytes = new Uint8Array(256);
  #view = new DataView(this.#bytes.buffer);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  /** How many bytes it holds before it must grow. */
  get capacity(): number {
    return this.#bytes.length;
  }

  #reserve(extra: number): number {
    const at = this.#length;
    const needed = at + extra;
    if (needed > this.#bytes.length) {
      if (needed > MAX_PICKLE_SIZE) {
        throw new RangeError(`The pickle would be larger than ${MAX_PICKLE_SIZE} bytes, the most any backend stores.`);
      }
      let size = this.#bytes.length * 2;
      while (size < needed) size *= 2;
      const grown = new Uint8Array(Math.min(size, MAX_PICKLE_SIZE));
      grown.set(this.#bytes.subarray(0, at));
      this.#bytes = grown;
      this.#view = new DataView(grown.buffer);
    }
    this.#length = needed;
    return at;
  }

  byte(value: number): void {
    const at = this.#reserve(1);
    this.#bytes[at] = value;
  }

  bytes(value: Uint8Array): void {
    const at = this.#reserve(value.length);
    this.#bytes.set(value, at);
  }

  /**
   * Text the caller knows is ASCII, one byte per character, written in place: for the short keys
   * and values most pickles are made of, this costs less than encoding them into an array of
   * their own first and copying that.
   */
  ascii(text: string): void {
    const at = this.#reserve(text.length);
    const bytes = this.#bytes;
    for (let i = 0; i < text.length; i++) bytes[at + i] = text.charCodeAt(i);
  }

  // Each write reserves first and only then reads #view: growing replaces the view, so
  // `this.#view.setX(this.#reserve(n), ...)` would write into the old, detached one.
  u16(value: number): void {
    const at = this.#reserve(2);
    this.#view.setUint16(at, value, true);
  }

  i32(value: number): void {
    const at = this.#reserve(4);
    this.#view.setInt32(at, value, true);
  }

  u32(value: number): void {
    const at = this.#reserve(4);
    this.#view.setUint32(at, value, true);
  }

  u64(value: number): void {
    const at = this.#reserve(8);
    this.#view.setUint32(at, value % 2 ** 32, true);
    this.#view.setUint32(at + 4, Math.floor(value / 2 ** 32), true);
  }

  f64be(value: number): void {
    const at = this.#reserve(8);
    this.#view.setFloat64(at, value, false);
  }

  /** The bytes written so far (a view; copy it before writing more if you keep it). */
  view(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }

  clear(): void {
    this.#length = 0;
  }

  /** The written bytes in an array of their own size. */
  toUint8Array(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }

  /** Copies the written bytes into `target` at `offset`. */
  copyTo(target: Uint8Array, offset: number): void {
    target.set(this.#bytes.subarray(0, this.#length), offset);
  }
}
