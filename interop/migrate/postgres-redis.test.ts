/**
 * PostgreSQL -> Redis at full size (100,000 results by default, `RESULTKIT_MIGRATE_COUNT`):
 * every state, exceptions with tracebacks and saved groups, from rows of different ages, so
 * each copy's Redis TTL is what the source's `expires` leaves it and the rows whose time is up
 * are not copied; aborted in the middle, resumed from the cursor and verified entry by entry.
 */
import { randomUUID } from 'node:crypto';
import { createBackend } from '@resultkit/core';
import type { SqlAdapter } from '@resultkit/backend-sql';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type {} from '@resultkit/backend-redis';
import { COUNT, expectReadable, migrateInterrupted, seed } from './scenario.js';
import { deleteKeys, PG_URL, REDIS_URL } from './services.js';

describe('migrate PostgreSQL -> Redis', () => {
  it(`copies ${COUNT.toLocaleString('en-US')} results and their groups with their remaining TTLs, aborted, resumed, verified`, async () => {
    const tag = randomUUID().slice(0, 8);
    const prefix = `mig-pr-${tag}:`;
    const tables = { task: `mig_pr_${tag}_task`, group: `mig_pr_${tag}_group` };
    const from = await createBackend(PG_URL, { expires: 3600, sql: { tableNames: tables } });
    const to = await createBackend(REDIS_URL, { expires: 3600, redis: { keyPrefix: prefix } });
    const sql = (from.adapter as SqlAdapter).dialect.exec;
    const raw = new Redis(REDIS_URL);
    try {
      const started = Date.now();
      await seed(from);
      // Ages: results ending in 8 were done 50 minutes ago (10 of the hour left), in 9 two
      // hours ago (their time is up: not copied into a store that expires entries).
      await sql.execute(`UPDATE ${tables.task} SET date_done = date_done - interval '50 minutes' WHERE task_id LIKE 't%8'`);
      await sql.execute(`UPDATE ${tables.task} SET date_done = date_done - interval '2 hours' WHERE task_id LIKE 't%9'`);
      const seeded = Date.now();

      const run = await migrateInterrupted(from, to, COUNT / 10);
      const copied = Date.now();
      expect(run.resumed.raw).toBe(false);
      await expectReadable(to, (i) => i % 10 === 9);
      // The remaining TTL: an hour for fresh results, ten minutes for the aged ones (less the
      // time the test took since they were stored), none for the expired ones.
      const elapsed = Date.now() - started;
      const fresh = await raw.pttl(`${prefix}celery-task-meta-t7`);
      const aged = await raw.pttl(`${prefix}celery-task-meta-t8`);
      expect(fresh).toBeGreaterThan(3_600_000 - elapsed - 1_000);
      expect(fresh).toBeLessThanOrEqual(3_600_000);
      expect(aged).toBeGreaterThan(600_000 - elapsed - 1_000);
      expect(aged).toBeLessThanOrEqual(600_000);
      expect(await raw.exists(`${prefix}celery-task-meta-t9`)).toBe(0);
      console.log(`[migrate] PostgreSQL -> Redis, ${COUNT} results: seed ${seeded - started} ms, copy (aborted, resumed) and verify ${copied - seeded} ms`);
    } finally {
      await deleteKeys(raw, prefix);
      raw.disconnect();
      await sql.execute(`DROP TABLE IF EXISTS ${tables.task}, ${tables.group}`);
      await Promise.all([from.close(), to.close()]);
    }
  }, 300_000);
});
