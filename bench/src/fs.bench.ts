/**
 * @resultkit/backend-fs against raw node:fs doing the same work with the same bytes and 64
 * requests in flight, in the same run, for a small and a typical result:
 * - storeResult (building the document, encoding it, the lock file, the SUCCESS check, a
 *   temporary file renamed into place) vs raw writeFile of a temporary file + rename, both
 *   with and without fsync;
 * - getTaskMeta (readFile, decoding, the TaskMeta) vs raw readFile.
 *
 * Uses a directory of its own under the system's temporary directory (BENCH_FS_DIR to choose
 * another parent, e.g. a real disk rather than tmpfs) and removes it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, readFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createBackend, type ResultBackend } from '@resultkit/core';
import { resultkitAdapter } from '@resultkit/backend-fs';
import { alternate } from './harness.ts';
import { typicalPayload } from './payloads.ts';

const OPS = Number(process.env.BENCH_FS_OPS ?? 10_000);
const IN_FLIGHT = 64;
const ROUNDS = 3;

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(process.env.BENCH_FS_DIR ?? tmpdir(), 'rk-bench-fs-'));
  const url = pathToFileURL(dir).href;
  const backends: ResultBackend[] = [];
  const openBackend = async (fsync: boolean): Promise<ResultBackend> => {
    const backend = await createBackend(url, { adapter: resultkitAdapter, fs: { fsync } });
    backends.push(backend);
    return backend;
  };
  try {
    const synced = await openBackend(true);
    const unsynced = await openBackend(false);
    const documentOf = (result: unknown): Uint8Array =>
      synced.codec.encode({ status: 'SUCCESS', result, traceback: null, children: [], date_done: '2026-11-23T19:38:53.971539+00:00', task_id: '00000000-0000-0000-0000-000000000000' });
    console.log(`${OPS.toLocaleString('en-US')} ops per run, ${IN_FLIGHT} in flight, median of ${ROUNDS} alternating runs; ${dir}`);
    for (const [name, value] of [['small result (5)', 5], ['typical result', typicalPayload]] as const) {
      const bytes = documentOf(value);
      const tag = name.split(' ')[0];
      console.log(`${name}: ${bytes.length} bytes per document`);
      // Every round stores fresh ids: a stored SUCCESS would make later stores of the same id no-ops.
      let round = 0;
      for (const [backend, fsync] of [[synced, true], [unsynced, false]] as const) {
        const how = fsync ? 'fsync' : 'no fsync';
        await pair(
          `storeResult (${how})`, (i) => backend.storeResult(`${tag}-${how}-${round}-${i}`, value),
          `raw temp + rename (${how})`, (i) => rawWrite(join(dir, `raw-${tag}-${i}`), bytes, fsync),
          () => round++,
        );
      }
      await pair(
        'getTaskMeta (readFile + decode)', (i) => synced.getTaskMeta(`${tag}-fsync-0-${i % OPS}`),
        'raw readFile', (i) => readFile(join(dir, `raw-${tag}-${i % OPS}`)),
      );
    }
  } finally {
    await Promise.all(backends.map((b) => b.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the backend does to store, minus everything that is resultkit's: write a temporary file, rename it. */
async function rawWrite(file: string, bytes: Uint8Array, fsync: boolean): Promise<void> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(bytes);
    if (fsync) await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
}

/** Ours and the baseline, alternated over ROUNDS rounds (harness.alternate); no warm-up, and `afterRound` after each pair. */
function pair(
  label: string,
  ours: (i: number) => unknown,
  baselineLabel: string,
  baseline: (i: number) => unknown,
  afterRound: () => void = () => {},
): Promise<number> {
  return alternate({ label, op: ours }, { label: baselineLabel, op: baseline }, { ops: OPS, concurrency: IN_FLIGHT, rounds: ROUNDS, warmup: 0, afterRound });
}
