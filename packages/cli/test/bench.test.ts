import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, buildOnce, cli, fileUrl, redisPrefix, testDir } from './support.js';

beforeAll(buildOnce, 120_000);

interface BenchJson {
  backend: string;
  count: number;
  raw: string;
  operations: { operation: string; resultkit: { count: number; opsPerSecond: number; p50: number; p99: number }; raw: { opsPerSecond: number } | null }[];
}

function expectFigures(report: BenchJson, count: number): void {
  expect(report.operations.map((o) => o.operation)).toEqual(['store', 'get', 'wait']);
  for (const op of report.operations) {
    expect(op.resultkit.count).toBe(count);
    expect(op.resultkit.opsPerSecond).toBeGreaterThan(0);
    expect(op.resultkit.p99).toBeGreaterThanOrEqual(op.resultkit.p50);
  }
  expect(report.operations[0]!.raw!.opsPerSecond).toBeGreaterThan(0);
  expect(report.operations[1]!.raw!.opsPerSecond).toBeGreaterThan(0);
}

describe('resultkit bench', () => {
  it('measures Redis beside ioredis and leaves no key behind', async () => {
    const redis = redisPrefix('bench');
    const run = await cli(['bench', REDIS_URL, '--options', redis.json, '--count', '30', '--concurrency', '4', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as BenchJson;
    expect(report).toMatchObject({ backend: 'redis', count: 30, raw: 'ioredis SET/GET' });
    expectFigures(report, 30);
    const client = new Redis(REDIS_URL);
    try {
      // Results of the bench were forgotten; the raw keys were deleted.
      expect(await client.keys(`${redis.prefix}*resultkit-bench-*`)).toEqual([]);
      expect(await client.keys('resultkit-bench-*')).toEqual([]);
    } finally {
      client.disconnect();
    }
  });

  it('measures SQLite and file:// beside their raw drivers, as a table with ratios, and removes its scratch table and files', async () => {
    const dir = testDir();
    const sqlite = await cli(['bench', `db+sqlite:///${join(dir, 'results.db')}`, '--count', '20', '--concurrency', '2']);
    expect(sqlite.code, sqlite.stderr).toBe(0);
    expect(sqlite.stdout).toContain('raw driver: better-sqlite3 upsert/select');
    expect(sqlite.stdout).toMatch(/^store\s+\d+\s+[\d.]+\s+[\d.]+\s+\|\s+\d+\s+[\d.]+\s+[\d.]+\s+[\d.]+x$/m);
    const db = new Database(join(dir, 'results.db'), { readonly: true });
    try {
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
      expect(tables.some((t) => t.startsWith('resultkit_bench_'))).toBe(false);
      expect(db.prepare('SELECT count(*) AS n FROM celery_taskmeta').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }

    const files = testDir();
    const fs = await cli(['bench', fileUrl(files), '--count', '20', '--json']);
    expect(fs.code, fs.stderr).toBe(0);
    expectFigures(JSON.parse(fs.stdout) as BenchJson, 20);
    expect(readdirSync(files).filter((name) => !name.endsWith('.lock'))).toEqual([]);
  });
});
