import { gunzipSync } from 'node:zlib';
import { MAX_VALUE_SIZE, ValueTooLargeError, type Compressor } from '@resultkit/core';
import { gzipSync } from 'fflate';
import { DEFAULT_LEVEL, deflateLevel, type DeflateLevel } from './level.js';

export interface GzipFileCompressorOptions {
  /** The level used when the codec gives none (0-9). Default 6. */
  level?: DeflateLevel;
}

/**
 * Real gzip framing (RFC 1952), name `gzip-file`, content type `application/gzip`. kombu has
 * no such method, so Celery cannot read values written with it: use it only where every
 * reader is resultkit (or a tool that expects .gz bytes).
 */
export function createGzipFileCompressor(options: GzipFileCompressorOptions = {}): Compressor {
  const fallback = deflateLevel(options.level, DEFAULT_LEVEL);
  return {
    name: 'gzip-file',
    contentType: 'application/gzip',
    compress: (data, opts) => gzipSync(data, { level: deflateLevel(opts?.level, fallback) }),
    decompress: (data, opts) => gunzipBounded(data, opts?.maxSize ?? MAX_VALUE_SIZE),
  };
}

// Node's gunzip checks the CRC and stops at maxOutputLength; fflate's trusts the size in the
// trailer, which a hostile value can set to anything.
function gunzipBounded(data: Uint8Array, maxSize: number): Uint8Array {
  try {
    return gunzipSync(data, { maxOutputLength: maxSize });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new ValueTooLargeError(maxSize + 1, maxSize);
    throw error;
  }
}

/** Real gzip framing at level 6. */
export const gzipFileCompressor: Compressor = createGzipFileCompressor();
