/**
 * Reads what kombu's msgpack serializer stores (`msgpack.unpackb(raw=False)`) with msgpackr,
 * after `checkKombuMsgpack` has made sure the bytes are plain data Python would read the same
 * way. msgpackr runs with everything of its own switched off (records, structured clone, extra
 * types), so it reads standard msgpack only.
 */
import { DecodeError } from '@resultkit/core';
import { Unpackr, type Options } from 'msgpackr';
import { checkKombuMsgpack } from './kombu-check.js';

const PLAIN: Options = {
  useRecords: false,
  structuredClone: false,
  moreTypes: false,
  bundleStrings: false,
  sequential: false,
  // A copy, never a view into the input: the caller may reuse its buffer.
  copyBuffers: true,
};

// int64 values that fit a double exactly are numbers, the others bigints ('auto' is missing
// from msgpackr's typings but documented and implemented).
const INT64 = { int64AsType: 'auto' } as unknown as Options;

const asObjects = new Unpackr({ ...PLAIN, ...INT64, mapsAsObjects: true });
// msgpackr renames a "__proto__" key (to keep it from setting the prototype); Python keeps it.
// Such a document is read with maps as Map and turned into objects below.
const asMaps = new Unpackr({ ...PLAIN, ...INT64, mapsAsObjects: false });

/** The value in `data`, or a `DecodeError` when kombu would not read it as the same plain data. */
export function readKombuMsgpack(data: Uint8Array): unknown {
  const { protoKey } = checkKombuMsgpack(data);
  // A plain Uint8Array view, so that bin values come back as Uint8Array even from a Buffer.
  const bytes = data.constructor === Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  try {
    return protoKey ? mapsToObjects(asMaps.unpack(bytes)) : asObjects.unpack(bytes);
  } catch (error) {
    // Not expected after the check; kept so that nothing but a DecodeError leaves a read.
    throw new DecodeError(`The msgpack value could not be read: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

function mapsToObjects(value: unknown): unknown {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = mapsToObjects(value[i]);
    return value;
  }
  if (!(value instanceof Map)) return value;
  const record: Record<string, unknown> = {};
  for (const [key, item] of value as Map<string, unknown>) {
    // defineProperty: assigning "__proto__" would set the prototype instead of a key.
    Object.defineProperty(record, key, { value: mapsToObjects(item), enumerable: true, writable: true, configurable: true });
  }
  return record;
}
