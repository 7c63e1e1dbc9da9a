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
  readonly #out = new ByteBuffer();
  readonly #frame: ByteBuffer | null;

  constructor(framing: boolean) {
    this.#frame = framing ? new ByteBuffer() : null;
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
   * A string or bytes payload: inside the frame when small, else (when framing) after closing
   * the current frame and outside of any, so a reader can hand it over without copying.
   */
  payload(writeHeader: (w: ByteBuffer) => void, payload: Uint8Array): void {
    if (this.#frame && payload.length >= FRAME_SIZE_TARGET) {
      this.#commit();
      writeHeader(this.#out);
      this.#out.bytes(payload);
      return;
    }
    writeHeader(this.w);
    this.w.bytes(payload);
  }

  finish(): Uint8Array {
    this.#commit();
    return this.#out.toUint8Array();
  }
}
