import { DecodeError } from '@resultkit/core';

/**
 * A limit on the work (elements copied or converted, characters encoded) one `loads` may do.
 *
 * The memo lets a pickle refer to one big value many times for a couple of bytes each. Most
 * references are shared, not copied, and cost nothing. But a few operations do work
 * proportional to an argument every time they run: `set(big_list)`, `bytearray(big_list)`,
 * `_codecs.encode(big_text)`, copying the arguments of a recorded call, and so on. Without a
 * limit, 100 KB of hostile bytes could make a call on a 100 000-item list 20 000 times, which
 * is two billion copies. The budget is a generous multiple of the input size, so no real pickle
 * comes near it, and it turns such input into a `DecodeError` in bounded time.
 */
export class Budget {
  #left: number;

  constructor(inputLength: number) {
    this.#left = Budget.forInput(inputLength);
  }

  /** The units allowed for an input of this many bytes. */
  static forInput(inputLength: number): number {
    return 1_000_000 + 32 * inputLength;
  }

  /** Spends `units`, or throws when the pickle asks for more work than its size allows. */
  charge(units: number): void {
    this.#left -= units;
    if (this.#left < 0) {
      throw new DecodeError(
        'Refusing the pickle: it reuses values so heavily that decoding it would take far more work than its size ' +
          'justifies (a decompression-bomb pattern).',
      );
    }
  }
}
