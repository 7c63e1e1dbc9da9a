/**
 * Migration between the real services: Redis -> PostgreSQL and PostgreSQL -> Redis, with
 * states, exceptions, groups and TTLs, interrupted in the middle, resumed and verified. The
 * count is a knob (2,000 by default); the full size is
 *   RESULTKIT_MIGRATE_COUNT=100000 npx vitest run --project interop interop/migrate
 */
import { randomUUID } from 'node:crypto';
import { createBackend, migrate, states, type MigrationProgress } from '@resultkit/core';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
// The redis and sql options are declared by the adapter packages.
import type {} from '@resultkit/backend-redis';
import type {} from '@resultkit/backend-sql';

const COUNT = Number(process.env.RESULTKIT_MIGRATE_COUNT ?? 2_000);
const REDIS = 'redis://127.0.0.1:6379/12';
const PG = process.env.DATABASE_URL ? `db+${process.env.DATABASE_URL}` : 'db+postgresql://postgres@127.0.0.1:5432/test';

describe('migrate Redis <-> PostgreSQL', () => {
  it('Redis -> PostgreSQL -> Redis, interrupted, resumed, verified, nothing copied twice', async () => {
    const tag = randomUUID().slice(0, 8);
    const sql = { tableNames: { task: `mig_${tag}_task`, group: `mig_${tag}_group` } };
    const from = await createBackend(REDIS, { expires: 3600, redis: { keyPrefix: `a${tag}:` } });
    const pg = await createBackend(PG, { expires: 3600, sql });
    const back = await createBackend(REDIS, { expires: 3600, redis: { keyPrefix: `b${tag}:` } });
    const raw = new Redis(REDIS);
    const started = Date.now();
    try {
      const writes: Promise<void>[] = [];
      for (let i = 0; i < COUNT; i++) {
        const id = `t${i}`;
        if (i % 4 === 0) writes.push(from.markAsFailure(id, new Error(`boom ${i}`)));
        else writes.push(from.storeResult(id, { i, half: i / 2 }, i % 4 === 1 ? states.SUCCESS : states.RETRY));
        if (writes.length >= 500) await Promise.all(writes.splice(0));
      }
      await Promise.all(writes);
      await from.saveGroup('g1', ['t0', 't1']);
      const seeded = Date.now();

      let cursor: string | null = null;
      let pages = 0;
      await expect(
        migrate(from, pg, { pageSize: 500, onProgress: (p: MigrationProgress) => { cursor = p.cursor; if (p.phase === 'copy' && ++pages === 2) throw new Error('cut off'); } }),
      ).rejects.toThrow('cut off');
      const resumed = await migrate(from, pg, { pageSize: 500, resumeFrom: cursor });
      expect(resumed.verification).toMatchObject({ ok: true, sourceCount: COUNT + 1 });
      expect(resumed.lossy).toBe(0);
      const toPg = Date.now();
      expect((await pg.getTaskMeta('t1')).status).toBe(states.SUCCESS);
      expect((await pg.getTaskMeta('t0')).status).toBe(states.FAILURE);

      const report = await migrate(pg, back, { pageSize: 500 });
      expect(report).toMatchObject({ written: COUNT + 1, lossy: 0 });
      expect(report.verification?.ok).toBe(true);
      // From a store without expiry of its own: what `expires` leaves since date_done.
      const ttl = await raw.pttl(`b${tag}:celery-task-meta-t1`);
      expect(ttl).toBeGreaterThan(3_000_000);
      console.log(`[migrate] ${COUNT} results: seed ${seeded - started} ms, redis->pg ${toPg - seeded} ms (incl. verify), pg->redis ${Date.now() - toPg} ms (incl. verify)`);
    } finally {
      for (const prefix of [`a${tag}:`, `b${tag}:`]) {
        let c = '0';
        do {
          const [next, keys] = await raw.scan(c, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          if (keys.length) await raw.del(...keys);
          c = next;
        } while (c !== '0');
      }
      raw.disconnect();
      const adapter = pg.adapter as unknown as { dialect: { exec: { execute(sql: string): Promise<number> } } };
      await adapter.dialect.exec.execute(`DROP TABLE IF EXISTS mig_${tag}_task, mig_${tag}_group`);
      await Promise.all([from.close(), pg.close(), back.close()]);
    }
    // About 1 ms per result on a 2-core machine, both ways with verification.
  }, Math.max(120_000, COUNT * 3));
});
