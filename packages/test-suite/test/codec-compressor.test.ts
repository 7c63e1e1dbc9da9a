import { deflateSync, inflateSync } from 'node:zlib';
import { DecodeError, type Compressor } from '@resultkit/core';
import { registerCodecSuite } from '../src/index.js';

// The suite's compressor tests, run against node's zlib: once as a plain compressor (the bomb
// test is reported skipped) and once with a size bound, which the bomb test exercises.
const zlib: Compressor = {
  name: 'zlib-test',
  contentType: 'application/x-zlib-test',
  compress: (data) => deflateSync(data),
  decompress: (data) => inflateSync(data),
};

const boundedZlib: Compressor & { boundedDecompress: true } = {
  name: 'zlib-bounded-test',
  contentType: 'application/x-zlib-bounded-test',
  boundedDecompress: true,
  compress: (data: Uint8Array) => deflateSync(data),
  decompress(data: Uint8Array, options?: { maxSize?: number }): Uint8Array {
    try {
      return inflateSync(data, options?.maxSize === undefined ? {} : { maxOutputLength: options.maxSize });
    } catch (error) {
      throw new DecodeError(`The value could not be inflated: ${(error as Error).message}`, { cause: error });
    }
  },
};

registerCodecSuite({ name: 'zlib', compressor: zlib });
registerCodecSuite({ name: 'zlib, bounded', compressor: boundedZlib });
