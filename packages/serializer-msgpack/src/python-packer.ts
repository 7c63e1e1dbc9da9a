/**
 * Writes MessagePack exactly as Python's `msgpack.packb(obj, use_bin_type=True)` does, which
 * is what kombu's msgpack serializer stores: every int in its smallest encoding (uint for
 * positive, int for negative), every float as float64, `str` in the str family (str8 included),
 * `bytes` in the bin family, and the smallest header for every string, list and map.
 *
 * msgpackr cannot be told to write some of these: it writes integers beyond 32 bits as
 * float64, positive bigints as int64, `-0` as the int 0, and has no way to write an integral
 * float. So values are written here, in one pass that also refuses, as it goes, what a Python
 * reader could not read back as the same value. Reading is msgpackr's job (`msgpack-reader.ts`).
 */
import { Buffer } from 'node:buffer';
import { EncodeError, MAX_NESTING_DEPTH, nestingTooDeepMessage, PyDate, PyDecimal, PyFloat, PyTime, PyUUID, ValueTooLargeError } from '@resultkit/core';

/** The output is written into chunks of at least this size; each encode gets a view of its own part. */
const CHUNK_SIZE = 64 * 1024;
/** A chunk is made ready for at most this much of the last value's size (see `pack`). */
const MAX_PRESIZE = 8 * 1024 * 1024;
/** Strings shorter than this are UTF-8 encoded by hand: cheaper than a call into native code. */
const SHORT_STRING = 64;

const TWO_32 = 0x1_0000_0000;
const MIN_INT64 = -(2n ** 63n);
const MAX_UINT64 = 2n ** 64n - 1n;
const MIN_INT64_NUMBER = -(2 ** 63);
const TWO_64_NUMBER = 2 ** 64;

// for...in is faster than Object.keys, but lists inherited enumerable properties too; plain
// objects inherit none unless someone added one to Object.prototype.
const forInListsOwnKeys = (): boolean => Object.keys(Object.prototype).length === 0;

export interface PackOptions {
  /** Throw `ValueTooLargeError` as soon as the output would pass this many bytes. */
  maxSize?: number;
}

/**
 * One writer per serializer. Output goes sequentially into a shared chunk and each call returns
 * a view of the bytes it wrote; a chunk that fills up is left to the views that point into it
 * and a new one is started, so nothing returned is ever written over.
 */
export class PythonPacker {
  #chunk = new Uint8Array(CHUNK_SIZE);
  #view = new DataView(this.#chunk.buffer);
  /** The chunk as a Buffer, whose native UTF-8 writer is the fastest way to copy long text in. */
  #bytes8 = asUtf8Writer(this.#chunk);
  #start = 0;
  #pos = 0;
  #limit = Infinity;
  #depth = 0;
  /** The size of the last value written. */
  #lastSize = 0;

  #busy = false;

