import { once } from 'node:events';
import type { Transform } from 'node:stream';

/**
 * A decompression bomb: `total` zero bytes through a streaming compressor (`createDeflate()`,
 * `createBrotliCompress()`, ...), never held in memory, so a compressor's own tests can check
 * that gigabytes are refused as quickly and cheaply as the codec suite's 64 MiB.
 */
export async function zeroBomb(compressor: Transform, total: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  compressor.on('data', (chunk: Buffer) => chunks.push(chunk));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let written = 0; written < total; written += zeros.length) {
    if (!compressor.write(zeros)) await once(compressor, 'drain');
  }
  compressor.end();
  await once(compressor, 'end');
  return new Uint8Array(Buffer.concat(chunks));
}
