/**
 * SQLite -> MariaDB at full size (100,000 results by default, `RESULTKIT_MIGRATE_COUNT`):
 * every state, exceptions with tracebacks and saved groups, from rows of different ages;
 * aborted in the middle, resumed from the cursor and verified entry by entry. The MariaDB
 * tables keep microseconds (`DATETIME(6)`), so both stores keep the same format and rows are
 * copied as they are; into Celery's own `DATETIME` the copy would stop on the first narrowing
 * (see backend-sql's entries test).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createBackend, type ResultBackend } from '@resultkit/core';
import type { SqlAdapter } from '@resultkit/backend-sql';
import { describe, expect, it } from 'vitest';
import { COUNT, expectReadable, migrateInterrupted, seed } from './scenario.js';
import { MYSQL_URL } from './services.js';

describe('migrate SQLite -> MariaDB', () => {
  it(`copies ${COUNT.toLocaleString('en-US')} results and their groups row for row, aborted, resumed, verified`, async () => {
    const tag = randomUUID().slice(0, 8);
    const dir = mkdtempSync(join(tmpdir(), 'resultkit-migrate-'));
    const tables = { task: `mig_sm_${tag}_task`, group: `mig_sm_${tag}_group` };
    const open = (url: string): Promise<ResultBackend> => createBackend(url, { expires: 3600, sql: { tableNames: tables } });
    const from = await open(`db+sqlite:///${dir}/results.db`);
    // Created as Celery would, then given microseconds; reopened to see the new columns.
    const created = await open(MYSQL_URL);
    const maria = (created.adapter as SqlAdapter).dialect.exec;
    let to: ResultBackend | null = null;
    try {
      for (const table of [tables.task, tables.group]) await maria.execute(`ALTER TABLE ${table} MODIFY date_done DATETIME(6) NULL`);
      to = await open(MYSQL_URL);
      const started = Date.now();
      await seed(from);
      const sqlite = (from.adapter as SqlAdapter).dialect.exec;
      await sqlite.execute(`UPDATE ${tables.task} SET date_done = strftime('%Y-%m-%d %H:%M:%f000', date_done, '-50 minutes') WHERE task_id LIKE 't%8'`);
      const seeded = Date.now();

      const run = await migrateInterrupted(from, to);
      const copied = Date.now();
      expect(run.resumed.raw).toBe(true);
      await expectReadable(to);
      // date_done to the microsecond (the verification compares it too): what cleanup() ages rows by.
      const [source, target] = await Promise.all([from.getTaskMeta('t8'), to.getTaskMeta('t8')]);
      expect(target.dateDone?.getTime()).toBe(source.dateDone?.getTime());
      expect(Date.now() - target.dateDone!.getTime()).toBeGreaterThan(50 * 60_000);
      console.log(`[migrate] SQLite -> MariaDB, ${COUNT} results: seed ${seeded - started} ms, copy (aborted, resumed) and verify ${copied - seeded} ms`);
    } finally {
      await maria.execute(`DROP TABLE IF EXISTS ${tables.task}, ${tables.group}`);
      await Promise.all([from.close(), created.close(), to?.close()]);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
