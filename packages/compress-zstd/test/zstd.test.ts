import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createBackend, states, ValueTooLargeError } from '@resultkit/core';
import { describe, expect, it } from 'vitest';
import { declaredContentSize } from '../src/frame-header.js';
import { compressor, createZstdCompressor, DEFAULT_LEVEL, zstdCompressor } from '../src/index.js';

const text = new TextEncoder().encode('a result worth compressing, '.repeat(2000));
const PYTHON = process.env.CELERY_PYTHON ?? '/usr/bin/python3';
const pythonHasZstandard = spawnSync(PYTHON, ['-c', 'import zstandard']).status === 0;
const needsPython = !pythonHasZstandard && !process.env.CI;

/** Runs a Python snippet with `zstandard` imported as `zstd`; stdin in, stdout out. */
function python(code: string, input: Uint8Array = new Uint8Array(0)): Uint8Array {
  const run = spawnSync(PYTHON, ['-c', `import sys, zstandard as zstd\n${code}`], { input, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
  expect(run.status, String(run.stderr)).toBe(0);
  return new Uint8Array(run.stdout);
}

describe("kombu's zstd", () => {
  it("is what createBackend loads for zstd and zstandard, with kombu's content type", async () => {
    expect(compressor).toBe(zstdCompressor);
    expect(compressor).toMatchObject({ name: 'zstd', aliases: ['zstandard'], contentType: 'application/zstd' });
    for (const compression of ['zstd', 'zstandard']) {
      const backend = await createBackend('memory://', { compression });
      try {
        await backend.storeResult('t', { text: 'x'.repeat(1000) }, states.SUCCESS);
        expect((await backend.getTaskMeta('t')).result).toEqual({ text: 'x'.repeat(1000) });
      } finally {
        await backend.close();
      }
    }
  });

  it.skipIf(needsPython)("kombu's reader (ZstdDecompressor().decompress) reads ours, and we read ZstdCompressor().compress at several levels", () => {
    const back = python('sys.stdout.buffer.write(zstd.ZstdDecompressor().decompress(sys.stdin.buffer.read()))', zstdCompressor.compress(text));
    expect(Buffer.from(back).equals(text)).toBe(true);
    for (const level of [1, 3, 19]) {
      const stored = python(`sys.stdout.buffer.write(zstd.ZstdCompressor(level=${level}).compress(sys.stdin.buffer.read()))`, text);
      expect(Buffer.from(zstdCompressor.decompress(stored)).equals(text)).toBe(true);
    }
  });

  it('every frame written declares its content size, which kombu needs to read it', () => {
    for (const data of [new Uint8Array(0), new Uint8Array([1]), text, new Uint8Array(randomBytes(300_000))]) {
      expect(declaredContentSize(zstdCompressor.compress(data))).toBe(data.length);
    }
  });

  it.skipIf(needsPython)('a frame without a declared content size is refused, as kombu refuses it', () => {
    const streamed = python('sys.stdout.buffer.write(zstd.ZstdCompressor(write_content_size=False).compress(sys.stdin.buffer.read()))', text);
    expect(declaredContentSize(streamed)).toBeNull();
    expect(() => zstdCompressor.decompress(streamed)).toThrow(/does not declare its content size/);
  });

  it('the level is the zstd level; out of range is refused', () => {
    const mixed = new Uint8Array([...text, ...randomBytes(5_000), ...text.map((b) => b ^ 3)]);
    expect(DEFAULT_LEVEL).toBe(3);
    expect(zstdCompressor.compress(mixed, { level: 1 }).length).toBeGreaterThan(zstdCompressor.compress(mixed, { level: 19 }).length);
    expect(createZstdCompressor({ level: 19 }).compress(mixed)).toEqual(zstdCompressor.compress(mixed, { level: 19 }));
    expect(() => zstdCompressor.compress(text, { level: 23 })).toThrow(/1 to 22/);
    expect(() => createZstdCompressor({ level: 0 })).toThrow(/1 to 22/);
  });

  it('garbage, truncated and bit-flipped frames throw, never return other bytes', () => {
    const stored = zstdCompressor.compress(text);
    expect(() => zstdCompressor.decompress(new Uint8Array(0))).toThrow(/not a Zstandard frame/);
    expect(() => zstdCompressor.decompress(stored.subarray(0, 5))).toThrow();
    expect(() => zstdCompressor.decompress(stored.subarray(0, stored.length - 3))).toThrow(/corrupt or truncated/);
    for (let at = 6; at < stored.length; at += 5) {
      const flipped = stored.slice();
      flipped[at]! ^= 0x40;
      let back: Uint8Array | undefined;
      try {
        back = zstdCompressor.decompress(flipped);
      } catch {
        continue;
      }
      // Without a checksum a flipped literal can still decode, but never to a different size.
      expect(back.length).toBe(text.length);
    }
  });

  it.skipIf(needsPython)('a 1 GiB bomb written by Python is refused from its header: nothing is inflated', () => {
    const bomb = python(
      'c = zstd.ZstdCompressor().compressobj(size=1 << 30)\nzeros = bytes(1 << 20)\nout = [c.compress(zeros) for _ in range(1024)]\nsys.stdout.buffer.write(b"".join(out) + c.flush())',
    );
    expect(bomb.length).toBeLessThan(256 * 1024);
    const started = performance.now();
    expect(() => zstdCompressor.decompress(bomb, { maxSize: 16 * 1024 * 1024 })).toThrow(ValueTooLargeError);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('a frame whose header understates its size fails as soon as the output passes it', () => {
    const frame = zstdCompressor.compress(new Uint8Array(64 * 1024 * 1024), { level: 1 });
    // A 4-byte content size, after the window descriptor unless the frame is single-segment,
    // with no dictionary id: make it claim 1000 bytes.
    expect(frame[4]! & 0xc3).toBe(0x80);
    const lying = frame.slice();
    new DataView(lying.buffer).setUint32(frame[4]! & 0x20 ? 5 : 6, 1000, true);
    expect(declaredContentSize(lying)).toBe(1000);
    const started = performance.now();
    expect(() => zstdCompressor.decompress(lying)).toThrow(/corrupt or truncated/);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
