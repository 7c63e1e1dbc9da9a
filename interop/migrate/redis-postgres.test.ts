/**
 * Redis -> PostgreSQL at full size (100,000 results by default, `RESULTKIT_MIGRATE_COUNT`):
 * every state, exceptions with tracebacks, saved groups and TTLs (some entries expire sooner,
 * some never), aborted in the middle, resumed from the cursor and verified entry by entry.
 */
import { randomUUID } from 'node:crypto';
import { createBackend, states } from '@resultkit/core';
import type { SqlAdapter } from '@resultkit/backend-sql';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type {} from '@resultkit/backend-redis';
import { COUNT, expectReadable, migrateInterrupted, seed } from './scenario.js';
import { deleteKeys, PG_URL, REDIS_URL } from './services.js';

describe('migrate Redis -> PostgreSQL', () => {
  it(`copies ${COUNT.toLocaleString('en-US')} results and their groups, aborted, resumed, verified`, async () => {
    const tag = randomUUID().slice(0, 8);
    const prefix = `mig-rp-${tag}:`;
    const tables = { task: `mig_rp_${tag}_task`, group: `mig_rp_${tag}_group` };
    const from = await createBackend(REDIS_URL, { expires: 3600, redis: { keyPrefix: prefix } });
    const to = await createBackend(PG_URL, { expires: 3600, sql: { tableNames: tables } });
    const raw = new Redis(REDIS_URL);
    try {
      const started = Date.now();
      await seed(from);
      // Remaining TTLs that differ: results ending in 8 expire in ten minutes, in 9 never.
      const ttls = raw.pipeline();
      for (let i = 8; i < COUNT; i += 10) ttls.pexpire(`${prefix}celery-task-meta-t${i}`, 600_000);
      for (let i = 9; i < COUNT; i += 10) ttls.persist(`${prefix}celery-task-meta-t${i}`);
      await ttls.exec();
      const seeded = Date.now();

      const run = await migrateInterrupted(from, to);
      const copied = Date.now();
      expect(run.resumed.raw).toBe(false);
      await expectReadable(to);
      // PostgreSQL keeps no TTL: date_done (compared to the microsecond by the verification)
      // is what its cleanup() ages rows by, as Celery's does.
      const source = await from.getTaskMeta('t8');
      const target = await to.getTaskMeta('t8');
      expect(target.status).toBe(states.SUCCESS);
      expect(target.dateDone?.getTime()).toBe(source.dateDone?.getTime());
      console.log(`[migrate] Redis -> PostgreSQL, ${COUNT} results: seed ${seeded - started} ms, copy (aborted, resumed) and verify ${copied - seeded} ms`);
    } finally {
      await deleteKeys(raw, prefix);
      raw.disconnect();
      await (to.adapter as SqlAdapter).dialect.exec.execute(`DROP TABLE IF EXISTS ${tables.task}, ${tables.group}`);
      await Promise.all([from.close(), to.close()]);
    }
  }, 300_000);
});
