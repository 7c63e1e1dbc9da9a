import { join } from 'node:path';
import { ConfigurationError, createBackend, states } from '@resultkit/core';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteDialect } from '../src/engines/sqlite/dialect.js';
import { registerBehaviourTests } from './behaviour.js';
import { adapterOf, openBackend, removeTempDir, sqliteUrl, tempDir, uniqueTables, withRaw } from './support.js';

const dir = tempDir();
const url = sqliteUrl(`${dir}/behaviour.sqlite`);
registerBehaviourTests('sqlite', url);
afterAll(() => removeTempDir(dir));

describe('sqlite: files, memory and handles', () => {
  it('stores date_done as SQLAlchemy does: text YYYY-MM-DD HH:MM:SS.ffffff', async (ctx) => {
    const t = uniqueTables('sq_text');
    const backend = await openBackend(url, t);
    ctx.onTestFinished(() => backend.close());
    await backend.storeResult('text', 1);
    const [row] = await withRaw('sqlite', url, (q) => q(`SELECT date_done AS d, typeof(date_done) AS t FROM ${t.task}`));
    expect(row!.t).toBe('text');
    expect(String(row!.d)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
  });

  it("compression is refused, as Celery's database backend never compresses", async () => {
    const error = await createBackend(sqliteUrl(`${dir}/compressed.sqlite`), { compression: 'gzip' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/does not store compressed results/);
  });

  it('a file that cannot be opened is a ConfigurationError naming the path it resolved to', async () => {
    const error = await createBackend('db+sqlite:///rk-no-such-dir/results.db').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    // A relative URL path is resolved against the working directory: the message shows where.
    expect((error as Error).message).toContain(join(process.cwd(), 'rk-no-such-dir', 'results.db'));
  });

  it('db+sqlite:// is an in-memory database of its own (not durable, not shared)', async (ctx) => {
    const a = await createBackend('db+sqlite://');
    const b = await createBackend('db+sqlite://');
    ctx.onTestFinished(async () => {
      await a.close();
      await b.close();
    });
    expect(a.capabilities.durable).toBe(false);
    await a.storeResult('mem', 1);
    expect((await a.getTaskMeta('mem')).result).toBe(1);
    expect((await b.getTaskMeta('mem')).status).toBe(states.PENDING);
  });

  it('uses a Database passed as sql.client and never closes it; journal mode is set on request', async () => {
    const path = `${dir}/own.sqlite`;
    const db = new Database(path);
    try {
      const backend = await createBackend('db+sqlite://', { sql: { client: db } });
      await backend.storeResult('own', 'ok');
      await backend.close();
      expect(db.open).toBe(true);
      expect((db.prepare('SELECT count(*) AS n FROM celery_taskmeta').get() as { n: number }).n).toBe(1);
    } finally {
      db.close();
    }
    const wal = await createBackend(sqliteUrl(`${dir}/wal.sqlite`), { sql: { sqliteJournalMode: 'wal' } });
    expect(adapterOf(wal).dialect.exec).toBeDefined();
    await wal.close();
    const check = new Database(`${dir}/wal.sqlite`);
    expect(check.pragma('journal_mode', { simple: true })).toBe('wal');
    check.close();
  });

  it('a busy database (another process holding the write lock) is retryable', () => {
    const d = new SqliteDialect(null as never, null as never);
    expect(d.isRetryable(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }))).toBe(true);
    expect(d.isRetryable(Object.assign(new Error('x'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }))).toBe(false);
  });
});
