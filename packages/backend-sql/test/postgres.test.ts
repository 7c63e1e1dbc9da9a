import { randomBytes } from 'node:crypto';
import { createBackend, states } from '@resultkit/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDialect } from '../src/engines/postgres/dialect.js';
import type { SqlBackendOptions } from '../src/options.js';
import { celeryDdl, registerBehaviourTests } from './behaviour.js';
import { adapterOf, dropTables, openBackend, PG_URL, uniqueTables, withRaw } from './support.js';

registerBehaviourTests('postgresql', PG_URL);

const pgUrl = PG_URL.replace(/^db\+/, '');

describe('postgresql: Celery sequences and schemas', () => {
  // A schema of this file's own: Celery's sequence names (task_id_sequence) can be used and
  // everything goes with DROP SCHEMA.
  const schema = `rk_pg_${randomBytes(4).toString('hex')}`;
  const sql: SqlBackendOptions = { tableSchemas: { task: schema, group: schema } };
  beforeAll(() => withRaw('postgresql', PG_URL, (q) => q(`CREATE SCHEMA ${schema}`)));
  afterAll(() => withRaw('postgresql', PG_URL, (q) => q(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)));

  it('our tables take inserts as SQLAlchemy writes them, nextval(task_id_sequence) included', async (ctx) => {
    const backend = await createBackend(PG_URL, { sql });
    ctx.onTestFinished(() => backend.close());
    const sequences = await withRaw('postgresql', PG_URL, (q) => q(`SELECT sequencename FROM pg_sequences WHERE schemaname = $1 ORDER BY 1`, [schema]));
    expect(sequences.map((r) => r.sequencename)).toEqual(['task_id_sequence', 'taskset_id_sequence']);
    await withRaw('postgresql', PG_URL, (q) =>
      q(`INSERT INTO ${schema}.celery_taskmeta (id, task_id, status, result, date_done) VALUES (nextval('${schema}.task_id_sequence'), 'from-sqlalchemy', 'SUCCESS', '\\x80054b052e', now())`),
    );
    expect((await backend.getTaskMeta('from-sqlalchemy')).result).toBe(5);
    await backend.storeResult('from-us', 6);
    const ids = await withRaw('postgresql', PG_URL, (q) => q(`SELECT id FROM ${schema}.celery_taskmeta ORDER BY id`));
    expect(ids.map((r) => r.id)).toEqual([1, 2]);
  });

  it('a table Celery created (no id default) is written with nextval on its sequence', async (ctx) => {
    const t = { task: 'celery_made', group: 'celery_made_group', taskSequence: 'celery_made_seq', groupSequence: 'celery_made_group_seq' };
    await withRaw('postgresql', PG_URL, async (q) => {
      await q(`SET search_path TO ${schema}`);
      for (const statement of celeryDdl('postgresql', t)) await q(statement);
    });
    const backend = await createBackend(PG_URL, {
      sql: { ...sql, tableNames: { task: t.task, group: t.group }, sequenceNames: { task: t.taskSequence, group: t.groupSequence } },
    });
    ctx.onTestFinished(() => backend.close());
    await Promise.all([backend.storeResult('a', 1), backend.storeResult('b', 2)]);
    await backend.saveGroup('g', ['a', 'b']);
    const rows = await withRaw('postgresql', PG_URL, (q) => q(`SELECT id FROM ${schema}.${t.task} ORDER BY id`));
    expect(rows.map((r) => r.id)).toEqual([1, 2]);
  });
});

describe('postgresql: time zones', () => {
  const t = uniqueTables('pg_tz');
  afterAll(() => dropTables('postgresql', PG_URL, t));

  it('date_done is UTC even when the session TimeZone is not (it is a timestamp without time zone)', async (ctx) => {
    const backend = await openBackend(PG_URL, t, {}, { pool: { options: '-c TimeZone=Asia/Kolkata' } });
    ctx.onTestFinished(() => backend.close());
    const before = Date.now();
    await backend.storeResult('tz', 1);
    const [row] = await withRaw('postgresql', PG_URL, (q) => q(`SELECT date_done::text AS d FROM ${t.task} WHERE task_id = 'tz'`));
    expect(String(row!.d).slice(0, 16)).toBe(new Date(before).toISOString().replace('T', ' ').slice(0, 16));
    expect(Math.abs((await backend.getTaskMeta('tz')).dateDone!.getTime() - before)).toBeLessThan(1_000);
  });
});

