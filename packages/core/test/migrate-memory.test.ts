import { describe, expect, it } from 'vitest';
import { createBackend, migrate, MigrationLossError, PyDatetime, PyFloat, PyTuple, states, verifyMigration, type MigrationProgress } from '../src/index.js';
import { createPickleSerializer } from '../../serializer-pickle/src/index.js';

let n = 0;
const fresh = () => `memory://migrate-${process.pid}-${++n}`;

async function seed(url: string, count: number) {
  const backend = await createBackend(url, { expires: 3600 });
  for (let i = 0; i < count; i++) {
    const id = `t-${String(i).padStart(5, '0')}`;
    if (i % 3 === 0) await backend.markAsFailure(id, new Error(`boom ${i}`));
    else await backend.storeResult(id, { i, half: i / 2 }, i % 3 === 1 ? states.SUCCESS : states.STARTED);
  }
  await backend.saveGroup('g-1', ['t-00000', 't-00001']);
  return backend;
}

describe('migrate between memory backends', () => {
  it('copies every result and group byte for byte, keeps the TTL and verifies', async () => {
    const from = await seed(fresh(), 50);
    const to = await createBackend(fresh(), { expires: 3600 });
    const report = await migrate(from, to, { pageSize: 7 });
    expect(report).toMatchObject({ raw: true, scanned: 51, written: 51, skipped: 0, lossy: 0 });
    expect(report.verification).toMatchObject({ ok: true, sourceCount: 51, targetCount: 51 });
    expect((await to.getTaskMeta('t-00001')).status).toBe(states.SUCCESS);
    expect((await to.restoreGroup('g-1'))?.results.map((r) => r.id)).toEqual(['t-00000', 't-00001']);
    const [entry] = await to.adapter.entries!.readEntries([{ kind: 'task', id: 't-00001' }]);
    expect(entry!.ttl).toBeGreaterThan(3_500_000);
    expect(entry!.ttl).toBeLessThanOrEqual(3_600_000);
    await Promise.all([from.close(), to.close()]);
  });

  it('an interrupted copy resumes from the last cursor and copies nothing twice', async () => {
    const from = await seed(fresh(), 200);
    const to = await createBackend(fresh());
    let saved: string | null = null;
    let pages = 0;
    const stop = new AbortController();
    const first = migrate(from, to, {
      pageSize: 20,
      signal: stop.signal,
      onProgress: (p: MigrationProgress) => {
        if (p.phase !== 'copy') return;
        saved = p.cursor;
        if (++pages === 4) stop.abort();
      },
    });
    await expect(first).rejects.toThrow(/aborted/);
    const written = (await verifyMigration(from, to)).sourceCount - (await verifyMigration(from, to)).missingCount;
    // The cursor's 80, and pages written at once after them, which the resumed run skips.
    expect(written).toBeGreaterThanOrEqual(80);
    const second = await migrate(from, to, { pageSize: 20, resumeFrom: saved });
    expect(second.written + written).toBe(201);
    expect(second.skipped).toBe(written - 80);
    expect(second.verification?.ok).toBe(true);
    await Promise.all([from.close(), to.close()]);
  });

  it('never replaces a SUCCESS on the target, even with overwrite', async () => {
    const from = await createBackend(fresh());
    const to = await createBackend(fresh());
    await from.markAsStarted('x');
    await to.storeResult('x', 42);
    const report = await migrate(from, to, { existing: 'overwrite', verify: false });
    expect(report.kept).toBe(1);
    expect((await to.getTaskMeta('x')).result).toBe(42);
    await Promise.all([from.close(), to.close()]);
  });

  it('refuses a narrowing without allowLossy and reports it with it', async () => {
    const pickle = createPickleSerializer();
    const from = await createBackend(fresh(), { serializer: 'pickle', accept: ['pickle'], serializers: [pickle] });
    const to = await createBackend(fresh());
    const when = new PyDatetime('2026-01-02T03:04:05.678901+02:00', 7200);
    await from.storeResult('dt', { when, pair: PyTuple.of(1, 2), three: new PyFloat(3) });
    await expect(migrate(from, to)).rejects.toThrow(MigrationLossError);
    expect((await to.adapter.entries!.readEntries([{ kind: 'task', id: 'dt' }]))[0]).toBeNull();
    const report = await migrate(from, to, { allowLossy: true });
    expect(report.lossy).toBe(1);
    const paths = report.narrowings[0]!.differences.map((d) => d.path).sort();
    expect(paths).toEqual(['result.pair', 'result.when']);
    expect(report.verification?.ok).toBe(false);
    await Promise.all([from.close(), to.close()]);
  });

  it('keeps datetimes, tuples and floats exactly between two pickle stores of different names', async () => {
    const pickle = createPickleSerializer();
    const from = await createBackend(fresh(), { serializer: 'pickle', accept: ['pickle'], serializers: [pickle] });
    const to = await createBackend(fresh(), { serializer: 'pickle', accept: ['pickle'], serializers: [pickle] });
    await from.storeResult('dt', { when: new PyDatetime('2026-01-02T03:04:05.678901+02:00', 7200), pair: PyTuple.of(1, 2), three: new PyFloat(3) });
    const report = await migrate(from, to);
    expect(report).toMatchObject({ raw: true, written: 1, lossy: 0 });
    expect(report.verification?.ok).toBe(true);
    await Promise.all([from.close(), to.close()]);
  });

  it('refuses a backend that cannot list its results with the reason', async () => {
    const from = await createBackend(fresh());
    const to = await createBackend(fresh());
    Object.defineProperty(from.adapter, 'entries', { value: undefined });
    Object.defineProperty(from.adapter, 'name', { value: 'rpc' });
    await expect(migrate(from, to)).rejects.toThrow(/rpc:\/\/ results are messages/);
    await Promise.all([from.close(), to.close()]);
  });
});
