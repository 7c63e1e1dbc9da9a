/**
 * Byte identity with Python's `json.dumps`, which kombu's json serializer calls: every value
 * below, and a few hundred generated ones, is written by core's JSON serializer and by Python,
 * and the bytes compared; Python reads ours back as the intended values. The values reach every
 * path of the writer: short and long strings (copied, searched, sliced), every escape, ints on
 * both sides of 2^31 and beyond 2^53, short decimals and other floats in both of Python's
 * layouts, and documents larger than the writer's buffer. Python runs once for the whole file.
 */
import { Buffer } from 'node:buffer';
import { fileURLToPath } from 'node:url';
import { json, PyFloat } from '@resultkit/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { PYTHON_DISABLED, runPythonCheck, toTagged, type CheckResponse } from '../src/index.js';

const SCRIPT = fileURLToPath(new URL('./python/json_check.py', import.meta.url));

const ascii = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

const record = (i: number) => ({ id: 1000 + i, name: i % 4 === 0 ? `Café ${i}` : `Item ${i}`, price: (i * 1337) / 100, ok: i % 3 !== 0 });

const fixed: Record<string, unknown> = {
  escapes: ['\x00\x01\x1f\x7f\x80\u00ff\u2028\ufeff\uffff " \\ / \b\f\n\r\t', 'a\ud800b\udfffc\udc00\ud83d', '日本語🚀', ''],
  // The lengths where the writer changes path, clean and with an escape at the start, middle and end.
  thresholdStrings: [127, 128, 129, 4096, 4097, 16_385].flatMap((n) => ['a'.repeat(n), `é${'a'.repeat(n - 1)}`, `${'a'.repeat(n >> 1)}\n${'a'.repeat(n - (n >> 1) - 1)}`, `${'a'.repeat(n - 1)}"`]),
  ints: [0, -1, 9, 10, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 1e15, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 53, 1e21, 2n ** 64n, -(10n ** 30n)],
  floats: [0.5, 13.37, -12.375, 0.00012345, 0.12345678, 0.123456789, 999999999999999.9, -0, 0.1 + 0.2, 1e-4, 9.99e-5, 1e16 + 2.5, 1.5e16 / 7, 5e-324, Number.MAX_VALUE / 3, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
  nested: { a: [[], {}, [null, true, false]], 'clé ✓': { '': 0, '\n': [1.5] } },
  celeryDocument: {
    status: 'SUCCESS',
    result: { report: 'inventory-sync', summary: { total: 18, elapsed: 12.375, note: 'Größe ok ✓' }, items: Array.from({ length: 18 }, (_, i) => record(i)) },
    traceback: null,
    children: [],
    date_done: '2026-11-23T19:38:53.971539+00:00',
    task_id: '7fd5d759-4788-459f-9f89-3a039f5ac5ef',
  },
  // Larger than the writer's first buffer and its first chunk.
  largeDocument: { status: 'SUCCESS', result: Array.from({ length: 6_000 }, (_, i) => record(i)) },
};

/**
 * Python-writable values: JSON plus ints of any size, NaN and the infinities, PyFloat, any
 * UTF-16, and strings on both sides of the writer's 128-code-unit switch to native copies.
 */
const scalar = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.double().map((d) => new PyFloat(d)),
  fc.tuple(fc.maxSafeInteger(), fc.nat(10)).map(([n, places]) => n / 10 ** places),
  fc.maxSafeInteger(),
  fc.bigInt({ min: -(2n ** 128n), max: 2n ** 128n }),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'binary', minLength: 120, maxLength: 300 }),
);
const pythonValue = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, scalar, tie('list'), tie('dict')),
  list: fc.array(tie('node'), { maxLength: 5 }),
  dict: fc.dictionary(fc.string({ unit: 'binary', maxLength: 5 }), tie('node'), { maxKeys: 5 }),
})).node;

// A fixed seed: the set is the same on every run, and a failure can be reproduced.
const generated = fc.sample(pythonValue, { numRuns: 300, seed: 20261214 });
const cases: [string, unknown][] = [...Object.entries(fixed), ...generated.map((value, i): [string, unknown] => [`generated #${i}`, value])];

describe.skipIf(PYTHON_DISABLED)("byte identity with Python's json.dumps (kombu's json serializer)", () => {
  let python: CheckResponse;
  const ours = cases.map(([, value]) => ascii(json.encode(value)));

  beforeAll(() => {
    python = runPythonCheck(SCRIPT, { pack: cases.map(([, value]) => toTagged(value)), unpack: ours }, 'Python 3');
  }, 120_000);

  it.each(cases.map(([name], index) => [name, index] as const))('%s: Python writes the very same bytes', (_name, index) => {
    expect(ours[index]).toBe(python.packed[index]);
  });

  it.each(cases.map(([name], index) => [name, index] as const))('%s: Python reads ours as the intended values', (_name, index) => {
    expect(python.unpacked[index]).toEqual(toTagged(cases[index]![1]));
  });
});
