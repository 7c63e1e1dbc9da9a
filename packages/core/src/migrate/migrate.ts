import type { EntryRef, StoredEntries, StoredEntry, WriteOutcome } from '../adapter/stored-entries.js';
import { AbortError, ConfigurationError, EncodeError, ResultkitError } from '../errors.js';
import type { ResultBackend } from '../result-backend.js';
import { compareDocuments, type DocumentDifference } from './compare-documents.js';
import { decodeEntryExactly, encodeEntryExactly } from './exact-document.js';
import { MigrationLossError } from './migration-loss-error.js';
import { InOrderWindow, readAhead } from './pipeline.js';
import { holdsExactlyAsJson } from './plain-json.js';
import { remainingTtl } from './remaining-ttl.js';
import { verifyMigration, type VerificationReport } from './verify.js';

export interface MigrateOptions {
  /**
   * What to do with an id the target already has: `skip` it (default; what the target holds
   * stays) or `overwrite` it. Either way a SUCCESS on the target is never replaced.
   */
  existing?: 'skip' | 'overwrite';
  /**
   * The `cursor` of a progress event from an earlier run: the copy resumes after the entries
   * that event counted. Entries of the page that was being written when the run stopped are
   * written again; with `skip` they are found and skipped, with `overwrite` they get the same
   * value: nothing is copied twice and nothing older replaces a SUCCESS.
   */
  resumeFrom?: string | null;
  /** Entries per page (default 500). */
  pageSize?: number;
  /**
   * Pages written at once (default 4), while the next page is read and converted. At most
   * `pagesInFlight + 2` pages are held in memory. Progress and its cursor still follow page order.
   */
  pagesInFlight?: number;
  /**
   * Copy entries the target cannot hold exactly (a datetime into kombu 5.2 JSON becomes its text,
   * microseconds into a DATETIME column without fractions are cut). Default false: the first such
   * entry stops the copy with `MigrationLossError` naming each difference, before it is written.
   */
  allowLossy?: boolean;
  /** Compare every copied entry afterwards (counts and decoded documents). Default true. */
  verify?: boolean;
  /** Read and convert everything, write nothing: reports what a run would do. */
  dryRun?: boolean;
  /** Stops the copy between pages (and before each write) with `AbortError`; resume with the last cursor. */
  signal?: AbortSignal;
  /** Called after every page is written (and during verification), with a cursor to persist. */
  onProgress?: (progress: MigrationProgress) => void;
}

/** Counts so far; `cursor` is where a resumed run starts (null once the copy is complete). */
export interface MigrationProgress {
  phase: 'copy' | 'verify';
  cursor: string | null;
  /** Entries read from the source. */
  scanned: number;
  /** Entries written to the target. */
  written: number;
  /** Entries the target had already (`existing: 'skip'`). */
  skipped: number;
  /** Entries not written because the target holds a SUCCESS for the id. */
  kept: number;
  /** Entries whose time was up by the source's `expires` (not copied into a store that expires entries). */
  expired: number;
  /** Entries the target holds less exactly (copied only with `allowLossy`). */
  lossy: number;
}

/** One entry whose documents differ, and how. */
export interface EntryDifferences extends EntryRef {
  differences: DocumentDifference[];
}

export interface MigrationReport extends Omit<MigrationProgress, 'phase' | 'cursor'> {
  /** True when source and target keep the same format and entries were copied byte for byte. */
  raw: boolean;
  /** The first 100 lossy entries, with their differences. */
  narrowings: EntryDifferences[];
  /** The verification's findings, or null with `verify: false`. */
  verification: VerificationReport | null;
}

const DEFAULT_PAGE = 500;
const DEFAULT_IN_FLIGHT = 4;
const MAX_LISTED = 100;

/**
 * Copies every stored result and saved group from one backend to another, a page at a time
 * (bounded memory), keeping each remaining TTL, and verifies the copy.
 *
 * **Lossless by construction where it can be.** Stores that keep entries in the same format
 * (Redis, files and memory with the same serializer; two SQL databases with the same
 * serializer and `date_done` precision) are copied byte for byte. Anything else goes through the
 * Celery document read exactly (`PyTuple`, `PyFloat`, `PyDatetime` keep what Python had) and is
 * checked before it is written: an entry the target would read back differently stops the copy
 * (`MigrationLossError`) unless `allowLossy` is set, and then each narrowing is reported.
 *
 * **Resumable.** Progress events carry a `cursor`; pass the last one you saved as `resumeFrom`.
 * Delivery is at least once and every write is idempotent (see `MigrateOptions.resumeFrom`).
 */
