import { MAX_VALUE_SIZE, type Compressor } from '@resultkit/core';
import { zlibSync } from 'fflate';
import { DEFAULT_LEVEL, deflateLevel, type DeflateLevel } from './level.js';
import { inflateZlib } from './native-inflate.js';

export interface ZlibCompressorOptions {
  /** The level used when the codec gives none (0-9). Default 6, as Python's `zlib.compress`. */
  level?: DeflateLevel;
}

/**
 * kombu's `gzip` method (aliases `zlib`), content type `application/x-gzip`. Despite the
 * name it is a zlib stream (RFC 1950: a 2-byte header, DEFLATE, an Adler-32 trailer), since
 * kombu calls `zlib.compress`. This is what Celery writes and reads under `gzip`.
 */
export function createZlibCompressor(options: ZlibCompressorOptions = {}): Compressor {
  const fallback = deflateLevel(options.level, DEFAULT_LEVEL);
  return {
    name: 'gzip',
    aliases: ['zlib'],
    contentType: 'application/x-gzip',
    compress: (data, opts) => zlibSync(data, { level: deflateLevel(opts?.level, fallback) }),
    decompress: (data, opts) => inflateZlib(data, opts?.maxSize ?? MAX_VALUE_SIZE),
  };
}

/** kombu's `gzip` (a zlib stream) at level 6. */
export const zlibCompressor: Compressor = createZlibCompressor();
