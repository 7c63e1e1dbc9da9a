/**
 * The migration scenario the three full-size suites share: a store seeded with every kind of
 * result (SUCCESS, FAILURE with exceptions and tracebacks, RETRY, STARTED, a custom state with
 * meta, REVOKED) and saved groups; a copy aborted in the middle, resumed from the last cursor,
 * and verified entry by entry; then a sample read back through the target as a client would.
 */
import { AbortError, migrate, RemoteTaskError, states, type MigrationProgress, type MigrationReport, type ResultBackend } from '@resultkit/core';
import { expect } from 'vitest';

/**
 * Results per suite: 100,000 by default (about 1 to 2 minutes per suite on a 2-core machine);
 * `RESULTKIT_MIGRATE_COUNT` changes it (a multiple of 10 keeps every kind equally common).
 */
export const COUNT = Number(process.env.RESULTKIT_MIGRATE_COUNT ?? 100_000);
/** One saved group (of ten members) per this many results. */
const GROUP_EVERY = 100;
export const GROUPS = Math.floor(COUNT / GROUP_EVERY);

/** The kind of result `t<i>` holds, by its last digit (aged or kept-forever ones end in 8 and 9). */
const KINDS = ['success', 'failure', 'retry', 'started', 'progress', 'revoked', 'jsFailure', 'success', 'success', 'success'] as const;
export const kindOf = (i: number): (typeof KINDS)[number] => KINDS[i % 10]!;

const TRACEBACK = 'Traceback (most recent call last):\n  File "tasks.py", line 7, in charge\ntasks.QuotaExceeded: over quota\n';

/** Stores `COUNT` results and `GROUPS` saved groups, many at a time. */
export async function seed(backend: ResultBackend): Promise<void> {
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < COUNT; i++) {
    inFlight.push(storeOne(backend, i));
    if (inFlight.length >= 1_000) await Promise.all(inFlight.splice(0));
  }
  for (let g = 0; g < GROUPS; g++) {
    inFlight.push(backend.saveGroup(`g${g}`, Array.from({ length: 10 }, (_, k) => `t${g * GROUP_EVERY + k}`)));
    if (inFlight.length >= 1_000) await Promise.all(inFlight.splice(0));
  }
  await Promise.all(inFlight);
}

function storeOne(backend: ResultBackend, i: number): Promise<void> {
  const id = `t${i}`;
  switch (kindOf(i)) {
    case 'failure':
      return backend.markAsFailure(id, new RemoteTaskError({ excType: 'QuotaExceeded', excModule: 'tasks', excArgs: ['over quota', i] }), { traceback: TRACEBACK });
    case 'retry':
      return backend.markAsRetry(id, new RemoteTaskError({ excType: 'ConnectionError', excModule: 'builtins', excArgs: [`attempt ${i % 3}`] }), { traceback: 'tb' });
    case 'started':
      return backend.markAsStarted(id, { pid: 1000 + (i % 50), hostname: `worker${i % 4}@host` });
    case 'progress':
      return backend.updateState(id, 'PROGRESS', { current: i % 7, total: 7 });
    case 'revoked':
      return backend.markAsRevoked(id, 'terminated');
    case 'jsFailure':
      return backend.markAsFailure(id, new TypeError(`not a function: ${i}`));
    default:
      return backend.storeResult(id, { i, half: i / 2, label: `result ${i}`, tags: ['a', i % 3 === 0] });
  }
}

export interface InterruptedRun {
  /** The aborted run's last progress event. */
  atAbort: MigrationProgress;
  /** Entries on the target right after the abort (the cursor's, and pages written at once after them). */
  onTargetAfterAbort: number;
  resumed: MigrationReport;
}

/**
 * Runs `migrate` until about half the entries are copied, aborts it with a signal, then
 * resumes from the last cursor, and checks the two runs together copied every entry once.
 */