export async function migrate(from: ResultBackend, to: ResultBackend, options: MigrateOptions = {}): Promise<MigrationReport> {
  const source = enumerable(from, 'source');
  const target = enumerable(to, 'target');
  const existing = options.existing ?? 'skip';
  const raw = source.format === target.format;
  const progress: MigrationProgress = { phase: 'copy', cursor: options.resumeFrom ?? null, scanned: 0, written: 0, skipped: 0, kept: 0, expired: 0, lossy: 0 };
  const narrowings: EntryDifferences[] = [];
  const expiresOnItsOwn = to.capabilities.selfExpiry;

  const targetType = to.codec.contentType.toLowerCase();
  const plainJsonTarget = target.layout === 'document' && targetType === 'application/json' && to.codec.accept.includes(targetType);
  const convert = (entry: StoredEntry, document: Record<string, unknown>): StoredEntry => {
    try {
      return encodeEntryExactly(target, to.codec, entry, document);
    } catch (error) {
      if (!(error instanceof EncodeError)) throw error;
      throw new MigrationLossError(entry, [{ path: 'document', source: 'as stored', target: error.message }], from.adapter.name, to.adapter.name, error);
    }
  };
  const window = new InOrderWindow(options.pagesInFlight ?? DEFAULT_IN_FLIGHT);
  try {
    for await (const page of readAhead(source.scan({ from: options.resumeFrom ?? null, pageSize: options.pageSize ?? DEFAULT_PAGE }))) {
      checkSignal(options.signal);
      const batch: StoredEntry[] = [];
      // This page's counts join `progress` when its write is taken, so every event's counts are those of its cursor.
      const counted = { scanned: 0, expired: 0, lossy: 0 };
      for (const entry of page.entries) {
        counted.scanned++;
        let document: Record<string, unknown> | null = null;
        const documentOf = (): Record<string, unknown> => (document ??= decodeEntryExactly(source, from.codec, entry));
        const ttl = expiresOnItsOwn ? remainingTtl(entry, from, to, documentOf) : entry.ttl;
        if (ttl !== undefined && ttl !== null && ttl <= 0) {
          counted.expired++;
          continue;
        }
        if (raw) {
          batch.push({ ...entry, ttl });
          continue;
        }
        const converted = convert(entry, documentOf());
        // A document of plain values reads back from JSON as it was written: no need to read it back to know.
        const differences = plainJsonTarget && holdsExactlyAsJson(documentOf()) ? [] : compareDocuments(documentOf(), decodeEntryExactly(target, to.codec, converted));
        if (differences.length) {
          if (!options.allowLossy) throw new MigrationLossError(entry, differences, from.adapter.name, to.adapter.name);
          counted.lossy++;
          if (narrowings.length < MAX_LISTED) narrowings.push({ kind: entry.kind, id: entry.id, differences });
        }
        batch.push({ ...converted, ttl });
      }
      checkSignal(options.signal);
      const outcomes = !batch.length ? Promise.resolve([]) : options.dryRun ? dryRunOutcomes(target, batch, existing) : target.writeEntries(batch, { existing });
      // Counted, and the cursor moved past this page, only once it and every page before it are written.
      await window.add(outcomes, (done) => {
        for (const key of ['scanned', 'expired', 'lossy'] as const) progress[key] += counted[key];
        for (const outcome of done) progress[outcome]++;
        progress.cursor = page.cursor;
        options.onProgress?.({ ...progress });
      });
    }
    await window.drain();
  } finally {
    await window.settle();
  }

  const verification =
    options.verify === false || options.dryRun
      ? null
      : await verifyMigration(from, to, {
          pageSize: options.pageSize,
          pagesInFlight: options.pagesInFlight,
          signal: options.signal,
          onProgress: options.onProgress ? (checked) => options.onProgress!({ ...progress, phase: 'verify', cursor: null, scanned: checked }) : undefined,
        });
  const { phase: _phase, cursor: _cursor, ...counts } = progress;
  return { ...counts, raw, narrowings, verification };
}

/** The backend's entries, or a `ConfigurationError` saying why it cannot be listed. */
export function enumerable(backend: ResultBackend, side: 'source' | 'target'): StoredEntries {
  const entries = backend.adapter.entries;
  if (entries) return entries;
  const name = backend.adapter.name;
  const why =
    name === 'rpc'
      ? 'rpc:// results are messages in the reply queue of the client that sent each task, consumed when read: there is nothing to list or copy'
      : `the ${name} adapter does not list its entries (no "entries" in its BackendAdapter)`;
  throw new ConfigurationError(`Cannot migrate ${side === 'source' ? 'from' : 'to'} this backend: ${why}.`);
}

async function dryRunOutcomes(target: StoredEntries, batch: StoredEntry[], existing: 'skip' | 'overwrite'): Promise<WriteOutcome[]> {
  const current = await target.readEntries(batch);
  return current.map((entry) => (entry === null ? 'written' : existing === 'skip' ? 'skipped' : 'written'));
}

function checkSignal(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  throw signal.reason instanceof ResultkitError ? signal.reason : new AbortError(signal.reason);
}
