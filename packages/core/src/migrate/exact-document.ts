import { Buffer, isUtf8 } from 'node:buffer';
import type { EntryRef, StoredEntries, StoredEntry } from '../adapter/stored-entries.js';
import type { Codec } from '../codec/codec.js';
import { parseJson } from '../codec/json/json-reader.js';
import { decodeKombuEnvelope } from '../codec/json/kombu-types.js';
import { describeValue } from '../describe-value.js';
import { ContentDisallowedError, DecodeError, ResultkitError } from '../errors.js';
import { PyDatetime } from '../python-values.js';
import { RemoteTaskError } from '../remote-task-error.js';
import { EXCEPTION_STATES } from '../states.js';

/**
 * A stored entry as its Celery document, read exactly: what Python would hold after reading
 * it, as far as JavaScript can say it. Tuples stay `PyTuple`, integral floats `PyFloat`,
 * datetimes `PyDatetime` (with microseconds and offset), so that writing the document into
 * another store, or comparing two of them, loses nothing unnoticed.
 *
 * `document` stores (Redis, files, memory) are decoded here with the backend's codec: JSON with
 * integral floats kept, and serializers that offer a `decodeExact` (pickle) through it. `row`
 * stores (SQL) decode their own columns (`StoredEntries.decodeEntry`).
 */
export function decodeEntryExactly(entries: StoredEntries, codec: Codec, entry: StoredEntry): Record<string, unknown> {
  if (entries.layout === 'row') return entries.decodeEntry!(entry);
  if (!entry.bytes) throw new DecodeError(`The stored ${entry.kind} ${entry.id} has no bytes.`);
  const document = decodeBytesExactly(codec, entry.bytes);
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new DecodeError(`The stored ${entry.kind} ${entry.id} is ${describeValue(document)}, not a document.`);
  }
  const record = document as Record<string, unknown>;
  // A pickled exception object (Celery with the pickle serializer stores the exception itself)
  // is read as Celery's exception dict, which every store holds and Python turns back into the
  // same class with the same arguments.
  if (record.result instanceof RemoteTaskError && EXCEPTION_STATES.has(String(record.status))) {
    const error = record.result;
    record.result = { exc_type: error.excType, exc_message: [...error.excArgs], exc_module: error.excModule };
  }
  return record;
}

/** The entry a store of `entries`' layout keeps for a Celery document (the inverse of `decodeEntryExactly`). */
export function encodeEntryExactly(entries: StoredEntries, codec: Codec, ref: EntryRef, document: Record<string, unknown>): StoredEntry {
  if (entries.layout === 'row') return entries.encodeEntry!(ref, document);
  return { kind: ref.kind, id: ref.id, bytes: codec.encode(document) };
}

interface ExactSerializer {
  decodeExact?: (data: Uint8Array) => unknown;
}

/**
 * A value the codec wrote, read exactly (integral floats as `PyFloat`, pickled tuples and
 * datetimes as `PyTuple`, `PyDatetime`): for stores that keep encoded values in a column of
 * their own, such as the `args` and `kwargs` of a SQL row.
 */
export function decodeBytesExactly(codec: Codec, bytes: Uint8Array): unknown {
  // Stored results record no serializer (nor does Celery's compressed envelope): the codec's own is used.
  const type = codec.contentType.toLowerCase();
  const serializer = codec.registry.findSerializer(type) as (ExactSerializer & { contentType: string }) | undefined;
  if (type !== 'application/json' && !serializer?.decodeExact) return codec.decode(bytes);
  // What the codec would refuse is refused here too.
  if (!codec.accept.includes(type)) throw new ContentDisallowedError(type, codec.accept);
  const payload = codec.payloadOf(bytes);
  try {
    return type === 'application/json' ? parseJsonExactly(payload) : serializer!.decodeExact!(payload);
  } catch (error) {
    if (error instanceof ResultkitError) throw error;
    throw new DecodeError(`A stored value could not be read: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

function parseJsonExactly(bytes: Uint8Array): unknown {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isUtf8(buffer)) throw new DecodeError('The stored JSON is not valid UTF-8; nothing was decoded.');
  const text = buffer.toString('utf8');
  const value = parseJson(text, { preserveFloats: true });
  return text.includes('"__type__"') ? reviveExactly(value) : value;
}

// kombu 5.3 envelopes as the codec revives them, except datetimes, which keep their text.
function reviveExactly(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = reviveExactly(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  if (record.__type__ === 'datetime' && typeof record.__value__ === 'string' && Object.keys(record).length === 2) {
    return pyDatetimeFromIso(record.__value__);
  }
  const revived = decodeKombuEnvelope(record);
  if (revived !== undefined) return revived;
  for (const key of Object.keys(record)) record[key] = reviveExactly(record[key]);
  return record;
}

/** A `PyDatetime` for Python `isoformat()` text (`Z` read as `+00:00`). */
export function pyDatetimeFromIso(text: string): PyDatetime {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)(Z|[+-]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?$/.exec(text);
  if (!m) return new PyDatetime(text, null);
  let time = m[2]!;
  if (time.length === 5) time += ':00';
  const frac = /\.(\d+)$/.exec(time);
  if (frac) time = time.replace(/\.\d+$/, Number(frac[1]!.padEnd(6, '0')) ? `.${frac[1]!.padEnd(6, '0')}` : '');
  const iso = `${m[1]}T${time}`;
  const zone = m[3];
  if (!zone) return new PyDatetime(iso, null);
  if (zone === 'Z') return new PyDatetime(`${iso}+00:00`, 0);
  const [h, mi, s = '0'] = zone.slice(1).split(':');
  const seconds = (zone[0] === '-' ? -1 : 1) * (Number(h) * 3600 + Number(mi) * 60 + Number(s));
  return new PyDatetime(iso + zone, seconds);
}
