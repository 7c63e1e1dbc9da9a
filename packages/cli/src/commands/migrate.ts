import { performance } from 'node:perf_hooks';
import {
  AbortError,
  migrate as migrateEntries,
  redactUrl,
  verifyMigration,
  type EntryDifferences,
  type MigrationProgress,
  type MigrationReport,
  type ResultBackend,
  type VerificationReport,
} from '@resultkit/core';
import { ExitCode } from '../exit-codes.js';
import { StateSaver, defaultStatePath, freshState, loadState, removeState, type MigrateState } from '../migrate-state.js';
import { openBackend, type BackendFlags } from '../open-backend.js';
import type { Output } from '../output.js';
import { Progress } from '../progress.js';

export interface MigrateFlags {
  dryRun?: boolean;
  resume?: boolean;
  stateFile?: string;
  verify: boolean;
  overwrite?: boolean;
  skipExisting?: boolean;
  allowLossy?: boolean;
  pageSize: number;
  fromSerializer?: string;
  fromAccept?: string;
  fromOptions?: string;
  toSerializer?: string;
  toAccept?: string;
  toOptions?: string;
  connectTimeout?: number;
}

const LISTED = 20;

/**
 * `resultkit migrate <from> <to>`: core's `migrate()` with a progress bar, a state file saved
 * after every page (so `--resume` continues where an interrupted run stopped), Ctrl-C that
 * stops between pages, and a summary with the verification's findings.
 */
export async function migrate(fromUrl: string, toUrl: string, flags: MigrateFlags, out: Output): Promise<ExitCode> {
  const statePath = flags.stateFile ?? defaultStatePath(fromUrl, toUrl);
  const saved = flags.resume ? await loadState(statePath, fromUrl, toUrl) : null;
  if (flags.resume && !saved) out.note(`no saved progress in ${statePath}: starting from the beginning`);
  const state: MigrateState = saved ?? freshState(fromUrl, toUrl);

  const side = (prefix: 'from' | 'to'): BackendFlags => ({
    serializer: flags[`${prefix}Serializer`],
    accept: flags[`${prefix}Accept`],
    options: flags[`${prefix}Options`],
    connectTimeout: flags.connectTimeout,
  });
  const from = await openBackend(fromUrl, side('from'), out);
  let to: ResultBackend | undefined;
  // The first Ctrl-C stops between pages (the cursor is saved); a second one ends at once.
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(ExitCode.INTERRUPTED);
    out.note('\ninterrupted: stopping after the current page (Ctrl-C again to quit at once)');
    controller.abort(new Error('interrupted by SIGINT'));
  };
  process.on('SIGINT', onSigint);
  try {
    to = await openBackend(toUrl, side('to'), out);
    out.line(`${flags.dryRun ? 'dry run: ' : ''}migrating ${redactUrl(fromUrl)} -> ${redactUrl(toUrl)}`);
    if (saved) out.line(`resuming from ${statePath} (${saved.scanned} entries read before${saved.copied ? ', copy complete: verifying only' : ''})`);
    const started = performance.now();
    if (state.copied) {
      const code = finishVerification(await verifyOnly(from, to, flags, controller.signal, out), out);
      if (code === ExitCode.OK) await removeState(statePath);
      return code;
    }
    const report = await copy(from, to, state, statePath, flags, controller.signal, out);
    const seconds = (performance.now() - started) / 1000;
    printSummary(report, seconds, flags, out);
    if (!flags.dryRun && report.verification === null) await removeState(statePath);
    if (report.verification) {
      const code = finishVerification(report.verification, out);
      if (code === ExitCode.OK) await removeState(statePath);
      return code;
    }
    return ExitCode.OK;
  } catch (error) {
    if (error instanceof AbortError && controller.signal.aborted) {
      out.note(`stopped after ${state.scanned} entries; progress saved in ${statePath}. Run the same command with --resume to continue.`);
      return ExitCode.INTERRUPTED;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
    await Promise.allSettled([from.close(), to?.close()]);
  }
}

