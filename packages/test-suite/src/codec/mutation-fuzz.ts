import { DecodeError, fromDocument, isCompressedPayload, readCompressedPayload, RemoteTaskError, writeCompressedPayload, type Codec, type Compressor, type Serializer } from '@resultkit/core';
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { codecFor, resultDocument } from './codec-for.js';
import { decodedSize } from './decoded-size.js';
import { createMutator } from './mutations.js';
import type { CodecSuiteOptions } from './options.js';

// Decoding a few kilobytes takes well under a millisecond; this is a bound for a hang or a
// quadratic blow-up on a loaded CI machine, not a benchmark.
const MAX_DECODE_MS = 250;
// A decoded value may hold a few units per input byte (a one-byte `[]` is an array); 64 is far
// above anything honest and far below an expansion attack.
const SIZE_PER_BYTE = 64;
const RUNS = 600;
const { mutation, mutate } = createMutator();

/** What the mutation runs met, printed once per suite for whoever reads the log. */
interface FuzzStats {
  decodes: number;
  refused: number;
  slowestMs: number;
}

/**
 * Property-based fuzzing of mutated valid encodings (bit flips, truncations, inserts,
 * duplicated and spliced pieces): through core's `Codec`, then through `fromDocument` (states,
 * exception documents, `date_done`), every input ends in a value or a `DecodeError`, within a
 * time bound, holding memory in proportion to its size; and the value is never the result of a
 * crash wrapped as a `DecodeError`.
 */
export function registerMutationFuzzTests(serializer: Serializer | undefined, compressor: Compressor | undefined, carries: CodecSuiteOptions['carries'] = {}): void {
  describe('property-based fuzz of mutated encodings', () => {
    const codec = codecFor(serializer, compressor);
    const stats: FuzzStats = { decodes: 0, refused: 0, slowestMs: 0 };
    afterAll(() => {
      if (stats.decodes > 0 && process.env.RESULTKIT_FUZZ_STATS) {
        console.info(`mutation fuzz: ${stats.decodes} decodes, ${stats.refused} DecodeErrors, slowest ${stats.slowestMs.toFixed(2)} ms`);
      }
    });
    const documents = documentArbitrary(serializer ? carries : {});

    it('mutated result documents decode to a result or a DecodeError, quickly and in bounded memory', () => {
      fc.assert(
        fc.property(documents, documents, fc.array(mutation, { minLength: 1, maxLength: 4 }), (document, donor, mutations) => {
          const bytes = mutate(codec.encode(document), mutations, codec.encode(donor));
          readThoroughly(codec, bytes, stats);
        }),
        { numRuns: RUNS },
      );
    });

    it.skipIf(!compressor)('mutated compressed bodies in an intact envelope decode to a result or a DecodeError', () => {
      fc.assert(
        fc.property(documents, documents, fc.array(mutation, { minLength: 1, maxLength: 3 }), (document, donor, mutations) => {
          const framed = codec.encode(document);
          if (!isCompressedPayload(framed)) throw new Error('the codec under test did not compress');
          const { compression, body } = readCompressedPayload(framed);
          const bytes = writeCompressedPayload(compression, mutate(body, mutations, readCompressedPayload(codec.encode(donor)).body));
          readThoroughly(codec, bytes, stats);
        }),
        { numRuns: RUNS / 2 },
      );
    });
  });
}

/**
 * Decodes `bytes` as a backend reads a stored result, and fails the test on anything but a
 * result or a `DecodeError` caused by the input (not by a crash in the decoder).
 */
function readThoroughly(codec: Codec, bytes: Uint8Array, stats: FuzzStats): void {
  const started = performance.now();
  let value: unknown;
  try {
    value = codec.decode(bytes);
    const meta = fromDocument(value, 'fuzz');
    // Formatting a decoded exception is what every caller does first; it must be bounded too.
    if (meta.result instanceof RemoteTaskError) void meta.result.toString();
  } catch (error) {
    assertRefusal(error, bytes);
    stats.refused++;
  }
  const elapsed = performance.now() - started;
  stats.decodes++;
  stats.slowestMs = Math.max(stats.slowestMs, elapsed);
  if (elapsed > MAX_DECODE_MS) throw new Error(`decoding ${bytes.length} bytes took ${elapsed.toFixed(1)} ms: ${hex(bytes)}`);
  const limit = SIZE_PER_BYTE * bytes.length + 1024;
  const size = decodedSize(value, limit);
  if (size > limit) throw new Error(`${bytes.length} bytes decoded to a value of more than ${limit} units: ${hex(bytes)}`);
}

/**
 * A DecodeError, and not one that wraps a bug: a TypeError or ReferenceError thrown by code
 * (Node's own deliberate errors carry a `code`, such as a TextDecoder's
 * ERR_ENCODING_INVALID_ENCODED_DATA, and are refusals), or a stack overflow.
 */
function assertRefusal(error: unknown, bytes: Uint8Array): void {
  if (!(error instanceof DecodeError)) {
    throw new Error(`decoding threw ${String(error)} instead of a DecodeError, for ${hex(bytes)}`, { cause: error });
  }
  for (let cause: unknown = error.cause; cause instanceof Error; cause = cause.cause) {
    const deliberate = typeof (cause as { code?: unknown }).code === 'string';
    const crash = ((cause instanceof TypeError || cause instanceof ReferenceError) && !deliberate) || (cause instanceof RangeError && /call stack/i.test(cause.message));
    if (crash) throw new Error(`a DecodeError wraps a crash of the decoder (${String(cause)}), for ${hex(bytes)}`, { cause: error });
  }
}

function hex(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString('hex');
  return text.length > 400 ? `${text.slice(0, 400)}… (${bytes.length} bytes)` : text;
}

/**
 * Result documents worth mutating: a SUCCESS with a generated value (including the kinds the
 * format carries, so their encodings get mutated too), or a FAILURE with a generated exception.
 */
function documentArbitrary(carries: NonNullable<CodecSuiteOptions['carries']>): fc.Arbitrary<Record<string, unknown>> {
  const leaves: fc.Arbitrary<unknown>[] = [fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 12 })];
  if (carries.bytes) leaves.push(fc.uint8Array({ maxLength: 12 }));
  if (carries.bigint) leaves.push(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }));
  if (carries.dates) leaves.push(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }));
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.oneof(...leaves),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 4, noNullPrototype: true }),
    ),
  }));
  const success = value.map((result) => resultDocument(result));
  const failure = fc
    .record({ type: fc.string({ minLength: 1, maxLength: 12 }), module: fc.constantFrom('builtins', 'os', 'tasks', 'celery.exceptions'), args: fc.array(value, { maxLength: 3 }) })
    .map(({ type, module, args }) => ({
      ...resultDocument({ exc_type: type, exc_message: args, exc_module: module }),
      status: 'FAILURE',
      traceback: 'Traceback (most recent call last):\n  File "tasks.py", line 3\nValueError',
    }));
  return fc.oneof({ arbitrary: success, weight: 3 }, { arbitrary: failure, weight: 1 });
}
