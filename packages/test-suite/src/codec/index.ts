import { describe } from 'vitest';
import { registerCompressorTests } from './compressor.js';
import { registerCorruptInputTests } from './corrupt-input.js';
import { registerDocumentTests } from './document.js';
import { registerFuzzTests } from './fuzz.js';
import { registerMutationFuzzTests } from './mutation-fuzz.js';
import type { CodecSuiteOptions } from './options.js';
import { registerRoundTripTests } from './round-trip.js';

export type { CodecSuiteOptions } from './options.js';

/**
 * Registers the conformance tests every resultkit serializer and compressor passes: round
 * trips of every value kind (a kind the format does not carry refused with `EncodeError`),
 * documents through core's `Codec` and `accept`, corrupt and truncated input as `DecodeError`,
 * a property-based fuzz run, and for a compressor raw and framed round trips and a bound on
 * decompression.
 *
 * ```ts
 * import { registerCodecSuite } from '@resultkit/test-suite';
 * import { serializer } from '../src/index.js';
 * registerCodecSuite({ name: 'msgpack', serializer, carries: { bytes: true, bigint: true } });
 * ```
 */
export function registerCodecSuite(options: CodecSuiteOptions): void {
  const { serializer, compressor } = options;
  if (!serializer && !compressor) throw new TypeError('registerCodecSuite needs a serializer, a compressor, or both.');
  describe(`codec suite: ${options.name}`, () => {
    if (serializer) {
      registerRoundTripTests(serializer, options.carries);
      registerCorruptInputTests(serializer, options.truncationDetected ?? true);
      registerFuzzTests(serializer);
    }
    registerDocumentTests(serializer, compressor);
    registerMutationFuzzTests(serializer, compressor, options.carries);
    if (compressor) registerCompressorTests(compressor);
  });
}
