export { createZlibCompressor, zlibCompressor, type ZlibCompressorOptions } from './zlib-compressor.js';
export { createGzipFileCompressor, gzipFileCompressor, type GzipFileCompressorOptions } from './gzip-file-compressor.js';
export type { DeflateLevel } from './level.js';

/** The name `createBackend` looks for when it loads `@resultkit/compress-gzip` by itself: kombu's `gzip`. */
export { zlibCompressor as compressor } from './zlib-compressor.js';
