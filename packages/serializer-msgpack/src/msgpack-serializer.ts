import type { Serializer } from '@resultkit/core';
import { readKombuMsgpack } from './msgpack-reader.js';
import { PythonPacker } from './python-packer.js';

/**
 * kombu's `msgpack` serializer (`application/x-msgpack`, binary): `packb(obj, use_bin_type=True)`
 * to write and `unpackb(raw=False)` to read, so `str` and `bytes` stay apart (a JavaScript
 * string is a msgpack str, a `Uint8Array` a msgpack bin, and back). What Python's msgpack
 * cannot write (datetimes, Decimals, UUIDs, integers beyond 64 bits, lone surrogates) is an
 * `EncodeError`; what kombu would not read as plain data (ext types, non-str map keys, invalid
 * UTF-8, truncated or trailing bytes) is a `DecodeError`.
 */
export function createMsgpackSerializer(): Serializer {
  const packer = new PythonPacker();
  return {
    name: 'msgpack',
    contentType: 'application/x-msgpack',
    contentEncoding: 'binary',
    encode: (value, options) => packer.pack(value, options),
    decode: (data) => readKombuMsgpack(data),
  };
}

/** The msgpack serializer; `createBackend` registers it for `serializer: 'msgpack'`. */
export const msgpack: Serializer = createMsgpackSerializer();
