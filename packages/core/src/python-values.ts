/**
 * Python values that have no exact JavaScript counterpart. Serializers revive them from
 * kombu's JSON envelopes and from pickles, and write them back unchanged, so a value read from
 * a Celery worker survives a round trip through Node. `datetime` maps to `Date` and `bytes` to
 * `Uint8Array`; these four keep their Python meaning.
 */

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
