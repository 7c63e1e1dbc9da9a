import { performance } from 'node:perf_hooks';
import { DEFAULT_EXPIRES, redactUrl } from '@resultkit/core';
import { ExitCode } from '../exit-codes.js';
import { openBackend, type BackendFlags } from '../open-backend.js';
import type { Output } from '../output.js';

export interface CleanupFlags extends BackendFlags {
  /** Seconds: results that became ready longer ago than this are deleted. */
  olderThan?: number;
}

/**
 * `resultkit cleanup <url>`: Celery's `backend_cleanup` without celery beat. Deletes results (and
 * saved groups) that became ready longer ago than `--older-than` (default Celery's
 * `result_expires`, one day) from stores that cannot expire entries by themselves: SQL deletes
 * rows by `date_done` in bounded batches, file:// removes files by modification time.
 */
export async function cleanup(url: string, flags: CleanupFlags, out: Output): Promise<ExitCode> {
  const seconds = flags.olderThan ?? DEFAULT_EXPIRES;
  // backend.cleanup() sweeps what is older than the backend's `expires`: the cutoff is set there.
  const backend = await openBackend(url, flags, out, { expires: seconds });
  try {
    if (!backend.adapter.cleanup) {
      out.line(
        backend.capabilities.selfExpiry
          ? `${redactUrl(url)}: the ${backend.adapter.name} backend expires results by itself (each has its TTL); nothing to sweep`
          : `${redactUrl(url)}: the ${backend.adapter.name} backend has no cleanup`,
      );
      return ExitCode.OK;
    }
    const cutoff = new Date(Date.now() - seconds * 1000);
    if (out.progress) out.note(`sweeping results ready before ${cutoff.toISOString()} ...`);
    const started = performance.now();
    const removed = await backend.cleanup();
    const elapsed = (performance.now() - started) / 1000;
    out.line(`removed ${removed} result${removed === 1 ? '' : 's'} ready before ${cutoff.toISOString()} (older than ${seconds} s) from ${redactUrl(url)} in ${elapsed.toFixed(1)} s`);
    return ExitCode.OK;
  } finally {
    await backend.close();
  }
}
