export { createBrotliCompressor, brotliCompressor, DEFAULT_QUALITY, type BrotliCompressorOptions } from './brotli-compressor.js';

/** The name `createBackend` looks for when it loads `@resultkit/compress-brotli` by itself. */
export { brotliCompressor as compressor } from './brotli-compressor.js';