  pack(value: unknown, options?: PackOptions): Uint8Array {
    // A toJSON() may encode another value with the same serializer while this one is written.
    if (this.#busy) return new PythonPacker().pack(value, options);
    this.#busy = true;
    this.#limit = options?.maxSize ?? Infinity;
    this.#depth = 0;
    // Values tend to come in series of one kind: starting a large one in a chunk that already has
    // room for the last one's size saves copying it into ever larger chunks as it grows.
    const expected = Math.min(this.#lastSize, MAX_PRESIZE);
    if (this.#chunk.length - this.#pos < expected) this.#newChunk(expected + (expected >> 2), 0);
    this.#start = this.#pos;
    try {
      this.#value(value, forInListsOwnKeys());
      const size = this.#pos - this.#start;
      if (size > this.#limit) throw new ValueTooLargeError(size, this.#limit);
      this.#lastSize = size;
    } catch (error) {
      this.#pos = this.#start; // the partial output is dropped; the space is reused
      throw error;
    } finally {
      this.#busy = false;
    }
    const out = this.#chunk.subarray(this.#start, this.#pos);
    // Keep the chunk only while there is room left worth sharing.
    if (this.#chunk.length - this.#pos < 1024) this.#newChunk(CHUNK_SIZE, 0);
    return out;
  }

  /**
   * Makes room for up to `bytes` more bytes, moving the output so far to a larger chunk when
   * needed. `atLeast` is the least that will be written: past the limit, the value cannot fit.
   */
  #ensure(bytes: number, atLeast = bytes): void {
    const needed = this.#pos + bytes;
    if (needed <= this.#chunk.length) return;
    const written = this.#pos - this.#start;
    if (written + atLeast > this.#limit) throw new ValueTooLargeError(written + atLeast, this.#limit);
    this.#newChunk(Math.max(CHUNK_SIZE, 2 * (written + bytes)), written);
  }

  #newChunk(size: number, keep: number): void {
    // Not zero-filled: only bytes written by this packer are ever handed out.
    const next = Buffer.allocUnsafeSlow(size);
    if (keep > 0) next.set(this.#chunk.subarray(this.#start, this.#start + keep));
    this.#chunk = next;
    this.#view = new DataView(next.buffer);
    this.#bytes8 = asUtf8Writer(next);
    this.#start = 0;
    this.#pos = keep;
  }

  #value(value: unknown, ownKeys: boolean): void {
    switch (typeof value) {
      case 'string':
        return this.#string(value);
      case 'number':
        return this.#number(value);
      case 'boolean':
        this.#ensure(1);
        this.#chunk[this.#pos++] = value ? 0xc3 : 0xc2;
        return;
      case 'bigint':
        return this.#bigint(value);
      case 'undefined':
        this.#ensure(1);
        this.#chunk[this.#pos++] = 0xc0;
        return;
      case 'object':
        if (value === null) {
          this.#ensure(1);
          this.#chunk[this.#pos++] = 0xc0;
          return;
        }
        if (++this.#depth > MAX_NESTING_DEPTH) throw new EncodeError(nestingTooDeepMessage('The value'));
        this.#object(value, ownKeys);
        this.#depth--;
        return;
      default:
        throw new EncodeError(`msgpack cannot carry a ${typeof value}; only data (objects, arrays, strings, numbers, bytes) is written.`);
    }
  }

  #object(value: object, ownKeys: boolean): void {
    if (Array.isArray(value)) return this.#array(value, ownKeys);
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype === Object.prototype || prototype === null) return this.#map(value as Record<string, unknown>, ownKeys);
    if (value instanceof Uint8Array) return this.#bytes(value);
    if (value instanceof PyFloat) return this.#float(value.value);
    refuseUnwritable(value);
    const { toJSON } = value as { toJSON?: unknown };
    if (typeof toJSON === 'function') {
      const replaced: unknown = toJSON.call(value);
      if (replaced !== value) return this.#value(replaced, ownKeys);
    }
    const name = (prototype as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'object';
    throw new EncodeError(`msgpack cannot carry a ${name}: only plain objects, arrays, Uint8Array and values with toJSON() are written.`);
  }

  #array(array: readonly unknown[], ownKeys: boolean): void {
    const length = array.length;
    this.#header(length, 0x90, 0xdc);
    for (let i = 0; i < length; i++) this.#value(array[i], ownKeys);
  }

  /**
   * A map's entry count is known only once `undefined` values have been skipped (as JSON leaves
   * them out), so a one-byte header is assumed and the entries moved right for a larger one.
   */
  #map(record: Record<string, unknown>, ownKeys: boolean): void {
    this.#ensure(1);
    // Relative to #start: writing the entries may move the output to a new chunk.
    const headerOffset = this.#pos++ - this.#start;
    let count = 0;
    if (ownKeys) {
      for (const key in record) {
        const item = record[key];
        if (item === undefined) continue;
        this.#string(key);
        this.#value(item, ownKeys);
        count++;
      }
    } else {
      for (const key of Object.keys(record)) {
        const item = record[key];
        if (item === undefined) continue;
        this.#string(key);
        this.#value(item, ownKeys);
        count++;
      }
    }
    if (count < 16) {
      this.#chunk[this.#start + headerOffset] = 0x80 | count;
      return;
    }
    const extra = count < 0x10000 ? 2 : 4;
    this.#ensure(extra);
    const headerPos = this.#start + headerOffset;
    this.#chunk.copyWithin(headerPos + 1 + extra, headerPos + 1, this.#pos);
    this.#pos += extra;
    if (extra === 2) {
      this.#chunk[headerPos] = 0xde;
      this.#view.setUint16(headerPos + 1, count);
    } else {
      this.#chunk[headerPos] = 0xdf;
      this.#view.setUint32(headerPos + 1, count);
    }
  }

  /** A fix/16/32 header for arrays (and maps of known size). */
  #header(length: number, fix: number, code16: number): void {
    this.#ensure(5);
    const target = this.#chunk;
    if (length < 16) {
      target[this.#pos++] = fix | length;
    } else if (length < 0x10000) {
      target[this.#pos] = code16;
      this.#view.setUint16(this.#pos + 1, length);
      this.#pos += 3;
    } else {
      target[this.#pos] = code16 + 1;
      this.#view.setUint32(this.#pos + 1, length);
      this.#pos += 5;
    }
  }

  #bytes(bytes: Uint8Array): void {
    const length = bytes.length;
    this.#ensure(length + 5);
    const target = this.#chunk;
    if (length < 0x100) {
      target[this.#pos++] = 0xc4;
      target[this.#pos++] = length;
    } else if (length < 0x10000) {
      target[this.#pos] = 0xc5;
      this.#view.setUint16(this.#pos + 1, length);
      this.#pos += 3;
    } else {
      target[this.#pos] = 0xc6;
      this.#view.setUint32(this.#pos + 1, length);
      this.#pos += 5;
    }
    target.set(bytes, this.#pos);
    this.#pos += length;
  }

  #string(text: string): void {
    const length = text.length;
    // Up to 3 bytes per UTF-16 code unit (a surrogate pair is 4 bytes for 2 units).
    this.#ensure(3 * length + 5, length + 1);
    // The header is sized for the shortest the text can be and moved afterwards if needed.
    const headerSize = length < 32 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
    const start = this.#pos + headerSize;
    const written = length < SHORT_STRING ? this.#utf8Short(text, start) : this.#utf8Long(text, start);
    const target = this.#chunk;
    let pos = this.#pos;
    const needed = written < 32 ? 1 : written < 0x100 ? 2 : written < 0x10000 ? 3 : 5;
    if (needed !== headerSize) target.copyWithin(pos + needed, start, start + written);
    if (needed === 1) {
      target[pos++] = 0xa0 | written;
    } else if (needed === 2) {
      target[pos++] = 0xd9;
      target[pos++] = written;
    } else if (needed === 3) {
      target[pos] = 0xda;
      this.#view.setUint16(pos + 1, written);
      pos += 3;
    } else {
      target[pos] = 0xdb;
      this.#view.setUint32(pos + 1, written);
      pos += 5;
    }
    this.#pos = pos + written;
  }

  /** UTF-8 by hand; a lone surrogate is refused, as Python's strict UTF-8 encoder refuses it. */
  #utf8Short(text: string, at: number): number {
    const target = this.#chunk;
    let pos = at;
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c < 0x80) {
        target[pos++] = c;
      } else if (c < 0x800) {
        target[pos++] = 0xc0 | (c >> 6);
        target[pos++] = 0x80 | (c & 0x3f);
      } else if ((c & 0xf800) !== 0xd800) {
        target[pos++] = 0xe0 | (c >> 12);
        target[pos++] = 0x80 | ((c >> 6) & 0x3f);
        target[pos++] = 0x80 | (c & 0x3f);
      } else {
        const low = text.charCodeAt(i + 1);
        if (c >= 0xdc00 || !(low >= 0xdc00 && low <= 0xdfff)) throw loneSurrogate();
        c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        i++;
        target[pos++] = 0xf0 | (c >> 18);
        target[pos++] = 0x80 | ((c >> 12) & 0x3f);
        target[pos++] = 0x80 | ((c >> 6) & 0x3f);
        target[pos++] = 0x80 | (c & 0x3f);
      }
    }
    return pos - at;
  }

  #utf8Long(text: string, at: number): number {
    // The native writer would turn a lone surrogate into U+FFFD and change the text without a
    // word. (The check is nearly free: V8 knows most strings hold no surrogate at all.)
    if (!(text as unknown as { isWellFormed(): boolean }).isWellFormed()) throw loneSurrogate();
    return this.#bytes8.utf8Write(text, at);
  }

  #number(value: number): void {
    // -0 can only come from float arithmetic; Python packs the float -0.0 as a float64.
    if (Number.isInteger(value) && !(value === 0 && 1 / value < 0)) {
      if (value >= 0 ? value < TWO_32 : value >= -0x8000_0000) return this.#int32(value);
      if (value >= MIN_INT64_NUMBER && value < TWO_64_NUMBER) return this.#int64(BigInt(value));
      // An integral double beyond 64 bits has no msgpack int: write the double it is.
    }
    this.#float(value);
  }

  #float(value: number): void {
    this.#ensure(9);
    this.#chunk[this.#pos] = 0xcb;
    this.#view.setFloat64(this.#pos + 1, value);
    this.#pos += 9;
  }

  #bigint(value: bigint): void {
    if (value >= -0x8000_0000n && value < 0x1_0000_0000n) return this.#int32(Number(value));
    if (value < MIN_INT64 || value > MAX_UINT64) {
      throw new EncodeError(
        `msgpack integers are 64-bit at most and ${value < 0n ? 'this one is below -2^63' : 'this one is 2^64 or more'}; ` +
          "Python's msgpack.packb refuses it too (OverflowError). Store it as a string, or use the json or pickle serializer.",
      );
    }
    this.#int64(value);
  }

  /** An int between -2^31 and 2^32, in the smallest encoding Python chooses. */
  #int32(value: number): void {
    this.#ensure(5);
    const target = this.#chunk;
    let pos = this.#pos;
    if (value >= 0) {
      if (value < 0x80) target[pos++] = value;
      else if (value < 0x100) {
        target[pos++] = 0xcc;
        target[pos++] = value;
      } else if (value < 0x10000) {
        target[pos] = 0xcd;
        this.#view.setUint16(pos + 1, value);
        pos += 3;
      } else {
        target[pos] = 0xce;
        this.#view.setUint32(pos + 1, value);
        pos += 5;
      }
    } else if (value >= -32) {
      target[pos++] = value & 0xff;
    } else if (value >= -0x80) {
      target[pos++] = 0xd0;
      target[pos++] = value & 0xff;
    } else if (value >= -0x8000) {
      target[pos] = 0xd1;
      this.#view.setInt16(pos + 1, value);
      pos += 3;
    } else {
      target[pos] = 0xd2;
      this.#view.setInt32(pos + 1, value);
      pos += 5;
    }
    this.#pos = pos;
  }

