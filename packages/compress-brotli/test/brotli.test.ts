import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { brotliCompressSync, constants, createBrotliCompress } from 'node:zlib';
import { ValueTooLargeError } from '@resultkit/core';
import { zeroBomb } from '@resultkit/test-suite';
import { describe, expect, it } from 'vitest';
import { brotliCompressor, compressor, createBrotliCompressor, DEFAULT_QUALITY } from '../src/index.js';

const text = new TextEncoder().encode('a result worth compressing, '.repeat(2000));
const PYTHON = process.env.CELERY_PYTHON ?? '/usr/bin/python3';
const pythonHasBrotli = spawnSync(PYTHON, ['-c', 'import brotli']).status === 0;

describe("kombu's brotli", () => {
  it("is what createBackend loads for brotli, with kombu's name and content type", () => {
    expect(compressor).toBe(brotliCompressor);
    expect(compressor).toMatchObject({ name: 'brotli', contentType: 'application/x-brotli' });
  });

  it.skipIf(!pythonHasBrotli && !process.env.CI)("Python's brotli reads ours and we read Python's (its default quality 11)", () => {
    const back = spawnSync(PYTHON, ['-c', 'import sys, brotli; sys.stdout.buffer.write(brotli.decompress(sys.stdin.buffer.read()))'], { input: brotliCompressor.compress(text) });
    expect(back.status, String(back.stderr)).toBe(0);
    expect(Buffer.from(back.stdout).equals(text)).toBe(true);
    const python = spawnSync(PYTHON, ['-c', 'import sys, brotli; sys.stdout.buffer.write(brotli.compress(sys.stdin.buffer.read()))'], { input: text });
    expect(python.status, String(python.stderr)).toBe(0);
    expect(Buffer.from(brotliCompressor.decompress(new Uint8Array(python.stdout))).equals(text)).toBe(true);
  });

  it('the level is the brotli quality; out of range is refused', () => {
    const mixed = new Uint8Array([...text, ...randomBytes(5_000)]);
    expect(DEFAULT_QUALITY).toBe(5);
    expect(brotliCompressor.compress(mixed, { level: 0 }).length).toBeGreaterThan(brotliCompressor.compress(mixed, { level: 11 }).length);
    const raw = brotliCompressSync(mixed, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: mixed.length } });
    expect(raw.equals(createBrotliCompressor({ level: 11 }).compress(mixed))).toBe(true);
    expect(() => brotliCompressor.compress(text, { level: 12 })).toThrow(/0 to 11/);
  });

  it('a 1 GiB bomb stops at the limit: fast, and never inflated to the end', async () => {
    const bomb = await zeroBomb(createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 1 } }), 1024 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(4 * 1024 * 1024);
    const before = process.memoryUsage().rss;
    const started = performance.now();
    expect(() => brotliCompressor.decompress(bomb, { maxSize: 16 * 1024 * 1024 })).toThrow(ValueTooLargeError);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
  });
});
