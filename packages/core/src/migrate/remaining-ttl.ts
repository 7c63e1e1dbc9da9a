import type { StoredEntry } from '../adapter/stored-entries.js';
import type { ResultBackend } from '../result-backend.js';
import { dateDoneMicros } from './compare-documents.js';

/**
 * The TTL an entry keeps in a store that expires entries: its own where the source has one;
 * otherwise the time left by the source's `expires` since `date_done` (what the source's
 * `cleanup()` would have gone by), or the target's `expires` for an unready result.
 */
export function remainingTtl(entry: StoredEntry, from: ResultBackend, to: ResultBackend, documentOf: () => Record<string, unknown>): number | null | undefined {
  if (entry.ttl !== undefined) return entry.ttl;
  const fallback = to.config.expires === null ? null : to.config.expires * 1000;
  if (from.config.expires === null) return fallback;
  const done = dateDoneMicros(entry.row ? entry.row.date_done : documentOf().date_done);
  if (done === null) return fallback;
  return Math.floor(Number(done / 1000n) + from.config.expires * 1000 - Date.now());
}
