import { gunzipSync, inflateSync, type ZlibOptions } from 'node:zlib';
import { ValueTooLargeError } from '@resultkit/core';

/**
 * Decompression runs on Node's own zlib rather than fflate: it checks the Adler-32 / CRC-32
 * trailer (as Python's zlib does, so a flipped bit is an error, not a different result), and it
 * stops at `maxOutputLength`, so a bomb is never inflated to the end. fflate does neither, and
 * its gunzip trusts the size a hostile trailer claims.
 */
export function inflateZlib(data: Uint8Array, maxSize: number): Uint8Array {
  return bounded(inflateSync, data, maxSize);
}

export function inflateGzip(data: Uint8Array, maxSize: number): Uint8Array {
  return bounded(gunzipSync, data, maxSize);
}

function bounded(inflate: (data: Uint8Array, options: ZlibOptions) => Buffer, data: Uint8Array, maxSize: number): Uint8Array {
  let output: Uint8Array;
  try {
    // Node refuses a limit of 0; an empty value is checked after the fact instead.
    output = inflate(data, { maxOutputLength: Math.max(1, maxSize) });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new ValueTooLargeError(maxSize + 1, maxSize);
    throw error;
  }
  if (output.length > maxSize) throw new ValueTooLargeError(output.length, maxSize);
  return output;
}
