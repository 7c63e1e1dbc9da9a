import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { ConfigurationError, MAX_VALUE_SIZE, ValueTooLargeError, type Compressor } from '@resultkit/core';

export interface BrotliCompressorOptions {
  /**
   * The quality used when the codec gives none, 0 (fastest) to 11 (smallest). Default 5: Python's
   * `brotli.compress` (what kombu calls) uses 11, which takes seconds on a few megabytes; every
   * quality is read the same way, so this only trades size for time.
   */
  level?: number;
}

export const DEFAULT_QUALITY = 5;

/** kombu's `brotli` method, content type `application/x-brotli`, on Node's own zlib. */
export function createBrotliCompressor(options: BrotliCompressorOptions = {}): Compressor {
  const fallback = quality(options.level, DEFAULT_QUALITY);
  return {
    name: 'brotli',
    contentType: 'application/x-brotli',
    compress: (data, opts) =>
      brotliCompressSync(data, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: quality(opts?.level, fallback),
          // The size is known, which lets the encoder pick its window and skip a pass.
          [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
        },
      }),
    decompress: (data, opts) => {
      const maxSize = opts?.maxSize ?? MAX_VALUE_SIZE;
      try {
        // Stops at maxOutputLength: a bomb is never inflated to the end.
        return brotliDecompressSync(data, { maxOutputLength: maxSize });
      } catch (error) {
        if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new ValueTooLargeError(maxSize + 1, maxSize);
        throw error;
      }
    },
  };
}

function quality(level: number | undefined, fallback: number): number {
  if (level === undefined) return fallback;
  if (!Number.isInteger(level) || level < 0 || level > 11) {
    throw new ConfigurationError(`A brotli compression level is a whole number from 0 to 11, got ${String(level)}.`);
  }
  return level;
}

/** kombu's `brotli` at quality 5. */
export const brotliCompressor: Compressor = createBrotliCompressor();
