/**
 * The Python types kombu's JSON encoder writes specially: datetimes, dates, times, Decimals,
 * UUIDs and bytes. kombu 5.2 flattens them to plain strings (and cannot write bytes); kombu 5.3
 * and later wrap them in `{"__type__": ..., "__value__": ...}` envelopes, and its reader turns
 * those back into Python objects but fails on a 5.2 string it expected as an envelope's type
 * (celery/kombu#1821). A writer therefore has to pick the dialect its readers speak; a reader
 * can accept both, because 5.2 strings are just strings.
 */
import { Buffer, isUtf8 } from 'node:buffer';
import { parseDateDone, formatDateDone } from '../../date-done.js';
import { PyDate, PyDecimal, PyTime, PyUUID } from '../../python-values.js';

/**
 * Which kombu's JSON readers must understand what is written: `'kombu5.2'` (Celery 5.2, as in
 * Debian 12) or `'kombu5.3'` (kombu 5.3 and later, Celery 5.3+).
 */
export type KombuDialect = 'kombu5.2' | 'kombu5.3';

/** A kombu 5.3+ envelope: the only shape its reader converts. */
export interface KombuEnvelope {
  __type__: string;
  __value__: unknown;
}

const envelope = (type: string, value: unknown): KombuEnvelope => ({ __type__: type, __value__: value });

// Python's datetime covers years 1 to 9999; `Date` goes far beyond (and formatDateDone with it).
const MIN_PYTHON_DATETIME = Date.parse('0001-01-01T00:00:00.000Z');
const MAX_PYTHON_DATETIME = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * What kombu would write for `value` if it is one of the special types (`Date`, `Uint8Array`,
 * `PyDecimal`, `PyUUID`, `PyDate`, `PyTime`): a string for kombu 5.2, an envelope for 5.3+.
 * Returns `undefined` for any other object. A `Date` is an aware UTC datetime, written with
 * exactly six fractional digits, which every Celery version parses correctly.
 */
export function encodeKombuType(value: object, dialect: KombuDialect): string | KombuEnvelope | undefined {
  const modern = dialect === 'kombu5.3';
  if (value instanceof Date) {
    const time = value.getTime();
    if (!(time >= MIN_PYTHON_DATETIME && time <= MAX_PYTHON_DATETIME)) {
      throw new RangeError(`Cannot write ${String(value)} as a Python datetime (years 1 to 9999 only)`);
    }
    const text = formatDateDone(value); // ...SS.ffffff+00:00
    // kombu 5.2 replaces a `+00:00` suffix with `Z`; its reader expects exactly that.
    return modern ? envelope('datetime', text) : `${text.slice(0, -6)}Z`;
  }
  if (value instanceof Uint8Array) {
    if (!modern) {
      throw new TypeError(
        "kombu 5.2 cannot encode bytes (Uint8Array): use the 'kombu5.3' dialect if every reader runs " +
          'kombu 5.3 or later, or store the bytes as a base64 string',
      );
    }
    const buffer = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    return kombuBytesType(buffer) === 'bytes' ? envelope('bytes', buffer.toString('utf8')) : envelope('base64', buffer.toString('base64'));
  }
  if (value instanceof PyDecimal) return modern ? envelope('decimal', value.value) : value.value;
  if (value instanceof PyUUID) return modern ? envelope('uuid', { hex: value.hex }) : value.toString();
  // kombu 5.2 turns a date into a midnight datetime before writing it.
  if (value instanceof PyDate) return modern ? envelope('date', value.iso) : `${value.iso}T00:00:00`;
  if (value instanceof PyTime) return modern ? envelope('time', value.iso) : value.iso;
  return undefined;
}

/** kombu's envelope type for bytes: text when they decode as (strict) UTF-8, base64 otherwise. */
export function kombuBytesType(bytes: Uint8Array): 'bytes' | 'base64' {
  return isUtf8(bytes) ? 'bytes' : 'base64';
}

