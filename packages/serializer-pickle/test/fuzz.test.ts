/**
 * Hostile and random input: whatever the bytes, `loads` returns a value or throws a
 * `DecodeError` (never a TypeError, RangeError or stack overflow), and does so quickly. And
 * what `dumps` writes, `loads` reads back as the same value.
 */
import { DecodeError } from '@resultkit/core';
import { createMutator } from '@resultkit/test-suite';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import { dumps, loads, type DumpOptions } from '../src/index.js';
import { Op } from '../src/opcodes.js';
import { pk, su, u32, u64, unhex } from './helpers/bytes.js';
import { dbCaptures } from './fixtures/celery-5.2-db.js';

/**
 * The slowest single decode allowed, in CPU time of this process (not wall time: on a loaded
 * machine a decode can wait for a core longer than this). Real decodes of these sizes take well
 * under a millisecond.
 */
const MAX_DECODE_MS = 100;

/** CPU time of this process so far, in milliseconds. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

const stats = { decodes: 0, errors: 0, slowestMs: 0, totalMs: 0 };

afterAll(() => {
  // A record of the fuzzing done, for whoever reads the test log.
  console.info(
    `pickle fuzz: ${stats.decodes} decodes (${stats.errors} DecodeErrors), ` +
      `slowest ${stats.slowestMs.toFixed(2)} ms, total ${stats.totalMs.toFixed(0)} ms`,
  );
});

/** Decodes and checks the only two acceptable outcomes, and the time it took. */
function decodeSafely(data: Uint8Array, strict = false): void {
  const started = cpuMs();
  try {
    loads(data, { strict });
  } catch (error) {
    if (!(error instanceof DecodeError)) {
      throw new Error(`loads threw ${String(error)} for ${Buffer.from(data).toString('hex')}`, { cause: error });
    }
    stats.errors++;
  }
  const elapsed = cpuMs() - started;
  stats.decodes++;
  stats.totalMs += elapsed;
  stats.slowestMs = Math.max(stats.slowestMs, elapsed);
  if (elapsed > MAX_DECODE_MS) throw new Error(`decoding ${data.length} bytes took ${elapsed.toFixed(1)} ms of CPU`);
}

// Valid pickles to mutate: Celery's own rows, our writer's output in every mode, and hand-made
// protocol 0/1 pickles (text opcodes, Python 2 strings, INST/OBJ, PUT/GET).
const sample = {
  text: 'héllo ✓',
  n: [0, -1, 300, 70_000, 2 ** 40, 2n ** 80n, 0.5, -0],
  bytes: Uint8Array.of(1, 2, 255),
  nested: { a: [[1, [2]], { b: null }], t: true },
  when: new Date('2024-01-02T03:04:05.678Z'),
  set: new Set([1, 'x']),
  map: new Map<unknown, unknown>([[1, 'one']]),
};
const corpus: Uint8Array[] = [
  ...dbCaptures.map((capture) => unhex(capture.resultHex)),
  ...([2, 3, 4, 5] as const).flatMap((protocol) => [
    dumps(sample, { protocol }),
    dumps(sample, { protocol, style: 'simple', arraysAsTuples: true }),
  ]),
  pk('(lp0\nI1\naF1.5\naS\'a\\x41\'\np1\naV\\u00e9\np2\naI01\naL12345678901234567890L\nag1\na.'),
  pk('(S\'a\'\nI1\nS\'b\'\n(I2\nI3\ntdp0\n(I1\nimymod\nThing\n(cmymod\nThing\nI3\no.'),
  pk('ccopy_reg\n_reconstructor\n(cuuid\nUUID\nc__builtin__\nobject\nNtR(dVint\nL1L\nsb.'),
  pk('cdatetime\ndatetime\n(c_codecs\nencode\n(V\x07\xe8\x01\x02\x03\x04\x05\n[\xf4\nVlatin1\ntRtR.'),
];

const OPCODES = Object.values(Op);

