import { ByteBuffer } from './byte-buffer.js';
import { Op } from './opcodes.js';

/** CPython's `_Framer._FRAME_SIZE_TARGET`: a frame is closed once it reaches 64 KiB. */
export const FRAME_SIZE_TARGET = 64 * 1024;
/** CPython writes no FRAME header for a frame shorter than this (`_FRAME_SIZE_MIN`). */
const FRAME_SIZE_MIN = 4;

/**
 * Where the pickler's bytes go. With framing (protocol 4+ in Python style) it reproduces
 * CPython's `_Framer`: opcodes collect in the current frame, which is closed at the start of
 * saving the next object once it holds 64 KiB, and at the end; a frame under 4 bytes gets no
 * FRAME header; strings and bytes of 64 KiB or more are written outside any frame. Without
 * framing every byte goes straight to the output.
 */
export class PickleOutput {
  readonly #out = takeBuffer();
  readonly #frame: ByteBuffer | null;

  constructor(framing: boolean) {
    this.#frame = framing ? takeBuffer() : null;
  }

  /** The buffer opcodes are written to now. */
  get w(): ByteBuffer {
    return this.#frame ?? this.#out;
  }

  /** Bytes written outside of framing (the PROTO header). */
  get direct(): ByteBuffer {
    return this.#out;
  }

  get framing(): boolean {
    return this.#frame !== null;
  }

  /** CPython calls this at the start of saving each object: a full frame is closed there. */
  boundary(): void {
    if (this.#frame && this.#frame.length >= FRAME_SIZE_TARGET) this.#commit();
  }

  #commit(): void {
    const frame = this.#frame;
    if (!frame || frame.length === 0) return;
    if (frame.length >= FRAME_SIZE_MIN) {
      this.#out.byte(Op.FRAME);
      this.#out.u64(frame.length);
    }
    this.#out.bytes(frame.view());
    frame.clear();
  }

  /**
   * A string or bytes payload after its opcode and length (`shortOp` with a one-byte length up to
   * 255 bytes when `shortOp` is given, else `longOp` with four bytes): inside the frame when
   * small, else (when framing) after closing the current frame and outside of any, so a reader
   * can hand it over without copying.
   */
  payload(shortOp: number | null, longOp: number, payload: Uint8Array): void {
    const w = this.#headerFor(payload.length);
    header(w, shortOp, longOp, payload.length);
    w.bytes(payload);
  }

  /** As `payload`, for text the caller knows is ASCII: written in place, never encoded apart. */
  asciiPayload(shortOp: number | null, longOp: number, text: string): void {
    const w = this.#headerFor(text.length);
    header(w, shortOp, longOp, text.length);
    w.ascii(text);
  }

  #headerFor(size: number): ByteBuffer {
    if (this.#frame && size >= FRAME_SIZE_TARGET) {
      this.#commit();
      return this.#out;
    }
    return this.w;
  }

  /**
   * The pickle: the bytes written outside frames, then the open frame (with its FRAME header),
   * copied once into an array of exactly their size.
   */
  finish(): Uint8Array {
    const out = this.#joined();
    giveBack(this.#out);
    if (this.#frame) giveBack(this.#frame);
    return out;
  }

  #joined(): Uint8Array {
    const frame = this.#frame;
    if (!frame || frame.length === 0) return this.#out.toUint8Array();
    const headed = frame.length >= FRAME_SIZE_MIN;
    const out = new Uint8Array(this.#out.length + (headed ? 9 : 0) + frame.length);
    this.#out.copyTo(out, 0);
    let at = this.#out.length;
    if (headed) {
      out[at] = Op.FRAME;
      // The frame's length as 8 little-endian bytes (a pickle is under 2^32 bytes, see MAX_PICKLE_SIZE).
      for (let k = 0, n = frame.length; k < 8; k++, n = Math.floor(n / 256)) out[at + 1 + k] = n % 256;
      at += 9;
    }
    frame.copyTo(out, at);
    return out;
  }
}

/**
 * Buffers of finished pickles, kept for the next ones: most pickles are small, and allocating
 * two fresh buffers for each cost more than writing it. A pickle being written (a nested
 * `dumps`, or one abandoned by an error) simply takes fresh ones; a buffer that grew past
 * `KEEP_UP_TO` is left to the collector rather than held on to.
 */
const spare: ByteBuffer[] = [];
const KEEP_UP_TO = 2 * FRAME_SIZE_TARGET;
const SPARE_COUNT = 4;

function takeBuffer(): ByteBuffer {
  const buffer = spare.pop();
  if (!buffer) return new ByteBuffer();
  buffer.clear();
  return buffer;
}

function giveBack(buffer: ByteBuffer): void {
  if (buffer.capacity <= KEEP_UP_TO && spare.length < SPARE_COUNT) spare.push(buffer);
}

function header(w: ByteBuffer, shortOp: number | null, longOp: number, size: number): void {
  if (shortOp !== null && size <= 0xff) {
    w.byte(shortOp);
    w.byte(size);
  } else {
    w.byte(longOp);
    w.u32(size);
  }
}
