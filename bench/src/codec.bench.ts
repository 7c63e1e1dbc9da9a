/**
 * The JSON serializer against the built-ins doing the same job: encoding is `JSON.stringify`
 * plus UTF-8, decoding is UTF-8 plus `JSON.parse`. The serializer does more (Python's exact
 * bytes, exact big integers, NaN, kombu's special types), so a ratio near 1 is the goal.
 */
import { Buffer } from 'node:buffer';
import { createJsonSerializer } from '@resultkit/core';
import { measure, report } from './harness.ts';

const serializer = createJsonSerializer();

/** A result record of the kind tasks return: an id, a name (some non-ASCII), numbers. */
function record(i: number): Record<string, unknown> {
  return { id: 1000 + i, name: i % 4 === 0 ? `Café ${i}` : `Item ${i}`, price: (i * 1337) / 100, ok: i % 3 !== 0 };
}

/** A SUCCESS document as a Celery worker stores it, with `records` records in its result. */
function celeryDocument(records: number): Record<string, unknown> {
  return {
    status: 'SUCCESS',
    result: {
      report: 'inventory-sync',
      summary: { total: records, elapsed: 12.375, ratio: 0.1 + 0.2, note: 'Größe ok ✓' },
      items: Array.from({ length: records }, (_, i) => record(i)),
    },
    traceback: null,
    children: [],
    date_done: '2026-11-23T19:38:53.971539+00:00',
    task_id: '7fd5d759-4788-459f-9f89-3a039f5ac5ef',
  };
}

async function compare(label: string, document: unknown, ops: number): Promise<void> {
  const ours = serializer.encode(document);
  const native = Buffer.from(JSON.stringify(document), 'utf8');
  console.log(`${label}: ${ours.length} bytes (JSON.stringify: ${native.length})`);

  report(
    await measure(`${label} encode: createJsonSerializer()`, () => serializer.encode(document), { ops }),
    await measure('JSON.stringify + Buffer.from', () => Buffer.from(JSON.stringify(document), 'utf8'), { ops }),
  );
  report(
    await measure(`${label} decode: createJsonSerializer()`, () => serializer.decode(ours), { ops }),
    await measure('Buffer.toString + JSON.parse', () => JSON.parse(native.toString('utf8')), { ops }),
  );
}

export async function run(): Promise<void> {
  const small = celeryDocument(20); // 1.5 KB as Python writes it
  const large = celeryDocument(1_500); // 100 KB
  await compare('1.5 KB', small, 50_000);
  await compare('100 KB', large, 500);

  // A Python int beyond 2^53 sends the whole text through the hand-written parser.
  const big = { ...large, result: { ...(large['result'] as object), checksum: 2n ** 64n + 1n } };
  const bigBytes = serializer.encode(big);
  const nativeBytes = Buffer.from(JSON.stringify({ ...big, result: { ...(big.result as object), checksum: 0 } }), 'utf8');
  report(
    await measure('100 KB decode, big int (slow path)', () => serializer.decode(bigBytes), { ops: 500 }),
    await measure('Buffer.toString + JSON.parse', () => JSON.parse(nativeBytes.toString('utf8')), { ops: 500 }),
  );
}
