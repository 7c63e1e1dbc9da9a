/**
 * CBOR (RFC 8949) as a resultkit serializer. cborg carries bytes and integers up to 64 bits; it has
 * no type for a Python datetime in this example, and its text is UTF-8, which cannot hold a
 * lone surrogate: both are refused rather than written as something else.
 */
import { EncodeError, ValueTooLargeError, type Serializer } from '@resultkit/core';
import { decode, encode } from 'cborg';

// A lone surrogate would be written as U+FFFD by any UTF-8 encoder and read back changed.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function refuseUncarried(value: unknown, depth = 0): void {
  if (depth > 200) throw new EncodeError('The value is nested more than 200 levels deep.');
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) throw new EncodeError('CBOR text is UTF-8 and cannot carry a lone surrogate.');
  } else if (value instanceof Date) {
    throw new EncodeError('This CBOR serializer does not carry dates; store an ISO string instead.');
  } else if (Array.isArray(value)) {
    for (const item of value) refuseUncarried(item, depth + 1);
  } else if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    for (const [key, item] of Object.entries(value)) {
      refuseUncarried(key, depth + 1);
      refuseUncarried(item, depth + 1);
    }
  }
}

export const cbor: Serializer = {
  name: 'cbor',
  contentType: 'application/cbor',
  contentEncoding: 'binary',
  encode(value, options): Uint8Array {
    refuseUncarried(value);
    const bytes = encode(value);
    if (options?.maxSize !== undefined && bytes.length > options.maxSize) throw new ValueTooLargeError(bytes.length, options.maxSize);
    return bytes;
  },
  decode(data: Uint8Array): unknown {
    // cborg throws its own errors on malformed input; core's Codec turns them into DecodeError.
    return decode(data, { useMaps: false });
  },
};
