/**
 * Python values that have no exact JavaScript counterpart. Serializers revive them from
 * kombu's JSON envelopes and from pickles, and write them back unchanged, so a value read from
 * a Celery worker survives a round trip through Node. `datetime` maps to `Date` and `bytes` to
 * `Uint8Array`; these four keep their Python meaning.
 */

import { utcFromFields } from './utc-fields.js';

/** `decimal.Decimal`, kept as its exact decimal text. */
export class PyDecimal {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
  toJSON(): string {
    return this.value;
  }
}

/** `uuid.UUID`, kept as 32 lowercase hex digits. */
export class PyUUID {
  readonly hex: string;
  constructor(value: string) {
    const hex = value.replace(/[-{}]|^urn:uuid:/gi, '').toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(hex)) throw new TypeError(`Not a UUID: ${value}`);
    this.hex = hex;
  }
  toString(): string {
    const h = this.hex;
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  toJSON(): string {
    return this.toString();
  }
}

/** `datetime.date`, kept as `YYYY-MM-DD`. */
export class PyDate {
  constructor(readonly iso: string) {}
  toString(): string {
    return this.iso;
  }
  toJSON(): string {
    return this.iso;
  }
}

/** `datetime.time`, kept as Python's `isoformat()` text. */
export class PyTime {
  constructor(readonly iso: string) {}
  toString(): string {
    return this.iso;
  }
  toJSON(): string {
    return this.iso;
  }
}

/**
 * `datetime.datetime` with everything Python keeps and a `Date` cannot: microseconds, and the
 * UTC offset it was written with (or none, for a naive datetime). Readers return it only when
 * asked to be exact (migration does); it is written back unchanged, and as Python's
 * `isoformat()` text where the format has no datetime type (kombu 5.2's JSON).
 */
export class PyDatetime {
  /** Python's `isoformat()`: `YYYY-MM-DDTHH:MM:SS[.ffffff][±HH:MM[:SS[.ffffff]]]`. */
  readonly iso: string;
  /** The UTC offset in seconds, or null for a naive datetime. */
  readonly offsetSeconds: number | null;

  constructor(iso: string, offsetSeconds: number | null) {
    this.iso = iso;
    this.offsetSeconds = offsetSeconds;
  }

  /** The instant (a naive datetime is taken as UTC, as Celery writes them), to the millisecond. */
  toDate(): Date {
    const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?/.exec(this.iso);
    if (!m) return new Date(Number.NaN);
    const ms = Math.floor(Number((m[7] ?? '').padEnd(6, '0')) / 1000);
    const wall = utcFromFields(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!, ms);
    return new Date(wall - (this.offsetSeconds ?? 0) * 1000);
  }

  toString(): string {
    return this.iso;
  }

  toJSON(): string {
    return this.iso;
  }
}

/**
 * A Python `tuple`, where a reader is asked to keep tuples apart from lists (migration is).
 * It is an array, so code that reads arrays reads it; writers that know it write a tuple.
 */
export class PyTuple<T = unknown> extends Array<T> {
  // Arrays derived from a tuple (map, filter, slice) are plain arrays, not tuples.
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  /** A tuple of `items` (`new PyTuple(n)` would make an empty one of length n, as Array does). */
  static override of<T>(...items: T[]): PyTuple<T> {
    const tuple = new PyTuple<T>();
    for (const item of items) tuple.push(item);
    return tuple;
  }
}