type Decoder = (value: unknown) => unknown;

/** A decoder for envelopes whose value must be a string. */
const fromString =
  (decode: (text: string) => unknown): Decoder =>
  (value) =>
    typeof value === 'string' ? decode(value) : undefined;

// Each returns undefined when the value does not have the shape kombu writes: such an
// envelope is left as it is rather than failing the whole read. A Map, not an object literal,
// so that `"__type__": "constructor"` finds nothing.
const DECODERS = new Map<string, Decoder>([
  ['datetime', fromString((text) => attempt(() => parseDateDone(text)))],
  // kombu reads a date with `datetime.fromisoformat(value).date()`, so a datetime is accepted too.
  ['date', fromString((text) => (/^\d{4}-\d{2}-\d{2}/.test(text) ? new PyDate(text.slice(0, 10)) : undefined))],
  ['time', fromString((text) => new PyTime(text))],
  ['decimal', fromString((text) => new PyDecimal(text))],
  ['uuid', decodeUuid],
  ['bytes', fromString((text) => copyBytes(Buffer.from(text, 'utf8')))],
  ['base64', fromString((text) => copyBytes(Buffer.from(text, 'base64')))],
]);

/** `{"hex": ...}` as kombu writes it (5.3.0 added `"version"`, which the hex implies), or a string. */
function decodeUuid(value: unknown): PyUUID | undefined {
  const hex = typeof value === 'object' && value !== null ? (value as { hex?: unknown }).hex : value;
  return typeof hex === 'string' ? attempt(() => new PyUUID(hex)) : undefined;
}

/**
 * The value a kombu 5.3+ envelope stands for: `Date`, `PyDate`, `PyTime`, `PyDecimal`,
 * `PyUUID` or `Uint8Array`. `undefined` when `object` is not an envelope (its keys must be
 * exactly `__type__` and `__value__`), its type is unknown, or its value is malformed.
 */
export function decodeKombuEnvelope(object: object): unknown {
  const type = (object as Partial<KombuEnvelope>).__type__;
  if (typeof type !== 'string' || !Object.hasOwn(object, '__type__') || !Object.hasOwn(object, '__value__')) {
    return undefined;
  }
  if (Object.keys(object).length !== 2) return undefined;
  return DECODERS.get(type)?.((object as KombuEnvelope).__value__);
}

/**
 * Replaces, in place, every kombu 5.3+ envelope inside a freshly parsed JSON value with the
 * value it stands for, and returns the result (a different value only when `value` itself is an
 * envelope). Unknown or malformed envelopes stay plain objects. Walks with an explicit stack,
 * so any depth `parseJson` accepts is fine.
 */
export function reviveKombuTypes(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const revived = decodeKombuEnvelope(value);
  if (revived !== undefined) return revived;
  const pending: object[] = [value];
  for (let container = pending.pop(); container !== undefined; container = pending.pop()) {
    if (Array.isArray(container)) {
      for (let i = 0; i < container.length; i++) {
        const child: unknown = container[i];
        if (typeof child !== 'object' || child === null) continue;
        const replacement = decodeKombuEnvelope(child);
        if (replacement === undefined) pending.push(child);
        else container[i] = replacement;
      }
    } else {
      const record = container as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const child = record[key];
        if (typeof child !== 'object' || child === null) continue;
        const replacement = decodeKombuEnvelope(child);
        if (replacement === undefined) pending.push(child);
        else record[key] = replacement;
      }
    }
  }
  return value;
}

function attempt<T>(decode: () => T): T | undefined {
  try {
    return decode();
  } catch {
    return undefined;
  }
}

/** A plain `Uint8Array` that owns its memory (a small Buffer is a view into a shared pool). */
function copyBytes(buffer: Buffer): Uint8Array {
  const bytes = new Uint8Array(buffer.length);
  bytes.set(buffer);
  return bytes;
}
