import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { states, type ResultBackend } from '@resultkit/core';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { PG_URL, REDIS_URL, buildOnce, cli, fileUrl, ownBackend, redisPrefix, sqlTables, testDir } from './support.js';

beforeAll(buildOnce, 120_000);

/** Three SUCCESS, one FAILURE, one STARTED and a saved group. */
async function seed(backend: ResultBackend): Promise<void> {
  for (const id of ['s1', 's2', 's3']) await backend.storeResult(id, id, states.SUCCESS);
  await backend.markAsFailure('f1', new Error('boom'));
  await backend.markAsStarted('r1', { pid: 1, hostname: 'w' });
  await backend.saveGroup('g1', ['s1', 's2']);
}

/** Sets `date_done` of a task row, as if it had finished long ago. */
async function agePgRow(table: string, taskId: string, dateDone: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL.slice(3) });
  await client.connect();
  try {
    await client.query(`UPDATE ${table} SET date_done = $1 WHERE task_id = $2`, [dateDone, taskId]);
  } finally {
    await client.end();
  }
}

describe('resultkit stats', () => {
  it('counts PostgreSQL rows by state and age, with the oldest result, as text and JSON', async () => {
    const tables = sqlTables(PG_URL, 'stats');
    await seed(await ownBackend(PG_URL, tables.options));
    const task = (JSON.parse(tables.json) as { sql: { tableNames: { task: string } } }).sql.tableNames.task;
    await agePgRow(task, 's2', '2020-01-02 03:04:05.678901');

    const json = await cli(['stats', PG_URL, '--options', tables.json, '--json', '--page-size', '2']);
    expect(json.code, json.stderr).toBe(0);
    const found = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(found).toMatchObject({
      results: 5,
      groups: 1,
      byState: { SUCCESS: 3, FAILURE: 1, STARTED: 1 },
      byAge: { 'under 1 hour': 3, 'over 30 days': 1, 'no date_done': 1 },
      oldest: { task_id: 's2', date_done: '2020-01-02T03:04:05.678Z' },
      unreadable: 0,
    });
    const text = await cli(['stats', PG_URL, '--options', tables.json]);
    expect(text.stdout).toContain('5 results, 1 saved group');
    expect(text.stdout).toMatch(/SUCCESS\s+3/);
    expect(text.stdout).toContain('oldest: s2, ready 2020-01-02T03:04:05.678Z');
  });

  it('counts Redis keys and files the same way', async () => {
    const redis = redisPrefix('stats');
    await seed(await ownBackend(REDIS_URL, redis.options));
    const dir = testDir();
    await seed(await ownBackend(fileUrl(dir)));
    for (const args of [[REDIS_URL, '--options', redis.json], [fileUrl(dir)]]) {
      const run = await cli(['stats', ...args, '--json']);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ results: 5, groups: 1, byState: { SUCCESS: 3, FAILURE: 1, STARTED: 1 }, byAge: { 'under 1 hour': 4, 'no date_done': 1 } });
    }
  });
});

describe('resultkit cleanup', () => {
  it('deletes PostgreSQL results ready before the cutoff and keeps the rest', async () => {
    const tables = sqlTables(PG_URL, 'cleanup');
    const backend = await ownBackend(PG_URL, tables.options);
    await seed(backend);
    const task = (JSON.parse(tables.json) as { sql: { tableNames: { task: string } } }).sql.tableNames.task;
    await agePgRow(task, 's1', '2020-01-01 00:00:00');
    await agePgRow(task, 'f1', new Date(Date.now() - 3 * 3_600_000).toISOString().replace('T', ' ').replace('Z', ''));

    const run = await cli(['cleanup', PG_URL, '--options', tables.json, '--older-than', '2h']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^removed 2 results ready before .* \(older than 7200 s\)/);
    expect((await backend.getTaskMeta('s1')).status).toBe('PENDING');
    expect((await backend.getTaskMeta('f1')).status).toBe('PENDING');
    expect((await backend.getTaskMeta('s2')).status).toBe('SUCCESS');
    expect((await backend.getTaskMeta('r1')).status).toBe('STARTED');
  });

  it('removes files older than the cutoff from a file:// store; Redis has nothing to sweep', async () => {
    const dir = testDir();
    const backend = await ownBackend(fileUrl(dir));
    await seed(backend);
    const old = new Date(Date.now() - 10 * 86_400_000);
    utimesSync(join(dir, 'celery-task-meta-s3'), old, old);
    const run = await cli(['cleanup', fileUrl(dir), '--older-than', '1w']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^removed 1 result ready before/);
    expect((await backend.getTaskMeta('s3')).status).toBe('PENDING');
    expect((await backend.getTaskMeta('s1')).status).toBe('SUCCESS');

    const redis = await cli(['cleanup', REDIS_URL]);
    expect(redis.code, redis.stderr).toBe(0);
    expect(redis.stdout).toContain('expires results by itself');
    const bad = await cli(['cleanup', fileUrl(dir), '--older-than', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--older-than takes a duration');
  });
});
