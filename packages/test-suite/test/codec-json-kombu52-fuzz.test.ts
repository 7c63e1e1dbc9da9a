import { json } from '@resultkit/core';
import { describe } from 'vitest';
import { registerMutationFuzzTests } from '../src/codec/mutation-fuzz.js';

// The default JSON serializer writes kombu 5.2's dialect (a Date as its ISO text, no form for
// bytes), which the codec suite does not register as a whole: its round trips differ from 5.3's.
// Its encodings, mutated, go through the same reader.
describe('json (kombu 5.2)', () => {
  registerMutationFuzzTests(json, undefined, { bigint: true, dates: true });
});
