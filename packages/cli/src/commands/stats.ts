import { PyDatetime, decodeEntryExactly, parseDateDone, redactUrl, type StoredEntry, type StoredEntries, type ResultBackend } from '@resultkit/core';
import { ExitCode } from '../exit-codes.js';
import { openBackend, type BackendFlags } from '../open-backend.js';
import type { Output } from '../output.js';
import { Progress } from '../progress.js';

export interface StatsFlags extends BackendFlags {
  json?: boolean;
  pageSize: number;
}

/** Age buckets by `date_done`, youngest first: an upper bound in seconds and a label. */
const AGE_BUCKETS: readonly [number, string][] = [
  [3_600, 'under 1 hour'],
  [86_400, '1 hour to 1 day'],
  [7 * 86_400, '1 to 7 days'],
  [30 * 86_400, '7 to 30 days'],
  [Infinity, 'over 30 days'],
];
const NO_DATE = 'no date_done';

/** What `stats` found: counters only, so memory stays bounded whatever the store holds. */
export interface Stats {
  results: number;
  groups: number;
  byState: Record<string, number>;
  byAge: Record<string, number>;
  oldest: { task_id: string; date_done: string } | null;
  /** Entries that could not be read (another serializer, corrupt bytes). */
  unreadable: number;
}

/**
 * `resultkit stats <url>`: counts of results by state and by age, saved groups, and the oldest
 * result, from one pass over the store's stored-entries cursor (Redis SCAN, SQL keyset pages, a
 * directory listing), a page at a time.
 */
export async function stats(url: string, flags: StatsFlags, out: Output): Promise<ExitCode> {
  const backend = await openBackend(url, flags, out);
  try {
    const entries = backend.adapter.entries;
    if (!entries) {
      out.note(`resultkit: the ${backend.adapter.name} backend cannot list its results (rpc:// results are messages consumed when read).`);
      return ExitCode.FAILURE;
    }
    const found = await collect(backend, entries, flags.pageSize, out);
    if (flags.json) out.line(JSON.stringify({ url: redactUrl(url), ...found }));
    else print(url, found, out);
    return found.unreadable ? ExitCode.FAILURE : ExitCode.OK;
  } finally {
    await backend.close();
  }
}

async function collect(backend: ResultBackend, entries: StoredEntries, pageSize: number, out: Output): Promise<Stats> {
  const found: Stats = { results: 0, groups: 0, byState: {}, byAge: Object.fromEntries([...AGE_BUCKETS.map(([, l]) => [l, 0]), [NO_DATE, 0]]), oldest: null, unreadable: 0 };
  let oldest = Infinity;
  const now = Date.now();
  const bar = new Progress(out, 'stats', null);
  try {
    for await (const page of entries.scan({ pageSize })) {
      for (const entry of page.entries) {
        if (entry.kind === 'group') {
          found.groups++;
          continue;
        }
        found.results++;
        let status: string;
        let done: Date | null;
        try {
          [status, done] = stateAndDate(backend, entries, entry);
        } catch {
          found.unreadable++;
          continue;
        }
        found.byState[status] = (found.byState[status] ?? 0) + 1;
        if (!done) {
          found.byAge[NO_DATE]!++;
          continue;
        }
        const age = (now - done.getTime()) / 1000;
        const bucket = AGE_BUCKETS.find(([limit]) => age < limit)![1];
        found.byAge[bucket]!++;
        if (done.getTime() < oldest) {
          oldest = done.getTime();
          found.oldest = { task_id: entry.id, date_done: done.toISOString() };
        }
      }
      bar.update(found.results + found.groups);
    }
  } finally {
    bar.stop();
  }
  return found;
}

/** An entry's state and `date_done`: from the row's columns (SQL), or its decoded document. */
function stateAndDate(backend: ResultBackend, entries: StoredEntries, entry: StoredEntry): [string, Date | null] {
  const fields = entry.row ?? decodeEntryExactly(entries, backend.codec, entry);
  return [String(fields.status), toDate(fields.date_done)];
}

function toDate(value: unknown): Date | null {
  if (value === null || value === undefined || value === '') return null;
  if (value instanceof Date) return value;
  return parseDateDone(value instanceof PyDatetime ? value.iso : String(value));
}

function print(url: string, found: Stats, out: Output): void {
  out.line(`${redactUrl(url)}: ${found.results} result${found.results === 1 ? '' : 's'}, ${found.groups} saved group${found.groups === 1 ? '' : 's'}`);
  out.line('by state:');
  for (const [state, n] of Object.entries(found.byState).sort((a, b) => b[1] - a[1])) out.line(`  ${state.padEnd(16)} ${n}`);
  out.line('by age (date_done):');
  for (const [bucket, n] of Object.entries(found.byAge)) out.line(`  ${bucket.padEnd(16)} ${n}`);
  out.line(found.oldest ? `oldest: ${found.oldest.task_id}, ready ${found.oldest.date_done}` : 'oldest: none');
  if (found.unreadable) out.line(`unreadable: ${found.unreadable} (pass the writer's --serializer / --accept)`);
}
