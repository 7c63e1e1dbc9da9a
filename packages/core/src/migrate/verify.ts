import type { StoredEntries, StoredEntry } from '../adapter/stored-entries.js';
import { InOrderWindow, readAhead } from './pipeline.js';
import { remainingTtl } from './remaining-ttl.js';
import type { ResultBackend } from '../result-backend.js';
import { compareDocuments } from './compare-documents.js';
import { decodeEntryExactly } from './exact-document.js';
import { enumerable, type EntryDifferences } from './migrate.js';
import type { EntryRef } from '../adapter/stored-entries.js';
import { AbortError } from '../errors.js';

export interface VerifyOptions {
  pageSize?: number;
  /** Pages of the target read at once (default 4). */
  pagesInFlight?: number;
  signal?: AbortSignal;
  /** Called after every page with how many source entries were checked. */
  onProgress?: (checked: number) => void;
}

export interface VerificationReport {
  /** True when every source entry is on the target and reads the same there. */
  ok: boolean;
  /** Entries listed on the source, and on the target (which may hold more: new results). */
  sourceCount: number;
  targetCount: number;
  /**
   * Source entries the target does not have because their time is up (a target that expires
   * entries by itself was not given them, or dropped them since): not differences.
   */
  expiredCount: number;
  /** Source entries the target does not have (count, and the first 100). */
  missingCount: number;
  missing: EntryRef[];
  /** Entries whose decoded documents differ (count, and the first 100 with their differences). */
  differingCount: number;
  differing: EntryDifferences[];
}

/**
 * Checks a copy: every entry of the source must be on the target and decode to the same
 * Celery document there (compared as Python reads it, see `compareDocuments`). Same-format
 * entries with identical bytes are equal without decoding.
 */
export async function verifyMigration(from: ResultBackend, to: ResultBackend, options: VerifyOptions = {}): Promise<VerificationReport> {
  const source = enumerable(from, 'source');
  const target = enumerable(to, 'target');
  const report: VerificationReport = { ok: true, sourceCount: 0, targetCount: 0, expiredCount: 0, missingCount: 0, missing: [], differingCount: 0, differing: [] };
  const sameFormat = source.format === target.format;
  // What migrate would not have copied into a store that expires entries by itself.
  const isExpired = (entry: StoredEntry): boolean => {
    const ttl = remainingTtl(entry, from, to, () => decodeEntryExactly(source, from.codec, entry));
    return ttl !== undefined && ttl !== null && ttl <= 0;
  };
  const check = (entry: StoredEntry, copy: StoredEntry | null): void => {
    report.sourceCount++;
    if (!copy) {
      if (to.capabilities.selfExpiry && isExpired(entry)) {
        report.expiredCount++;
        return;
      }
      report.missingCount++;
      if (report.missing.length < 100) report.missing.push({ kind: entry.kind, id: entry.id });
      return;
    }
    if (sameFormat && sameStored(entry, copy)) return;
    const differences = compareDocuments(decodeEntryExactly(source, from.codec, entry), decodeEntryExactly(target, to.codec, copy));
    if (!differences.length) return;
    report.differingCount++;
    if (report.differing.length < 100) report.differing.push({ kind: entry.kind, id: entry.id, differences });
  };
  // The target is counted while the source is read; each source page's copies are read a
  // page at a time, several pages at once, and compared in page order.
  const counting = countEntries(target);
  counting.catch(() => undefined);
  const window = new InOrderWindow(options.pagesInFlight ?? 4);
  try {
    for await (const page of readAhead(source.scan({ pageSize: options.pageSize }))) {
      if (options.signal?.aborted) throw new AbortError(options.signal.reason);
      await window.add(target.readEntries(page.entries), (copies) => {
        page.entries.forEach((entry, i) => check(entry, copies[i] ?? null));
        options.onProgress?.(report.sourceCount);
      });
    }
    await window.drain();
  } finally {
    await window.settle();
    await counting.catch(() => undefined);
  }
  report.targetCount = await counting;
  report.ok = report.missingCount === 0 && report.differingCount === 0;
  return report;
}

async function countEntries(entries: StoredEntries): Promise<number> {
  if (entries.count) return entries.count();
  let count = 0;
  for await (const page of entries.scan()) count += page.entries.length;
  return count;
}

/** Same-format entries stored identically (bytes, or every column) read the same without decoding. */
function sameStored(a: StoredEntry, b: StoredEntry): boolean {
  if (a.bytes && b.bytes) return sameBytes(a.bytes, b.bytes);
  if (!a.row || !b.row) return false;
  const keys = Object.keys(a.row);
  if (keys.length !== Object.keys(b.row).length) return false;
  return keys.every((key) => sameColumn(a.row![key], b.row![key]));
}

function sameColumn(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return sameBytes(a, b);
  if (a instanceof Uint8Array || b instanceof Uint8Array) return false;
  return a === b || (a !== null && b !== null && a !== undefined && b !== undefined && String(a) === String(b));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
