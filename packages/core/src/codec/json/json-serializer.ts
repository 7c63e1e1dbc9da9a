/**
 * kombu's `json` serializer, the Celery default: what Redis values, RPC bodies and
 * extended-result columns hold unless `result_serializer` says otherwise.
 */
import { Buffer, isUtf8 } from 'node:buffer';
import { DecodeError } from '../../errors.js';
import type { Serializer } from '../serializer.js';
import { parseJson } from './json-reader.js';
import { reviveKombuTypes, type KombuDialect } from './kombu-types.js';
import { encodePythonJson } from './python-json-writer.js';

export interface JsonSerializerOptions {
  /**
   * The kombu version of the Python side that reads what this writes. Default `'kombu5.2'`:
   * Debian 12 ships Celery 5.2, and a kombu 5.3+ reader only loses types with it (datetimes,
   * UUIDs and Decimals arrive as strings), while a 5.2 reader would get 5.3's envelopes as
   * `{"__type__": ..., "__value__": ...}` dicts. Reading always accepts both.
   */
  dialect?: KombuDialect;
  /** Decode integral floats (`3.0`) as `PyFloat` so they are written back as floats. Slower. */
  preserveFloats?: boolean;
}

/** A JSON serializer writing the given kombu dialect. */
export function createJsonSerializer(options: JsonSerializerOptions = {}): Serializer {
  const dialect = options.dialect ?? 'kombu5.2';
  const readOptions = { preserveFloats: options.preserveFloats ?? false };
  return {
    name: 'json',
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    encode(value, options): Uint8Array {
      // A literal, not `{ ...writeOptions, maxSize }`: in Node 20 a spread followed by another
      // property takes V8's slow path, about 0.8 µs per call, half the time of a small document.
      return encodePythonJson(value, { dialect, maxSize: options?.maxSize });
    },
    decode(data: Uint8Array): unknown {
      const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      // toString would replace each invalid sequence with U+FFFD and the value would change
      // silently; Python's json refuses such bytes. isUtf8 is native and far faster than parsing.
      if (!isUtf8(bytes)) {
        throw new DecodeError('The stored JSON is not valid UTF-8; nothing was decoded (a reader must not guess what it said).');
      }
      const text = bytes.toString('utf8');
      const value = parseJson(text, readOptions);
      // Envelopes can only be there if their key is; most documents skip the walk entirely.
      // (A key spelled with escapes, `"\u005f_type__"`, is missed: Python never writes one.)
      return text.includes('"__type__"') ? reviveKombuTypes(value) : value;
    },
  };
}

/** The JSON serializer with the default options: writes kombu 5.2's dialect, reads both. */
export const json: Serializer = createJsonSerializer();