export async function migrateInterrupted(from: ResultBackend, to: ResultBackend, expired = 0): Promise<InterruptedRun> {
  const total = COUNT + GROUPS;
  const stop = new AbortController();
  let atAbort: MigrationProgress | null = null;
  const first = migrate(from, to, {
    signal: stop.signal,
    onProgress: (p) => {
      if (p.phase !== 'copy' || stop.signal.aborted) return;
      atAbort = p;
      if (p.scanned >= total / 2) stop.abort();
    },
  });
  await expect(first).rejects.toBeInstanceOf(AbortError);
  const cut = atAbort! as MigrationProgress;
  expect(cut.cursor).not.toBeNull();
  expect(cut.scanned).toBeLessThan(total);
  const onTargetAfterAbort = await to.adapter.entries!.count!();
  // Pages written at once after the cursor's are on the target too, never fewer than it counted.
  expect(onTargetAfterAbort).toBeGreaterThanOrEqual(cut.written);

  const resumed = await migrate(from, to, { resumeFrom: cut.cursor });
  // The resumed run starts after the cursor's entries and reads each of the rest once.
  expect(cut.scanned + resumed.scanned).toBe(total);
  expect(cut.expired + resumed.expired).toBe(expired);
  // Nothing copied twice: what the aborted run wrote past its cursor is found and skipped,
  // and every entry was written by exactly one of the two runs.
  expect(resumed.skipped).toBe(onTargetAfterAbort - cut.written);
  expect(onTargetAfterAbort + resumed.written).toBe(total - expired);
  expect(resumed.kept).toBe(0);
  expect(resumed.lossy).toBe(0);
  expect(resumed.verification).toMatchObject({
    ok: true,
    sourceCount: total,
    targetCount: total - expired,
    expiredCount: expired,
    missingCount: 0,
    differingCount: 0,
  });
  return { atAbort: cut, onTargetAfterAbort, resumed };
}

/** Reads a sample of every kind back through the target as a client would. */
export async function expectReadable(target: ResultBackend, skip: (i: number) => boolean = () => false): Promise<void> {
  const sample = [0, 1, 2, 3, 4, 5, 6, 7, COUNT - 10, COUNT - 9, COUNT - 5, COUNT - 4].filter((i) => !skip(i));
  for (const i of sample) {
    const meta = await target.getTaskMeta(`t${i}`);
    switch (kindOf(i)) {
      case 'failure': {
        expect(meta.status).toBe(states.FAILURE);
        const error = meta.result as RemoteTaskError;
        expect(error).toBeInstanceOf(RemoteTaskError);
        expect([error.excModule, error.excType, error.excArgs]).toEqual(['tasks', 'QuotaExceeded', ['over quota', i]]);
        expect(meta.traceback).toBe(TRACEBACK);
        break;
      }
      case 'retry':
        expect(meta.status).toBe(states.RETRY);
        expect((meta.result as RemoteTaskError).excArgs).toEqual([`attempt ${i % 3}`]);
        break;
      case 'started':
        expect(meta).toMatchObject({ status: states.STARTED, result: { pid: 1000 + (i % 50), hostname: `worker${i % 4}@host` } });
        break;
      case 'progress':
        expect(meta).toMatchObject({ status: 'PROGRESS', result: { current: i % 7, total: 7 } });
        break;
      case 'revoked':
        expect(meta.status).toBe(states.REVOKED);
        expect((meta.result as RemoteTaskError).excType).toBe('TaskRevokedError');
        break;
      case 'jsFailure':
        expect(meta.status).toBe(states.FAILURE);
        expect((meta.result as RemoteTaskError).excType).toBe('TypeError');
        break;
      default:
        expect(meta).toMatchObject({ status: states.SUCCESS, result: { i, half: i / 2, label: `result ${i}`, tags: ['a', i % 3 === 0] } });
    }
  }
  const group = await target.restoreGroup(`g${GROUPS - 1}`);
  expect(group?.results.map((r) => r.id)).toEqual(Array.from({ length: 10 }, (_, k) => `t${(GROUPS - 1) * GROUP_EVERY + k}`));
}
