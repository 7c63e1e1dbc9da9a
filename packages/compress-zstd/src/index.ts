export { createZstdCompressor, zstdCompressor, DEFAULT_LEVEL, type ZstdCompressorOptions } from './zstd-compressor.js';

/** The name `createBackend` looks for when it loads `@resultkit/compress-zstd` by itself. */
export { zstdCompressor as compressor } from './zstd-compressor.js';
