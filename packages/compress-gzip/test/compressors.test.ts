import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createDeflate, createGzip, deflateSync, gzipSync, inflateSync } from 'node:zlib';
import { Codec, CodecRegistry, createJsonSerializer, DecodeError, ValueTooLargeError } from '@resultkit/core';
import { zeroBomb } from '@resultkit/test-suite';
import { describe, expect, it } from 'vitest';
import { compressor, createZlibCompressor, gzipFileCompressor, zlibCompressor } from '../src/index.js';

const text = new TextEncoder().encode('a result worth compressing, '.repeat(2000));
const PYTHON = process.env.CELERY_PYTHON ?? '/usr/bin/python3';

describe("kombu's gzip (a zlib stream)", () => {
  it('is what createBackend loads for gzip, with kombu\'s names and content type', () => {
    expect(compressor).toBe(zlibCompressor);
    expect(compressor).toMatchObject({ name: 'gzip', aliases: ['zlib'], contentType: 'application/x-gzip' });
  });

  it("writes the zlib stream Python's zlib.decompress reads, and reads Python's zlib.compress at every level", () => {
    const ours = zlibCompressor.compress(text);
    expect(inflateSync(ours)).toEqual(Buffer.from(text));
    for (const level of [0, 1, 6, 9]) {
      const python = spawnSync(PYTHON, ['-c', `import sys, zlib; sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read(), ${level}))`], { input: text });
      expect(python.status, String(python.stderr)).toBe(0);
      expect(new Uint8Array(zlibCompressor.decompress(new Uint8Array(python.stdout)))).toEqual(text);
    }
    const back = spawnSync(PYTHON, ['-c', 'import sys, zlib; sys.stdout.buffer.write(zlib.decompress(sys.stdin.buffer.read()))'], { input: ours });
    expect(back.status, String(back.stderr)).toBe(0);
    expect(new Uint8Array(back.stdout)).toEqual(text);
  });

  it('the level trades time for size, and a level out of range is refused', () => {
    const mixed = new Uint8Array([...text, ...randomBytes(20_000)]);
    expect(zlibCompressor.compress(mixed, { level: 0 }).length).toBeGreaterThan(zlibCompressor.compress(mixed, { level: 9 }).length);
    expect(createZlibCompressor({ level: 0 }).compress(mixed).length).toBeGreaterThan(createZlibCompressor({ level: 9 }).compress(mixed).length);
    expect(() => zlibCompressor.compress(text, { level: 10 })).toThrow(/0 to 9/);
  });

  it('a flipped bit is an error, caught by the Adler-32 trailer if not by the stream itself', () => {
    const stored = zlibCompressor.compress(text);
    const trailer = stored.slice();
    trailer[trailer.length - 1]! ^= 1;
    expect(() => zlibCompressor.decompress(trailer)).toThrow(/check/);
    for (let at = 2; at < stored.length; at += 7) {
      const corrupt = stored.slice();
      corrupt[at]! ^= 0x10;
      expect(() => zlibCompressor.decompress(corrupt)).toThrow();
    }
    expect(() => zlibCompressor.decompress(stored.subarray(0, stored.length - 5))).toThrow();
    expect(() => zlibCompressor.decompress(new Uint8Array([1, 2, 3, 4, 5, 6, 7]))).toThrow();
  });

  it('a 1 GiB bomb stops at the limit: fast, and never inflated to the end', async () => {
    const bomb = await zeroBomb(createDeflate({ level: 9 }), 1024 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    const before = process.memoryUsage().rss;
    const started = performance.now();
    expect(() => zlibCompressor.decompress(bomb, { maxSize: 16 * 1024 * 1024 })).toThrow(ValueTooLargeError);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
    const codec = new Codec({ registry: new CodecRegistry({ serializers: [createJsonSerializer()], compressors: [zlibCompressor] }), serializer: 'json', accept: ['json'], maxSize: 16 * 1024 * 1024 });
    const envelope = new Uint8Array([...new TextEncoder().encode('\0celery-compressed\0application/x-gzip\0'), ...bomb]);
    expect(() => codec.decode(envelope)).toThrow(DecodeError);
  });
});

describe('real gzip framing', () => {
  it('has its own name and content type, and reads what gzip writes', () => {
    expect(gzipFileCompressor).toMatchObject({ name: 'gzip-file', contentType: 'application/gzip' });
    expect(new Uint8Array(gzipFileCompressor.decompress(gzipSync(text)))).toEqual(text);
    expect(new Uint8Array(gzipFileCompressor.decompress(gzipFileCompressor.compress(text, { level: 9 })))).toEqual(text);
    // Not a zlib stream: kombu's gzip cannot read it, and the other way round.
    expect(() => zlibCompressor.decompress(gzipFileCompressor.compress(text))).toThrow();
    expect(() => gzipFileCompressor.decompress(deflateSync(text))).toThrow();
  });

  it('a bad CRC is an error, and a 256 MiB bomb stops at the limit', async () => {
    const stored = gzipFileCompressor.compress(text);
    stored[stored.length - 6]! ^= 1;
    expect(() => gzipFileCompressor.decompress(stored)).toThrow();
    const bomb = await zeroBomb(createGzip({ level: 9 }), 256 * 1024 * 1024);
    const started = performance.now();
    expect(() => gzipFileCompressor.decompress(bomb, { maxSize: 16 * 1024 * 1024 })).toThrow(ValueTooLargeError);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
