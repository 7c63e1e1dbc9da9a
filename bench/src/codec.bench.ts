/**
 * Every codec against the call doing the same job without resultkit, on result documents of
 * three sizes. JSON and pickle are compared with `JSON.stringify` + UTF-8 and UTF-8 +
 * `JSON.parse` (the fastest way Node has to turn a document into bytes); the serializers do
 * more (Python's exact bytes, big integers, kombu's types), so a ratio near 1 is the goal.
 *
 * Adding a codec is one entry in `entries()`:
 * - a serializer: `serializerEntry('msgpack', serializer, { label: 'msgpackr pack/unpack',
 *   encode: (doc) => pack(doc), decode: (bytes) => unpack(bytes) })`, with `pack`/`unpack`
 *   from msgpackr (yaml: the `yaml` package's stringify/parse, plus UTF-8);
 * - a compressor: `compressorEntry(compressor, { label: 'zlib.gzipSync', encode: (b) =>
 *   gzipSync(b), decode: (b) => gunzipSync(b) })`: the input is the document as core's JSON
 *   serializer writes it, and the baseline is the raw compression call on the same bytes.
 * Add the package to bench/package.json; the table picks the entry up.
 */
import { Buffer } from 'node:buffer';
import { createJsonSerializer, type Compressor, type Serializer } from '@resultkit/core';
import { serializer as pickle } from '@resultkit/serializer-pickle';
import { alternateMedians, measure, report, type Measurement } from './harness.ts';

const json = createJsonSerializer();

/** One row of the table: our codec and its baseline, both from the same prepared input. */
interface CodecEntry {
  name: string;
  /** What both sides encode, made once per document (untimed). */
  prepare: (document: unknown) => unknown;
  encode: (input: unknown) => Uint8Array;
  decode: (bytes: Uint8Array) => unknown;
  baseline: Baseline<unknown>;
}

interface Baseline<I> {
  label: string;
  encode: (input: I) => Uint8Array;
  decode: (bytes: Uint8Array) => unknown;
}

const jsonBuiltins: Baseline<unknown> = {
  label: 'JSON.stringify/parse',
  encode: (document) => Buffer.from(JSON.stringify(document), 'utf8'),
  decode: (bytes) => JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')),
};

function serializerEntry(name: string, serializer: Serializer, baseline: Baseline<unknown>): CodecEntry {
  return { name, prepare: (d) => d, encode: (d) => serializer.encode(d), decode: (b) => serializer.decode(b), baseline };
}

// Compressors see the bytes core's JSON serializer writes: what a backend compresses.
export function compressorEntry(compressor: Compressor, baseline: Baseline<Uint8Array>): CodecEntry {
  return {
    name: compressor.name,
    prepare: (d) => json.encode(d),
    encode: (bytes) => compressor.compress(bytes as Uint8Array),
    decode: (bytes) => compressor.decompress(bytes),
    baseline: baseline as Baseline<unknown>,
  };
}

function entries(): CodecEntry[] {
  return [serializerEntry('json', json, jsonBuiltins), serializerEntry('pickle', pickle, jsonBuiltins)];
}

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

const documents: Array<[string, unknown]> = [
  ['small', celeryDocument(1)],
  ['medium', celeryDocument(420)],
  ['large', celeryDocument(42_000)],
];

// Each timed run lasts about this long, whatever the document's size.
const RUN_SECONDS = 0.25;

/** How many operations fill `RUN_SECONDS`, from a short trial run. */
async function opsFor(op: () => unknown): Promise<number> {
  const trial = await measure('trial', op, { ops: 3, warmup: 1 });
  return Math.max(3, Math.round(trial.opsPerSecond * RUN_SECONDS));
}

async function compared(ours: () => unknown, baseline: () => unknown): Promise<[Measurement, Measurement]> {
  const ops = await opsFor(ours);
  const warmup = Math.min(ops, 200);
  return alternateMedians(
    () => measure('ours', ours, { ops, warmup }),
    () => measure('baseline', baseline, { ops: Math.max(ops, 3), warmup }),
  );
}

const MB = 1e6;
const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;

export async function run(): Promise<void> {
  const header = ['document', 'codec', 'size (B)', 'baseline', 'baseline size', 'encode MB/s', 'encode ratio', 'decode MB/s', 'decode ratio'];
  console.log(row(header));
  console.log(row(header.map(() => '---')));
  for (const [label, document] of documents) {
    for (const entry of entries()) {
      const input = entry.prepare(document);
      const ours = entry.encode(input);
      const theirs = entry.baseline.encode(input);
      const [encOurs, encBase] = await compared(() => entry.encode(input), () => entry.baseline.encode(input));
      const [decOurs, decBase] = await compared(() => entry.decode(ours), () => entry.baseline.decode(theirs));
      // Throughput of the document as our codec writes it, so rows of one codec compare.
      const mbps = (m: Measurement): string => ((m.opsPerSecond * ours.length) / MB).toFixed(1);
      const ratio = (a: Measurement, b: Measurement): string => `${(a.opsPerSecond / b.opsPerSecond).toFixed(2)}x`;
      console.log(
        row([
          label,
          entry.name,
          String(ours.length),
          entry.baseline.label,
          String(theirs.length),
          mbps(encOurs),
          ratio(encOurs, encBase),
          mbps(decOurs),
          ratio(decOurs, decBase),
        ]),
      );
    }
  }

  // A Python int beyond 2^53 sends the whole text through the hand-written JSON parser.
  const medium = documents[1]![1] as Record<string, unknown>;
  const big = { ...medium, result: { ...(medium['result'] as object), checksum: 2n ** 64n + 1n } };
  const bigBytes = json.encode(big);
  const nativeBytes = Buffer.from(JSON.stringify({ ...big, result: { ...(big.result as object), checksum: 0 } }), 'utf8');
  const [slow, parse] = await compared(() => json.decode(bigBytes), () => JSON.parse(nativeBytes.toString('utf8')));
  report({ ...slow, label: 'medium json decode, big int (slow path)' }, { ...parse, label: 'Buffer.toString + JSON.parse' });
}