// The suite's mutations (flips, byte sets, truncations, inserts, deletes, duplicates, splices),
// plus two only a pickle reader cares about: an opcode byte set anywhere, and a length that
// claims far more bytes than exist where a length follows an opcode.
type PickleMutation = { kind: 'opcode'; at: number; op: number } | { kind: 'huge-length'; at: number };
const { mutation, mutate } = createMutator<PickleMutation>({
  arbitrary: fc.oneof(
    fc.record({ kind: fc.constant('opcode' as const), at: fc.nat(), op: fc.constantFrom(...OPCODES) }),
    fc.record({ kind: fc.constant('huge-length' as const), at: fc.nat() }),
  ),
  apply(data, m, at) {
    if (m.kind === 'opcode') {
      if (at < data.length) data[at] = m.op;
    } else {
      data.splice(at, 4, 0xff, 0xff, 0xff, 0x7f);
    }
  },
});
/** Bytes kept of a mutated pickle: enough for every opcode, small enough for 12,000 runs. */
const MAX_MUTATED_LENGTH = 4096;

// An "opcode soup": sequences of well-formed opcodes with random arguments, which get much
// deeper into the machine than random bytes do.
const GLOBALS: [string, string][] = [
  ['builtins', 'ValueError'], ['datetime', 'datetime'], ['datetime', 'date'], ['datetime', 'time'],
  ['datetime', 'timedelta'], ['datetime', 'timezone'], ['decimal', 'Decimal'], ['uuid', 'UUID'],
  ['builtins', 'set'], ['builtins', 'frozenset'], ['builtins', 'bytearray'], ['builtins', 'getattr'],
  ['_codecs', 'encode'], ['collections', 'OrderedDict'], ['collections', 'defaultdict'],
  ['collections', 'Counter'], ['copyreg', '_reconstructor'], ['copyreg', '__newobj__'],
  ['celery.result', 'AsyncResult'], ['celery.result', 'GroupResult'], ['celery.app.base', '_unpickle_appattr'],
  ['celery.utils.serialization', 'UnpickleableExceptionWrapper'], ['pytz', '_p'], ['zoneinfo', 'ZoneInfo._unpickle'],
  ['os', 'system'],
];
const NO_ARG = [
  Op.MARK, Op.POP, Op.POP_MARK, Op.DUP, Op.MEMOIZE, Op.NONE, Op.NEWTRUE, Op.NEWFALSE, Op.EMPTY_LIST, Op.APPEND,
  Op.APPENDS, Op.LIST, Op.EMPTY_TUPLE, Op.TUPLE, Op.TUPLE1, Op.TUPLE2, Op.TUPLE3, Op.EMPTY_DICT, Op.DICT, Op.SETITEM,
  Op.SETITEMS, Op.EMPTY_SET, Op.ADDITEMS, Op.FROZENSET, Op.STACK_GLOBAL, Op.REDUCE, Op.BUILD, Op.NEWOBJ, Op.NEWOBJ_EX,
  Op.OBJ,
];
const token: fc.Arbitrary<number[]> = fc.oneof(
  { arbitrary: fc.constantFrom(...NO_ARG).map((op) => [op]), weight: 8 },
  { arbitrary: fc.tuple(fc.constantFrom(Op.BININT1, Op.BINGET, Op.BINPUT), fc.integer({ min: 0, max: 12 })).map(([op, n]) => [op, n]), weight: 4 },
  { arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((n) => [Op.BININT, ...u32(n)]), weight: 1 },
  { arbitrary: fc.string({ maxLength: 12 }).map((s) => su(s.replace(/[^\x20-\x7e]/g, 'x'))), weight: 3 },
  { arbitrary: fc.uint8Array({ maxLength: 12 }).map((b) => [Op.SHORT_BINBYTES, b.length, ...b]), weight: 2 },
  { arbitrary: fc.constantFrom(...GLOBALS).map(([m, n]) => [...su(m), ...su(n), Op.STACK_GLOBAL]), weight: 3 },
  { arbitrary: fc.double().map((d) => [Op.BINFLOAT, ...new Uint8Array(new Float64Array([d]).buffer).reverse()]), weight: 1 },
);
const soup = fc.array(token, { maxLength: 60 }).map((tokens) => Uint8Array.from([Op.PROTO, 4, ...tokens.flat(), Op.STOP]));

