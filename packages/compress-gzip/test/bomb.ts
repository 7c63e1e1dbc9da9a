import { once } from 'node:events';
import type { Transform } from 'node:stream';

/** Compresses `total` zero bytes through a streaming compressor without ever holding them. */
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
