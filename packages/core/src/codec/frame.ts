import { ConfigurationError, DecodeError } from '../errors.js';

/**
 * Celery's envelope for a compressed result (celery/celery#10504, `compress_payload` in
 * `celery/backends/base.py`). A stored result has no header to say how it was compressed, so
 * the compression content type travels in front of the body:
 *
 *   b'\x00celery-compressed\x00' + content type (UTF-8) + b'\x00' + compressed body
 *
 * The serializer is not recorded: as for any stored result, the reader decodes with its own
 * configured serializer. No serializer's output starts with a NUL byte (JSON and YAML are text,
 * pickle starts with its PROTO opcode 0x80, a msgpack map with 0x80-0x8f/0xde/0xdf), so a plain
 * document is never taken for a compressed one.
 */
export const COMPRESSED_PAYLOAD_MAGIC: Uint8Array = new TextEncoder().encode('\0celery-compressed\0');

export interface CompressedPayload {
  /** The compressor's content type, e.g. `application/x-gzip`. */
  compression: string;
  /** The compressed bytes. */
  body: Uint8Array;
}

/** Whether stored bytes are a compressed payload rather than a bare serializer document. */
export function isCompressedPayload(data: Uint8Array): boolean {
  if (data.length < COMPRESSED_PAYLOAD_MAGIC.length) return false;
  for (let i = 0; i < COMPRESSED_PAYLOAD_MAGIC.length; i++) {
    if (data[i] !== COMPRESSED_PAYLOAD_MAGIC[i]) return false;
  }
  return true;
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function writeCompressedPayload(compression: string, body: Uint8Array): Uint8Array {
  const type = utf8.encode(compression);
  if (type.includes(0)) throw new ConfigurationError(`The compression content type ${JSON.stringify(compression)} contains a NUL byte, which ends it in Celery's envelope.`);
  const out = new Uint8Array(COMPRESSED_PAYLOAD_MAGIC.length + type.length + 1 + body.length);
  out.set(COMPRESSED_PAYLOAD_MAGIC, 0);
  out.set(type, COMPRESSED_PAYLOAD_MAGIC.length);
  // out[magic + type] stays 0: the terminator of the content type.
  out.set(body, COMPRESSED_PAYLOAD_MAGIC.length + type.length + 1);
  return out;
}

/** Splits a compressed payload (check `isCompressedPayload` first) at its first NUL after the marker. */
export function readCompressedPayload(data: Uint8Array): CompressedPayload {
  const start = COMPRESSED_PAYLOAD_MAGIC.length;
  const end = data.indexOf(0, start);
  // Python's partition() would hand kombu an unknown content type and an empty body, which
  // fails there too; here it is said for what it is.
  if (end < 0) throw new DecodeError('The compressed value is truncated: its compression content type has no terminator.');
  let compression: string;
  try {
    compression = strictUtf8.decode(data.subarray(start, end));
  } catch (error) {
    throw new DecodeError('The compressed value names its compression in bytes that are not UTF-8.', { cause: error });
  }
  return { compression, body: data.subarray(end + 1) };
}
