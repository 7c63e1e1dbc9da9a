import { randomBytes } from 'node:crypto';
import { DecodeError, isCompressedPayload, readCompressedPayload, ValueTooLargeError, writeCompressedPayload, type Compressor } from '@resultkit/core';
import { describe, expect, it } from 'vitest';
import { codecFor, resultDocument } from './codec-for.js';
import { samePythonValue } from './python-equality.js';
import { largeText } from './sample-values.js';

const MiB = 1024 * 1024;

/** A compressor whose `decompress` takes a size bound: `decompress(data, { maxSize })`. */
type BoundedDecompress = (data: Uint8Array, options: { maxSize: number }) => Uint8Array;

/**
 * Whether the compressor bounds decompression: it says so with `boundedDecompress: true`, or
 * its `decompress` declares the options parameter.
 */
export function supportsBoundedDecompress(compressor: Compressor): boolean {
  return (compressor as { boundedDecompress?: unknown }).boundedDecompress === true || compressor.decompress.length >= 2;
}

/** Whether `run` throws what the contract asks for the bound: ValueTooLargeError (the codec turns it into a DecodeError). */
function refusal(run: () => unknown): boolean {
  try {
    run();
  } catch (error) {
    return error instanceof ValueTooLargeError || error instanceof DecodeError;
  }
  return false;
}

export function registerCompressorTests(compressor: Compressor): void {
  describe('compressor', () => {
    const cases: Array<[string, () => Uint8Array]> = [
      ['empty input', () => new Uint8Array(0)],
      ['one byte', () => new Uint8Array([0x2a])],
      ['10 MiB of text', () => new TextEncoder().encode(largeText(10 * MiB))],
      ['1 MiB of incompressible random bytes', () => new Uint8Array(randomBytes(MiB))],
    ];
    for (const [title, make] of cases) {
      it(`${title} round-trips through compress and decompress`, { timeout: 60_000 }, () => {
        const data = make();
        const back = compressor.decompress(compressor.compress(data));
        expect(back.length).toBe(data.length);
        expect(Buffer.compare(Buffer.from(back), Buffer.from(data))).toBe(0);
      });
    }

    it('a result document round-trips through Codec, compressed and framed, with the JSON serializer', () => {
      const codec = codecFor(undefined, compressor);
      const document = resultDocument({ text: largeText(10_000), list: [1, 2, 3] });
      const bytes = codec.encode(document);
      expect(isCompressedPayload(bytes)).toBe(true);
      expect(samePythonValue(codec.decode(bytes), document)).toBe(true);
    });

    it('corrupt compressed bytes are a DecodeError through Codec', () => {
      const codec = codecFor(undefined, compressor);
      const frame = readCompressedPayload(codec.encode(resultDocument({ text: largeText(10_000) })));
      const corruptions: Uint8Array[] = [
        frame.body.subarray(0, frame.body.length >> 1),
        frame.body.subarray(0, 1),
        new Uint8Array(randomBytes(256)),
        Uint8Array.from(frame.body, (byte, i) => (i % 7 === 3 ? byte ^ 0x5a : byte)),
      ];
      for (const payload of corruptions) {
        const bytes = writeCompressedPayload(frame.compression, payload);
        expect(() => codec.decode(bytes)).toThrow(DecodeError);
      }
    });

    it.skipIf(!supportsBoundedDecompress(compressor))('output of exactly maxSize bytes is read; with one byte less it is refused', () => {
      const data = new TextEncoder().encode(largeText(100_000));
      const packed = compressor.compress(data);
      const decompress = compressor.decompress.bind(compressor) as BoundedDecompress;
      expect(Buffer.compare(Buffer.from(decompress(packed, { maxSize: data.length })), Buffer.from(data))).toBe(0);
      expect(refusal(() => decompress(packed, { maxSize: data.length - 1 }))).toBe(true);
    });

    it.skipIf(!supportsBoundedDecompress(compressor))(
      'a decompression bomb is refused with DecodeError once it passes maxSize, quickly',
      { timeout: 60_000 },
      () => {
        const bomb = compressor.compress(new Uint8Array(64 * MiB));
        const decompress = compressor.decompress.bind(compressor) as BoundedDecompress;
        const started = performance.now();
        expect(refusal(() => decompress(bomb, { maxSize: MiB }))).toBe(true);
        // Inflating all 64 MiB before checking takes longer than this on any machine.
        expect(performance.now() - started).toBeLessThan(2_000);
      },
    );
  });
}