async function copy(from: ResultBackend, to: ResultBackend, state: MigrateState, statePath: string, flags: MigrateFlags, signal: AbortSignal, out: Output): Promise<MigrationReport> {
  const total = out.progress ? await countEntries(from, flags.pageSize, signal) : null;
  const before = state.scanned;
  let bar = new Progress(out, flags.dryRun ? 'dry run' : 'copy', total);
  bar.resumeAt(before);
  const saver = new StateSaver(statePath);
  const save = (): void => saver.save({ ...state });
  const onProgress = (progress: MigrationProgress): void => {
    if (progress.phase === 'verify') {
      bar.update(progress.scanned);
      return;
    }
    state.scanned = before + progress.scanned;
    // After the last page the copy is complete: a resumed run only verifies.
    if (progress.cursor === null) state.copied = true;
    else state.cursor = progress.cursor;
    if (!flags.dryRun) save();
    bar.update(state.scanned);
    if (progress.cursor === null && flags.verify && !flags.dryRun) {
      // The verification starts now: the bar counts it from here.
      bar.stop();
      bar = new Progress(out, 'verify', total);
    }
  };
  try {
    const report = await migrateEntries(from, to, {
      existing: flags.overwrite ? 'overwrite' : 'skip',
      resumeFrom: state.cursor,
      pageSize: flags.pageSize,
      allowLossy: flags.allowLossy ?? false,
      verify: flags.verify,
      dryRun: flags.dryRun ?? false,
      signal,
      onProgress,
    });
    return report;
  } finally {
    bar.stop();
    await saver.flush();
  }
}

async function verifyOnly(from: ResultBackend, to: ResultBackend, flags: MigrateFlags, signal: AbortSignal, out: Output): Promise<VerificationReport> {
  const total = out.progress ? await countEntries(from, flags.pageSize, signal) : null;
  const bar = new Progress(out, 'verify', total);
  try {
    return await verifyMigration(from, to, { pageSize: flags.pageSize, signal, onProgress: (checked) => bar.update(checked) });
  } finally {
    bar.stop();
  }
}

/** How many entries the source lists (one scan, a page at a time): the progress bar's total. */
async function countEntries(backend: ResultBackend, pageSize: number, signal: AbortSignal): Promise<number | null> {
  const entries = backend.adapter.entries;
  if (!entries) return null;
  let count = 0;
  for await (const page of entries.scan({ pageSize })) {
    if (signal.aborted) throw new AbortError(signal.reason);
    count += page.entries.length;
  }
  return count;
}

function printSummary(report: MigrationReport, seconds: number, flags: MigrateFlags, out: Output): void {
  const rate = seconds > 0 ? Math.round(report.scanned / seconds) : report.scanned;
  const verb = flags.dryRun ? 'would write' : 'written';
  out.line(
    `${report.scanned} read, ${report.written} ${verb}, ${report.skipped} skipped (already on the target), ` +
      `${report.kept} kept (SUCCESS on the target), ${report.expired} expired, ${report.lossy} lossy`,
  );
  out.line(`${report.raw ? 'copied byte for byte (same format)' : 'converted through the Celery document'} in ${seconds.toFixed(1)} s, ${rate} entries/s`);
  if (report.narrowings.length) {
    out.line(`lossy entries (the target holds them less exactly, copied with --allow-lossy):`);
    listDifferences(report.narrowings, out);
  }
}

/** Prints the verification and returns the exit code: differences fail the command. */
function finishVerification(verification: VerificationReport, out: Output): ExitCode {
  if (verification.ok) {
    out.line(`verified: all ${verification.sourceCount} source entries are on the target and read the same (the target holds ${verification.targetCount})`);
    return ExitCode.OK;
  }
  out.line(`verification FAILED: ${verification.missingCount} missing, ${verification.differingCount} differing, of ${verification.sourceCount} source entries`);
  for (const ref of verification.missing.slice(0, LISTED)) out.line(`  missing ${ref.kind} ${ref.id}`);
  listDifferences(verification.differing, out);
  const listed = Math.min(verification.missing.length, LISTED) + Math.min(verification.differing.length, LISTED);
  const all = verification.missingCount + verification.differingCount;
  if (all > listed) out.line(`  ... and ${all - listed} more`);
  return ExitCode.FAILURE;
}

function listDifferences(entries: readonly EntryDifferences[], out: Output): void {
  for (const entry of entries.slice(0, LISTED)) {
    out.line(`  differs ${entry.kind} ${entry.id}`);
    for (const d of entry.differences) out.line(`    ${d.path}: ${d.source} -> ${d.target}`);
  }
}