describe('postgresql: LISTEN/NOTIFY', () => {
  const t = uniqueTables('pg_notify');
  afterAll(() => dropTables('postgresql', PG_URL, t));

  it('a wait is woken by the NOTIFY of the store, not by polling', async (ctx) => {
    // Polling every minute: only a notification can end this wait in time.
    const client = await openBackend(PG_URL, t, {}, { notifyPollInterval: 60_000 });
    const worker = await openBackend(PG_URL, t);
    ctx.onTestFinished(async () => {
      await client.close();
      await worker.close();
    });
    expect(client.capabilities.push).toBe(true);
    const waiting = client.asyncResult('pushed').get({ timeout: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stored = Date.now();
    await worker.storeResult('pushed', 'by notify');
    expect(await waiting).toBe('by notify');
    expect(Date.now() - stored).toBeLessThan(1_000);
  });

  it('a result stored without NOTIFY (as Python Celery stores) is still found', async (ctx) => {
    const client = await openBackend(PG_URL, t, {}, { notifyPollInterval: 200 });
    const silent = await openBackend(PG_URL, t, {}, { notify: false });
    ctx.onTestFinished(async () => {
      await client.close();
      await silent.close();
    });
    expect(silent.capabilities.push).toBe(false);
    const waiting = client.asyncResult('quiet').get({ timeout: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await silent.storeResult('quiet', 'polled');
    expect(await waiting).toBe('polled');
  });

  it('a write dropped by the SUCCESS guard sends no NOTIFY', async (ctx) => {
    const backend = await openBackend(PG_URL, t);
    ctx.onTestFinished(() => backend.close());
    const listener = new pg.Client({ connectionString: pgUrl });
    await listener.connect();
    ctx.onTestFinished(() => listener.end());
    const heard: string[] = [];
    listener.on('notification', (n) => heard.push(n.payload ?? ''));
    await listener.query(`LISTEN "${adapterOf(backend).notifyChannel}"`);
    await backend.storeResult('guarded', 'first');
    await backend.markAsRetry('guarded', new Error('late'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(heard).toEqual(['guarded']);
    expect((await backend.getTaskMeta('guarded')).status).toBe(states.SUCCESS);
  });
});

describe('postgresql: clients and errors', () => {
  const t = uniqueTables('pg_client');
  afterAll(() => dropTables('postgresql', PG_URL, t));

  it('uses a pool passed as sql.client (LISTEN included) and never ends it', async () => {
    const pool = new pg.Pool({ connectionString: pgUrl, max: 3 });
    try {
      const backend = await openBackend(PG_URL.replace('127.0.0.1', 'ignored.invalid'), t, {}, { client: pool });
      const waiting = backend.asyncResult('own-pool').get({ timeout: 5_000 });
      await backend.storeResult('own-pool', 'ok');
      expect(await waiting).toBe('ok');
      await backend.close();
      expect((await pool.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('works without prepared statements (PgBouncer in transaction mode)', async (ctx) => {
    const backend = await openBackend(PG_URL, t, {}, { preparedStatements: false });
    ctx.onTestFinished(() => backend.close());
    await backend.storeResult('unprepared', 3);
    expect((await backend.getTaskMeta('unprepared')).result).toBe(3);
  });

  it('a refused connection is retryable, and its message holds no password', async () => {
    const error = await createBackend('db+postgresql://user:hunter2@127.0.0.1:1/test', { sql: { pool: { connectionTimeoutMillis: 2_000 } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).not.toContain('hunter2');
    expect(new PostgresDialect(null as never, null as never).isRetryable(error)).toBe(true);
  });

  it('classifies errors: connection and shutdown codes retry, constraint and syntax errors do not', () => {
    const d = new PostgresDialect(null as never, null as never);
    for (const code of ['ECONNRESET', '57P01', '08006', '08001', '40P01', '53300']) expect(d.isRetryable(Object.assign(new Error('x'), { code })), code).toBe(true);
    expect(d.isRetryable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(d.isRetryable({ cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) })).toBe(true);
    for (const code of ['23505', '42601', '22001']) expect(d.isRetryable(Object.assign(new Error('x'), { code })), code).toBe(false);
  });
});
