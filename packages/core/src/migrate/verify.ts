import type { StoredEntry } from '../adapter/stored-entries.js';
import type { ResultBackend } from '../result-backend.js';
import { compareDocuments } from './compare-documents.js';
import { decodeEntryExactly } from './exact-document.js';
import { enumerable, type EntryDifferences } from './migrate.js';
import type { EntryRef } from '../adapter/stored-entries.js';
import { AbortError } from '../errors.js';

export interface VerifyOptions {
  pageSize?: number;
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
  const report: VerificationReport = { ok: true, sourceCount: 0, targetCount: 0, missingCount: 0, missing: [], differingCount: 0, differing: [] };
  const sameFormat = source.format === target.format;
  for await (const page of source.scan({ pageSize: options.pageSize })) {
    if (options.signal?.aborted) throw new AbortError(options.signal.reason);
    const copies = await target.readEntries(page.entries);
    page.entries.forEach((entry, i) => {
      report.sourceCount++;
      const copy = copies[i];
      if (!copy) {
        report.missingCount++;
        if (report.missing.length < 100) report.missing.push({ kind: entry.kind, id: entry.id });
        return;
      }
      if (sameFormat && sameBytes(entry, copy)) return;
      const differences = compareDocuments(decodeEntryExactly(source, from.codec, entry), decodeEntryExactly(target, to.codec, copy));
      if (!differences.length) return;
      report.differingCount++;
      if (report.differing.length < 100) report.differing.push({ kind: entry.kind, id: entry.id, differences });
    });
    options.onProgress?.(report.sourceCount);
  }
  for await (const page of target.scan({ pageSize: options.pageSize })) report.targetCount += page.entries.length;
  report.ok = report.missingCount === 0 && report.differingCount === 0;
  return report;
}

function sameBytes(a: StoredEntry, b: StoredEntry): boolean {
  if (!a.bytes || !b.bytes || a.bytes.length !== b.bytes.length) return false;
  for (let i = 0; i < a.bytes.length; i++) if (a.bytes[i] !== b.bytes[i]) return false;
  return true;
}
