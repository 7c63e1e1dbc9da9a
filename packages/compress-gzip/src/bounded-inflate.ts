import { ValueTooLargeError } from '@resultkit/core';
import { Inflate, inflateSync } from 'fflate';

// DEFLATE cannot expand by more than about 1032:1 (a 258-byte match costs at least 2 bits), so
// input this much smaller than the limit can be inflated in one call without any risk.
const MAX_DEFLATE_RATIO = 1032;
// Input fed per step when the output has to be watched: at most about 16 MiB comes out of it.
const STEP = 16 * 1024;

/**
 * Inflates a raw DEFLATE stream, stopping with `ValueTooLargeError` as soon as the output
 * passes `maxSize`: a bomb is never inflated to the end.
 */
export function inflateBounded(body: Uint8Array, maxSize: number): Uint8Array {
  if (body.length * MAX_DEFLATE_RATIO + 1024 <= maxSize) return inflateSync(body);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const stream = new Inflate((chunk) => {
    size += chunk.length;
    if (size > maxSize) throw new ValueTooLargeError(size, maxSize);
    chunks.push(chunk);
  });
  for (let at = 0; at < body.length; at += STEP) {
    stream.push(body.subarray(at, at + STEP), at + STEP >= body.length);
  }
  if (body.length === 0) stream.push(body, true);
  return concat(chunks, size);
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
