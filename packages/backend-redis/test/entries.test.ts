import { randomUUID } from 'node:crypto';
import { createBackend, migrate, states, type MigrationProgress } from '@resultkit/core';
import { redisOptions } from '../src/index.js';
import { describe, expect, it } from 'vitest';
import { rawClient, TEST_URL } from './support.js';

// Each test works under a key prefix of its own, so SCAN lists only its keys. The count is a
// knob: 2,000 by default (a few seconds); the full-size run is
//   RESULTKIT_MIGRATE_COUNT=100000 npx vitest run --project backend-redis packages/backend-redis/test/entries
const COUNT = Number(process.env.RESULTKIT_MIGRATE_COUNT ?? 2_000);

describe('Redis entries and migrate', () => {
  it('migrates memory -> Redis -> memory with TTLs, interrupted and resumed, verified, nothing copied twice', async () => {
    const prefix = `mig-${randomUUID().slice(0, 8)}:`;
    const from = await createBackend(`memory://redis-mig-${prefix}`, { expires: 3600 });
    for (let i = 0; i < COUNT; i++) {
      const id = `t${i}`;
      if (i % 4 === 0) await from.markAsFailure(id, new Error(`boom ${i}`));
      else await from.storeResult(id, { i }, i % 4 === 1 ? states.SUCCESS : states.RETRY);
    }
    await from.saveGroup('g1', ['t0', 't1']);
    const redis = await createBackend(TEST_URL, { expires: 3600, redis: redisOptions({ keyPrefix: prefix }) });
    const raw = rawClient();
    try {
      const stop = new AbortController();
      let cursor: string | null = null;
      let pages = 0;
      await expect(
        migrate(from, redis, {
          pageSize: 200,
          signal: stop.signal,
          onProgress: (p: MigrationProgress) => {
            cursor = p.cursor;
            if (++pages === 3) stop.abort();
          },
        }),
      ).rejects.toThrow(/aborted/);
      const firstRun = (await raw.keys(`${prefix}*`)).length;
      // The cursor's 600, and pages written at once after them, which the resumed run skips.
      expect(firstRun).toBeGreaterThanOrEqual(600);
      const second = await migrate(from, redis, { pageSize: 200, resumeFrom: cursor });
      expect(second.written + firstRun).toBe(COUNT + 1);
      expect(second.skipped).toBe(firstRun - 600);
      expect(second.verification).toMatchObject({ ok: true, sourceCount: COUNT + 1, targetCount: COUNT + 1 });
      const ttl = await raw.pttl(`${prefix}celery-task-meta-t1`);
      expect(ttl).toBeGreaterThan(3_500_000);

      // And back: SCAN pages (with their cursor) into a fresh memory store.
      const back = await createBackend(`memory://redis-back-${prefix}`);
      const report = await migrate(redis, back, { pageSize: 300 });
      expect(report.written).toBe(COUNT + 1);
      expect(report.verification?.ok).toBe(true);
      expect((await back.getTaskMeta('t1')).status).toBe(states.SUCCESS);
      await back.close();
    } finally {
      const keys = await raw.keys(`${prefix}*`);
      if (keys.length) await raw.del(...keys);
      raw.disconnect();
      await Promise.all([from.close(), redis.close()]);
    }
  }, 60_000);
});