describe('fuzzing loads', () => {
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (data) => decodeSafely(data)), { numRuns: 3000 });
  });

  it('random bytes after a PROTO header', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1, 2, 3, 4, 5), fc.uint8Array({ maxLength: 256 }), (protocol, data) =>
        decodeSafely(Uint8Array.from([Op.PROTO, protocol, ...data])),
      ),
      { numRuns: 3000 },
    );
  });

  it('mutations of valid pickles (the codec suite\'s, opcodes set and huge lengths)', () => {
    fc.assert(
      fc.property(fc.nat(corpus.length - 1), fc.nat(corpus.length - 1), fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.boolean(), (index, donor, mutations, strict) =>
        decodeSafely(mutate(corpus[index] as Uint8Array, mutations, corpus[donor] as Uint8Array, MAX_MUTATED_LENGTH), strict),
      ),
      { numRuns: 12_000 },
    );
  });

  it('opcode soup', () => {
    fc.assert(fc.property(soup, fc.boolean(), (data, strict) => decodeSafely(data, strict)), { numRuns: 6000 });
  });

  it('huge declared lengths fail fast, for every length-carrying opcode', () => {
    const lengthOps: [number, (n: number) => number[]][] = [
      [Op.BINBYTES, u32], [Op.BINUNICODE, u32], [Op.BINSTRING, u32], [Op.LONG4, u32],
      [Op.BINBYTES8, u64], [Op.BINUNICODE8, u64], [Op.BYTEARRAY8, u64], [Op.FRAME, u64],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...lengthOps), fc.integer({ min: 1000, max: 2 ** 31 - 1 }), ([op, encode], n) => {
        const data = pk(Op.PROTO, 5, op, encode(n), 'x'.repeat(100), Op.STOP);
        decodeSafely(data);
        expect(() => loads(data)).toThrow(DecodeError);
      }),
      { numRuns: 500 },
    );
  });
});

// ------------------------------------------------------------------------------------------

const key = fc.string({ unit: 'binary', maxLength: 8 });
const leaf = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double(),
  fc.bigInt(),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.uint8Array({ maxLength: 20 }),
  fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }),
);
const { value: jsonLike } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5, noNullPrototype: true }),
    fc.uniqueArray(fc.oneof(fc.integer(), fc.string({ maxLength: 5 })), { maxLength: 5 }).map((items) => new Set(items)),
  ),
}));

const dumpOptions: fc.Arbitrary<DumpOptions> = fc.record({
  protocol: fc.constantFrom(2, 3, 4, 5),
  style: fc.constantFrom('python', 'simple'),
  arraysAsTuples: fc.boolean(),
});

/** What a value reads back as: Python has one int type, so a safe-range bigint is a number. */
function expectedBack(value: unknown): unknown {
  if (typeof value === 'bigint') return value >= -(2n ** 53n) + 1n && value <= 2n ** 53n - 1n ? Number(value) : value;
  if (Array.isArray(value)) return value.map(expectedBack);
  if (value instanceof Set || value instanceof Uint8Array || value instanceof Date || value === null || typeof value !== 'object') {
    return value;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: expectedBack(v), enumerable: true, writable: true, configurable: true });
  return out;
}

describe('round trips', () => {
  it('loads(dumps(v)) equals v for JSON-like values, bigints, bytes, dates and sets', () => {
    fc.assert(
      fc.property(jsonLike, dumpOptions, (value, options) => {
        const bytes = dumps(value, options);
        decodeSafely(bytes);
        expect(loads(bytes)).toEqual(expectedBack(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('bigints outside the safe integer range stay bigints, exactly', () => {
    const big = fc.oneof(fc.bigInt({ min: 2n ** 53n }), fc.bigInt({ max: -(2n ** 53n) }), fc.bigInt({ min: 2n ** 2000n, max: 2n ** 2100n }));
    fc.assert(
      fc.property(big, (n) => {
        expect(loads(dumps(n))).toBe(n);
      }),
      { numRuns: 500 },
    );
  });
});
