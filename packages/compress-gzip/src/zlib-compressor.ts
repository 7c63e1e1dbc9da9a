import { DecodeError, MAX_VALUE_SIZE, type Compressor } from '@resultkit/core';
import { zlibSync } from 'fflate';
import { adler32 } from './adler32.js';
import { inflateBounded } from './bounded-inflate.js';
import { DEFAULT_LEVEL, deflateLevel, type DeflateLevel } from './level.js';

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
    decompress: (data, opts) => unzlib(data, opts?.maxSize ?? MAX_VALUE_SIZE),
  };
}

function unzlib(data: Uint8Array, maxSize: number): Uint8Array {
  if (data.length < 6) throw new DecodeError('The zlib stream is truncated.');
  const cmf = data[0]!;
  const flg = data[1]!;
  if ((cmf & 0x0f) !== 8 || (cmf * 256 + flg) % 31 !== 0) throw new DecodeError('The value is not a zlib stream (bad header).');
  // A preset dictionary is never used by zlib.compress; without it the stream cannot be read.
  if (flg & 0x20) throw new DecodeError('The zlib stream needs a preset dictionary.');
  const output = inflateBounded(data.subarray(2, data.length - 4), maxSize);
  const at = data.length - 4;
  const expected = ((data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!) >>> 0;
  if (adler32(output) !== expected) throw new DecodeError('The zlib stream is corrupt (Adler-32 mismatch).');
  return output;
}

/** kombu's `gzip` (a zlib stream) at level 6. */
export const zlibCompressor: Compressor = createZlibCompressor();
