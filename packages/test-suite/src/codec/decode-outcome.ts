import { DecodeError, type Codec } from '@resultkit/core';

/** What decoding some bytes came to: a value, or the DecodeError that refused them. */
export type DecodeOutcome = { value: unknown } | { error: DecodeError };

/**
 * Decodes through the codec; anything thrown other than a DecodeError is re-thrown, so the
 * test fails on it (a crash, in the suite's terms).
 */
export function decodeOutcome(codec: Codec, bytes: Uint8Array): DecodeOutcome {
  try {
    return { value: codec.decode(bytes) };
  } catch (error) {
    if (error instanceof DecodeError) return { error };
    throw error;
  }
}
