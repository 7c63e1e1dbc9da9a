import fc from 'fast-check';

/**
 * One edit of a valid encoding. Random bytes rarely get past a decoder's first check; an
 * encoding with one bit flipped, cut short, or with a piece of another encoding spliced in
 * reaches the code that reads lengths, nesting, envelopes and field types.
 */
export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'duplicate'; at: number; count: number }
  | { kind: 'splice'; from: number; at: number; count: number };

// Bytes that mean something to some decoder: JSON and YAML punctuation, NUL (the compression
// envelope's separator), msgpack and pickle length markers, and the extremes.
const MEANINGFUL_BYTES = [0x00, 0x01, 0x22, 0x26, 0x2a, 0x2c, 0x3a, 0x5b, 0x5d, 0x7b, 0x7d, 0x21, 0x0a, 0x7f, 0x80, 0xc1, 0xdc, 0xdd, 0xde, 0xdf, 0xff];

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.oneof(fc.constantFrom(...MEANINGFUL_BYTES), fc.integer({ min: 0, max: 255 })) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 32 }) }),
  fc.record({ kind: fc.constant('splice' as const), from: fc.nat(), at: fc.nat(), count: fc.integer({ min: 1, max: 48 }) }),
);

/**
 * Applies `mutations` to a copy of `original`, in order. `donor` is another valid encoding,
 * the source of spliced pieces. The result is capped at `maxLength` bytes.
 */
export function mutate(original: Uint8Array, mutations: readonly Mutation[], donor: Uint8Array, maxLength = 1 << 16): Uint8Array {
  let data = Array.from(original);
  for (const m of mutations) {
    const at = m.at % (data.length + 1);
    switch (m.kind) {
      case 'flip':
        if (at < data.length) data[at] = data[at]! ^ (1 << m.bit);
        break;
      case 'set':
        if (at < data.length) data[at] = m.byte;
        break;
      case 'truncate':
        data = data.slice(0, at);
        break;
      case 'insert':
        data.splice(at, 0, ...m.bytes);
        break;
      case 'delete':
        data.splice(at, m.count);
        break;
      case 'duplicate':
        data.splice(at, 0, ...data.slice(at, at + m.count));
        break;
      case 'splice': {
        const from = m.from % Math.max(1, donor.length);
        data.splice(at, 0, ...donor.subarray(from, from + m.count));
        break;
      }
    }
  }
  return Uint8Array.from(data.length > maxLength ? data.slice(0, maxLength) : data);
}
