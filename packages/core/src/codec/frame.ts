import { DecodeError } from '../errors.js';

/**
 * The envelope of a compressed value. Celery stores bare serializer output, so a value that
 * starts with these bytes cannot be anything Celery wrote: every serializer's document starts
 * with a map or dict marker (`{`, 0x80-0x8f/0xde/0xdf for msgpack, 0x80 for pickle, a letter
 * for YAML), never with a NUL byte. That is what lets a reader configured with or without
 * compression read both kinds of value.
 *
 *   0x00 'r' 'k' 0x01 | u8 n | serializer content type (n bytes) | u8 m | compression content type (m bytes) | payload
 */
const MAGIC = [0x00, 0x72, 0x6b, 0x01] as const;

export interface Frame {
  /** The serializer's content type of the payload once decompressed. */
  contentType: string;
  /** The compressor's content type. */
  compression: string;
  payload: Uint8Array;
}

export function isFramed(data: Uint8Array): boolean {
  return (
    data.length >= MAGIC.length &&
    data[0] === MAGIC[0] &&
    data[1] === MAGIC[1] &&
    data[2] === MAGIC[2] &&
    data[3] === MAGIC[3]
  );
}

const ascii = new TextEncoder();
const asciiDecoder = new TextDecoder('latin1');

export function writeFrame(contentType: string, compression: string, payload: Uint8Array): Uint8Array {
  const ct = ascii.encode(contentType);
  const cz = ascii.encode(compression);
  if (ct.length > 255 || cz.length > 255) throw new RangeError('content type too long for a frame');
  const out = new Uint8Array(MAGIC.length + 2 + ct.length + cz.length + payload.length);
  out.set(MAGIC, 0);
  let at = MAGIC.length;
  out[at++] = ct.length;
  out.set(ct, at);
  at += ct.length;
  out[at++] = cz.length;
  out.set(cz, at);
  at += cz.length;
  out.set(payload, at);
  return out;
}

export function readFrame(data: Uint8Array): Frame {
  let at = MAGIC.length;
  const ctLength = data[at++];
  if (ctLength === undefined || at + ctLength >= data.length) throw new DecodeError('Truncated compression frame.');
  const contentType = asciiDecoder.decode(data.subarray(at, at + ctLength));
  at += ctLength;
  const czLength = data[at++];
  if (czLength === undefined || at + czLength > data.length) throw new DecodeError('Truncated compression frame.');
  const compression = asciiDecoder.decode(data.subarray(at, at + czLength));
  at += czLength;
  return { contentType, compression, payload: data.subarray(at) };
}
