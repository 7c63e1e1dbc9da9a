import { Buffer } from 'node:buffer';

/**
 * A `Buffer` view of bytes, without copying: drivers (ioredis, pg, mysql2) want Buffers, and
 * resultkit's values are `Uint8Array`s end to end.
 */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