  /** An int outside 32 bits: uint64 when positive, int64 when negative, as Python writes them. */
  #int64(value: bigint): void {
    this.#ensure(9);
    if (value >= 0n) {
      this.#chunk[this.#pos] = 0xcf;
      this.#view.setBigUint64(this.#pos + 1, value);
    } else {
      this.#chunk[this.#pos] = 0xd3;
      this.#view.setBigInt64(this.#pos + 1, value);
    }
    this.#pos += 9;
  }
}

interface Utf8Writer {
  utf8Write(text: string, offset: number): number;
}

// Buffer's utf8Write is what Buffer.write calls after checking its arguments; it is not in
// Node's typings, so the Buffer is seen through this one method.
function asUtf8Writer(chunk: Uint8Array): Utf8Writer {
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) as unknown as Utf8Writer;
}

function loneSurrogate(): EncodeError {
  return new EncodeError(
    "The string holds a lone UTF-16 surrogate, which UTF-8 cannot carry; Python's msgpack.packb refuses such a str too (UnicodeEncodeError).",
  );
}

/**
 * Values that have a `toJSON` but that kombu's msgpack cannot write: writing the JSON form would
 * turn a datetime, a Decimal or a UUID into a str without a word. Python's `packb` raises
 * `TypeError` for every one of them.
 */
function refuseUnwritable(value: object): void {
  if (value instanceof Date) {
    throw new EncodeError(
      "kombu's msgpack serializer cannot carry a datetime (Python's msgpack.packb raises TypeError), so a Date is refused rather " +
        'written as something else. Store it as a string yourself (formatDateDone() writes the form every Celery reads), ' +
        'or use the json, yaml or pickle serializer.',
    );
  }
  if (value instanceof PyDecimal || value instanceof PyUUID || value instanceof PyDate || value instanceof PyTime) {
    throw new EncodeError(
      `kombu's msgpack serializer cannot carry a ${value.constructor.name} (Python's msgpack.packb raises TypeError); store it as a string yourself.`,
    );
  }
  if (value instanceof Map || value instanceof Set) {
    throw new EncodeError(
      `msgpack is written for kombu, whose reader only takes maps with str keys: a ${value.constructor.name} is refused. Use a plain object (or an array).`,
    );
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    throw new EncodeError('msgpack writes bytes from a Uint8Array (or Buffer) only; wrap other binary data in a Uint8Array.');
  }
}
