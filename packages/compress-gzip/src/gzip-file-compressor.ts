import { MAX_VALUE_SIZE, type Compressor } from '@resultkit/core';
import { gzipSync } from 'fflate';
import { DEFAULT_LEVEL, deflateLevel, type DeflateLevel } from './level.js';
import { inflateGzip } from './native-inflate.js';

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
    decompress: (data, opts) => inflateGzip(data, opts?.maxSize ?? MAX_VALUE_SIZE),
  };
}

/** Real gzip framing at level 6. */
export const gzipFileCompressor: Compressor = createGzipFileCompressor();
