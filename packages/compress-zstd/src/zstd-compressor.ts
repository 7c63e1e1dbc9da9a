import { compress, decompress, init } from '@bokuweb/zstd-wasm';
import { ConfigurationError, DecodeError, MAX_VALUE_SIZE, ValueTooLargeError, type Compressor } from '@resultkit/core';
import { declaredContentSize } from './frame-header.js';

// The WebAssembly module is instantiated once, when the package is imported, so that compress
// and decompress can be synchronous as the Compressor contract requires.
await init();

export interface ZstdCompressorOptions {
  /** The level used when the codec gives none, 1 (fastest) to 22 (smallest). Default 3, as Python's `zstandard`. */
  level?: number;
}

/** `zstandard.ZstdCompressor()`'s level, which kombu uses. */
export const DEFAULT_LEVEL = 3;

/**
 * kombu's `zstd` method (alias `zstandard`), content type `application/zstd`. One frame with
 * its content size in the header, as Python's `ZstdCompressor().compress` writes it: kombu's
 * `ZstdDecompressor().decompress` cannot read a frame without it.
 */
export function createZstdCompressor(options: ZstdCompressorOptions = {}): Compressor {
  const fallback = zstdLevel(options.level, DEFAULT_LEVEL);
  return {
    name: 'zstd',
    aliases: ['zstandard'],
    contentType: 'application/zstd',
    compress: (data, opts) => compress(data, zstdLevel(opts?.level, fallback)),
    decompress: (data, opts) => decompressBounded(data, opts?.maxSize ?? MAX_VALUE_SIZE),
  };
}

/**
 * libzstd decompresses into a buffer of the size the frame header declares and fails as soon as
 * the frame would write past it. So the output is bounded by the header, and the header is
 * checked against the limit before anything is inflated: a bomb costs nothing but this check.
 */
function decompressBounded(data: Uint8Array, maxSize: number): Uint8Array {
  const size = declaredContentSize(data);
  if (size === null) {
    // Without a declared size there is no buffer to bound the output by; Python's zstandard,
    // which kombu calls, refuses such a frame for the same reason.
    throw new DecodeError('The Zstandard frame does not declare its content size (kombu cannot read such a frame either).');
  }
  if (size > maxSize) throw new ValueTooLargeError(size, maxSize);
  try {
    return decompress(data);
  } catch (error) {
    // The library says "Failed to compress with code N" whatever the direction.
    const code = /code (-?\d+)/.exec(String((error as Error).message))?.[1];
    throw new DecodeError(`The Zstandard data is corrupt or truncated (libzstd error ${code ?? 'unknown'}).`, { cause: error });
  }
}

function zstdLevel(level: number | undefined, fallback: number): number {
  if (level === undefined) return fallback;
  if (!Number.isInteger(level) || level < 1 || level > 22) {
    throw new ConfigurationError(`A zstd compression level is a whole number from 1 to 22, got ${String(level)}.`);
  }
  return level;
}

/** kombu's `zstd` at level 3. */
export const zstdCompressor: Compressor = createZstdCompressor();
