import { createBackend, migrate, MigrationLossError, states, type MigrationProgress } from '@resultkit/core';
import { describe, expect, it } from 'vitest';
import { dropTables, MYSQL_URL, openBackend, PG_URL, removeTempDir, sqliteUrl, tempDir, uniqueTables } from './support.js';

// Entries per run: a few seconds by default; RESULTKIT_MIGRATE_COUNT=100000 for the full size.
const COUNT = Number(process.env.RESULTKIT_MIGRATE_COUNT ?? 1_000);

async function seed(url: string) {
  const from = await createBackend(url, { expires: 3600 });
  for (let i = 0; i < COUNT; i++) {
    if (i % 4 === 0) await from.markAsFailure(`t${i}`, new Error(`boom ${i}`));
    else await from.storeResult(`t${i}`, { i, half: i / 2 }, i % 4 === 1 ? states.SUCCESS : states.STARTED);
  }
  await from.saveGroup('g1', ['t0', 't1']);
  return from;
}

describe('SQL entries and migrate', () => {
  it('memory -> SQLite -> PostgreSQL, interrupted and resumed, verified, nothing copied twice', async () => {
    const dir = tempDir();
    const tables = uniqueTables('mig');
    const from = await seed(`memory://sql-mig-${tables.task}`);
    const sqlite = await openBackend(sqliteUrl(`${dir}/r.db`), tables, { expires: 3600 });
    const pg = await openBackend(PG_URL, tables, { expires: 3600 });
    try {
      const first = await migrate(from, sqlite, { pageSize: 250 });
      expect(first).toMatchObject({ raw: false, written: COUNT + 1, lossy: 0 });
      expect(first.verification?.ok).toBe(true);
      let cursor: string | null = null;
      let pages = 0;
      await expect(
        migrate(sqlite, pg, { pageSize: 100, onProgress: (p: MigrationProgress) => { cursor = p.cursor; if (++pages === 2) throw new Error('cut off'); } }),
      ).rejects.toThrow('cut off');
      // Pages after the cursor may have been written too (several are written at once): the
      // resumed run finds those and skips them.
      const firstRun = await pg.adapter.entries!.count!();
      expect(firstRun).toBeGreaterThanOrEqual(200);
      const resumed = await migrate(sqlite, pg, { pageSize: 100, resumeFrom: cursor });
      expect(resumed.raw).toBe(true);
      expect(resumed.written + resumed.skipped).toBe(COUNT + 1 - 200);
      expect(resumed.skipped).toBe(firstRun - 200);
      expect(resumed.verification).toMatchObject({ ok: true, sourceCount: COUNT + 1 });
      expect((await pg.getTaskMeta('t1')).status).toBe(states.SUCCESS);
      expect((await pg.getTaskMeta('t0')).status).toBe(states.FAILURE);
      expect((await pg.restoreGroup('g1'))?.results.map((r) => r.id)).toEqual(['t0', 't1']);

      // PostgreSQL -> Redis-like store (memory) and back: the value path, exact.
      const back = await createBackend(`memory://sql-back-${tables.task}`);
      const out = await migrate(pg, back, { pageSize: 300 });
      expect(out.verification?.ok).toBe(true);
      await back.close();
    } finally {
      await Promise.all([from.close(), sqlite.close(), pg.close()]);
      await dropTables('postgresql', PG_URL, tables);
      removeTempDir(dir);
    }
  }, 60_000);

  it('SQLite -> MariaDB: microseconds Celery\'s DATETIME cannot hold stop the copy unless allowLossy', async () => {
    const dir = tempDir();
    const tables = uniqueTables('migmy');
    const sqlite = await openBackend(sqliteUrl(`${dir}/r.db`), tables);
    const maria = await openBackend(MYSQL_URL, tables);
    try {
      await sqlite.storeResult('a', 1);
      await sqlite.markAsStarted('b');
      const digits = maria.adapter.entries!.format.split(':').pop();
      if (digits === '0') {
        await expect(migrate(sqlite, maria)).rejects.toThrow(MigrationLossError);
        const report = await migrate(sqlite, maria, { allowLossy: true });
        expect(report.lossy).toBe(1);
        expect(report.narrowings[0]!.differences[0]!.path).toBe('date_done');
      } else {
        expect((await migrate(sqlite, maria)).verification?.ok).toBe(true);
      }
      expect((await maria.getTaskMeta('a')).result).toBe(1);
      expect((await maria.getTaskMeta('b')).status).toBe(states.STARTED);
    } finally {
      await Promise.all([sqlite.close(), maria.close()]);
      await dropTables('mysql', MYSQL_URL, tables);
      removeTempDir(dir);
    }
  }, 60_000);
});
