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

/** The suite's own mutations. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.oneof(fc.constantFrom(...MEANINGFUL_BYTES), fc.integer({ min: 0, max: 255 })) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 32 }) }),
  fc.record({ kind: fc.constant('splice' as const), from: fc.nat(), at: fc.nat(), count: fc.integer({ min: 1, max: 48 }) }),
);

/**
 * A mutation a format adds to the suite's own, for edits only its decoder finds interesting (a
 * pickle's huge declared length, say). `kind` must differ from the suite's kinds.
 */
export interface MutationHook<Extra extends { kind: string; at: number }> {
  /** Generates the extra mutations, drawn alongside the suite's. */
  arbitrary: fc.Arbitrary<Extra>;
  /** Edits `data` in place; `at` is the mutation's position, already within `0..data.length`. */
  apply(data: number[], mutation: Extra, at: number): void;
}

/** The suite's mutations with a format's own, and the function that applies them. */
export interface Mutator<M> {
  mutation: fc.Arbitrary<M>;
  /**
   * Applies `mutations` to a copy of `original`, in order. `donor` is another valid encoding,
   * the source of spliced pieces. The result is capped at `maxLength` bytes.
   */
  mutate(original: Uint8Array, mutations: readonly M[], donor: Uint8Array, maxLength?: number): Uint8Array;
}

const SUITE_KINDS: ReadonlySet<string> = new Set<Mutation['kind']>(['flip', 'set', 'truncate', 'insert', 'delete', 'duplicate', 'splice']);

/** The suite's mutator, with `hook`'s mutations drawn and applied alongside its own when given. */
export function createMutator(): Mutator<Mutation>;
export function createMutator<Extra extends { kind: string; at: number }>(hook: MutationHook<Extra>): Mutator<Mutation | Extra>;
export function createMutator<Extra extends { kind: string; at: number }>(hook?: MutationHook<Extra>): Mutator<Mutation | Extra> {
  return {
    mutation: hook ? fc.oneof(mutation, hook.arbitrary) : mutation,
    mutate(original, mutations, donor, maxLength = 1 << 16) {
      let data = Array.from(original);
      for (const m of mutations) {
        const at = m.at % (data.length + 1);
        if (SUITE_KINDS.has(m.kind)) data = applySuiteMutation(data, m as Mutation, at, donor);
        else if (hook) hook.apply(data, m as Extra, at);
        else throw new Error(`unknown mutation kind ${m.kind}`);
      }
      return Uint8Array.from(data.length > maxLength ? data.slice(0, maxLength) : data);
    },
  };
}

function applySuiteMutation(data: number[], m: Mutation, at: number, donor: Uint8Array): number[] {
  switch (m.kind) {
    case 'flip':
      if (at < data.length) data[at] = data[at]! ^ (1 << m.bit);
      return data;
    case 'set':
      if (at < data.length) data[at] = m.byte;
      return data;
    case 'truncate':
      return data.slice(0, at);
    case 'insert':
      data.splice(at, 0, ...m.bytes);
      return data;
    case 'delete':
      data.splice(at, m.count);
      return data;
    case 'duplicate':
      data.splice(at, 0, ...data.slice(at, at + m.count));
      return data;
    case 'splice': {
      const from = m.from % Math.max(1, donor.length);
      data.splice(at, 0, ...donor.subarray(from, from + m.count));
      return data;
    }
  }
}
