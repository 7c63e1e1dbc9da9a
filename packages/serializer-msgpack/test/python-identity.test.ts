/**
 * Byte identity with Python's msgpack, as kombu calls it: every value below, and a few hundred
 * generated ones, is packed by us and by `msgpack.packb(obj, use_bin_type=True)` and the bytes
 * compared; Python reads ours back (`unpackb(raw=False)`) as the intended Python values, and we
 * read Python's back as the intended JavaScript values. Python runs once for the whole file.
 */
import { fileURLToPath } from 'node:url';
import { PyFloat } from '@resultkit/core';
import fc from 'fast-check';
import { expectedRead as expectedReadWith, PYTHON_DISABLED, runPythonCheck, toTagged as toTaggedWith, type CheckResponse } from '@resultkit/test-suite';
import { beforeAll, describe, expect, it } from 'vitest';
import { msgpack } from '../src/index.js';
import { MSGPACK_RULES, msgpackValue } from './helpers/values.js';

const SCRIPT = fileURLToPath(new URL('./python/msgpack_check.py', import.meta.url));
const runPython = (request: Parameters<typeof runPythonCheck>[1]): CheckResponse => runPythonCheck(SCRIPT, request, 'Python 3 with python3-msgpack');
const toTagged = (value: unknown) => toTaggedWith(value, MSGPACK_RULES);
const expectedRead = (value: unknown) => expectedReadWith(value, MSGPACK_RULES);

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

const fixed: Record<string, unknown> = {
  smallInts: [0, 1, 31, 32, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53, 2 ** 60, Number.MAX_SAFE_INTEGER],
  negativeInts: [-1, -31, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 53), -(2 ** 63)],
  bigints: [0n, 5n, -5n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n, -(2n ** 63n), 2n ** 53n + 1n],
  floats: [0.5, -1.5e-7, 1e300, -0, Infinity, -Infinity, Number.NaN, 3.14159, 2 ** 64, 1e20, -(2 ** 64)],
  pythonFloats: [new PyFloat(3), new PyFloat(0), new PyFloat(-0), new PyFloat(1e16)],
  strings: ['', 'a'.repeat(31), 'a'.repeat(32), 'a'.repeat(255), 'a'.repeat(256), 'é'.repeat(16), 'é'.repeat(128), '日本語🚀', 'x'.repeat(70_000)],
  bytes: [new Uint8Array(0), Uint8Array.of(0, 1, 0xfe, 0xff), new Uint8Array(255), new Uint8Array(256), new Uint8Array(70_000).fill(7)],
  maps: [{}, Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, i])), Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, i]))],
  bigMap: Object.fromEntries(Array.from({ length: 70_000 }, (_, i) => [`k${i}`, i])),
  lists: [[], Array(15).fill(1), Array(16).fill(1), Array(70_000).fill(null)],
  undefinedProperties: { kept: 1, dropped: undefined, list: [undefined, 1] },
  protoKey: Object.defineProperty({ a: 1 }, '__proto__', { value: 'own key', enumerable: true }),
  celeryDocument: {
    status: 'SUCCESS',
    result: { n: 1, list: [1, 2, 3], text: 'ünïcödé', float: 0.5, null: null, bytes: Uint8Array.of(0, 1, 0xfe, 0xff) },
    traceback: null,
    children: [],
    date_done: '2026-11-23T20:20:22.705709',
    task_id: 'a37fdf5a-2939-50ef-9da6-7ec30554d276',
  },
};

// A fixed seed: the set is the same on every run, and a failure can be reproduced.
const generated = fc.sample(msgpackValue, { numRuns: 300, seed: 20261203 });
const cases: [string, unknown][] = [...Object.entries(fixed), ...generated.map((value, i): [string, unknown] => [`generated #${i}`, value])];

describe.skipIf(PYTHON_DISABLED)("byte identity with Python's msgpack.packb(use_bin_type=True)", () => {
  let python: CheckResponse;
  const ours = cases.map(([, value]) => msgpack.encode(value));

  // One Python run packs and reads all ~300 values, a few of them 70,000 entries long: a few
  // seconds alone, but several times that on a busy 2-core machine, so the hook gets two minutes.
  beforeAll(() => {
    python = runPython({ pack: cases.map(([, value]) => toTagged(value)), unpack: ours.map(hex) });
  }, 120_000);

  it.each(cases.map(([name], index) => [name, index] as const))('%s: Python writes the very same bytes', (_name, index) => {
    expect(python.packed[index]).toBe(hex(ours[index]!));
  });

  it.each(cases.map(([name], index) => [name, index] as const))('%s: Python reads ours as the intended values', (_name, index) => {
    expect(python.unpacked[index]).toEqual(toTagged(cases[index]![1]));
  });

  it.each(cases.map(([name], index) => [name, index] as const))("%s: we read Python's bytes as the intended values", (_name, index) => {
    const bytes = Uint8Array.from(Buffer.from(python.packed[index] as string, 'hex'));
    expect(msgpack.decode(bytes)).toEqual(expectedRead(cases[index]![1]));
  });
});
