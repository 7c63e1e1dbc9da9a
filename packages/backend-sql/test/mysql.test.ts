import { states, ValueTooLargeError } from '@resultkit/core';
import mysql from 'mysql2';
import { afterAll, describe, expect, it } from 'vitest';
import { MysqlDialect } from '../src/engines/mysql/dialect.js';
import { celeryDdl, registerBehaviourTests } from './behaviour.js';
import { adapterOf, dropTables, MYSQL_URL, openBackend, uniqueTables, withRaw } from './support.js';

registerBehaviourTests('mysql', MYSQL_URL);

describe("mysql: Celery's column sizes", () => {
  const t = uniqueTables('my_sizes');
  afterAll(() => dropTables('mysql', MYSQL_URL, t));

  it('tables created here hold large values (LONGBLOB, MEDIUMTEXT)', async (ctx) => {
    const own = uniqueTables('my_own');
    ctx.onTestFinished(() => dropTables('mysql', MYSQL_URL, own));
    const backend = await openBackend(MYSQL_URL, own);
    ctx.onTestFinished(() => backend.close());
    const types = await withRaw('mysql', MYSQL_URL, (q) =>
      q(`SELECT COLUMN_NAME AS c, DATA_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY c`, [own.task]),
    );
    expect(Object.fromEntries(types.map((r) => [r.c, r.t]))).toMatchObject({ result: 'longblob', args: 'longblob', traceback: 'mediumtext', date_done: 'datetime' });
  });

  it("on Celery's own table (BLOB, TEXT), a value over 64 KiB is refused before it is sent and a long traceback keeps its end", async (ctx) => {
    await withRaw('mysql', MYSQL_URL, async (q) => {
      for (const statement of celeryDdl('mysql', t)) await q(statement);
    });
    const backend = await openBackend(MYSQL_URL, t);
    ctx.onTestFinished(() => backend.close());
    await expect(backend.storeResult('big', 'x'.repeat(70_000))).rejects.toBeInstanceOf(ValueTooLargeError);
    expect((await backend.getTaskMeta('big')).status).toBe(states.PENDING);
    const traceback = `Traceback (most recent call last):\n${'  File "x.py", line 1, in f\n'.repeat(3_000)}ValueError: the end`;
    await backend.markAsFailure('long-tb', new Error('x'), { traceback });
    const stored = (await backend.getTaskMeta('long-tb')).traceback!;
    expect(stored.length).toBeLessThan(65_536);
    expect(stored.startsWith('…(traceback truncated')).toBe(true);
    expect(stored.endsWith('ValueError: the end')).toBe(true);
  });

  it('DATETIME keeps whole seconds: date_done is truncated, never rounded into the future', async (ctx) => {
    const backend = await openBackend(MYSQL_URL, t);
    ctx.onTestFinished(() => backend.close());
    const adapter = adapterOf(backend);
    expect(adapter.schema.task.columns.get('date_done')?.fractionalDigits).toBe(0);
    expect(adapter.dialect.formatTimestamp(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 999)), 0)).toBe('2026-01-02 03:04:05');
    const before = Date.now();
    await backend.storeResult('secs', 1);
    const done = (await backend.getTaskMeta('secs')).dateDone!.getTime();
    expect(done % 1000).toBe(0);
    expect(done).toBeLessThanOrEqual(before + 1);
  });
});

describe('mysql: MariaDB sequences (what SQLAlchemy creates for Celery on MariaDB 10.3+)', () => {
  const t = uniqueTables('my_seq');
  afterAll(() => dropTables('mysql', MYSQL_URL, t));

  it('our tables take ids from the sequence Celery inserts with, and Celery-made ones (no id default) are written with NEXT VALUE FOR', async (ctx) => {
    const backend = await openBackend(MYSQL_URL, t);
    ctx.onTestFinished(() => backend.close());
    const [v] = await withRaw('mysql', MYSQL_URL, (q) => q('SELECT VERSION() AS v'));
    if (!/mariadb/i.test(String(v!.v))) return; // MySQL proper: AUTO_INCREMENT, no sequences.
    expect(adapterOf(backend).schema.task.sequence).toBe(true);
    // As SQLAlchemy inserts on MariaDB: the id named explicitly from the sequence.
    await withRaw('mysql', MYSQL_URL, (q) =>
      q(`INSERT INTO ${t.task} (id, task_id, status, result) VALUES (nextval(${t.taskSequence}), 'from-sqlalchemy', 'SUCCESS', X'80054b052e')`),
    );
    await backend.storeResult('from-us', 6);
    const ids = await withRaw('mysql', MYSQL_URL, (q) => q(`SELECT id FROM ${t.task} ORDER BY id`));
    expect(ids.map((r) => r.id)).toEqual([1, 2]);

    const celery = uniqueTables('my_seq_celery');
    ctx.onTestFinished(() => dropTables('mysql', MYSQL_URL, celery));
    await withRaw('mysql', MYSQL_URL, async (q) => {
      await q(`CREATE SEQUENCE ${celery.taskSequence}`);
      await q(`CREATE SEQUENCE ${celery.groupSequence}`);
      await q(`CREATE TABLE ${celery.task} (id INTEGER NOT NULL, task_id VARCHAR(155), status VARCHAR(50), result BLOB, date_done DATETIME, traceback TEXT, PRIMARY KEY (id), UNIQUE (task_id))`);
      await q(`CREATE TABLE ${celery.group} (id INTEGER NOT NULL, taskset_id VARCHAR(155), result BLOB, date_done DATETIME, PRIMARY KEY (id), UNIQUE (taskset_id))`);
    });
    const onCelery = await openBackend(MYSQL_URL, celery);
    ctx.onTestFinished(() => onCelery.close());
    await Promise.all([onCelery.storeResult('a', 1), onCelery.storeResult('b', 2)]);
    await onCelery.saveGroup('g', ['a', 'b']);
    expect((await onCelery.restoreGroup('g'))?.ids).toEqual(['a', 'b']);
    expect((await onCelery.getTaskMeta('b')).result).toBe(2);
  });
});

describe('mysql: clients and errors', () => {
  const t = uniqueTables('my_client');
  afterAll(() => dropTables('mysql', MYSQL_URL, t));

  it('uses a callback pool passed as sql.client, and never ends it', async () => {
    const pool = mysql.createPool({ uri: MYSQL_URL.replace(/^db\+/, ''), connectionLimit: 2 });
    try {
      const backend = await openBackend('db+mysql://', t, {}, { client: pool });
      await backend.storeResult('own-pool', 'ok');
      expect((await backend.getTaskMeta('own-pool')).result).toBe('ok');
      await backend.close();
      const [rows] = await pool.promise().query('SELECT 1 AS one');
      expect((rows as { one: number }[])[0]!.one).toBe(1);
    } finally {
      await pool.promise().end();
    }
  });

  it('36 concurrent stores go out in power-of-two statements, none lost', async (ctx) => {
    const backend = await openBackend(MYSQL_URL, t);
    ctx.onTestFinished(() => backend.close());
    const ids = Array.from({ length: 37 }, (_, i) => `p2-${i}`);
    await Promise.all(ids.map((id, i) => backend.storeResult(id, i)));
    const metas = await Promise.all(ids.map((id) => backend.getTaskMeta(id)));
    expect(metas.map((m) => m.result)).toEqual(ids.map((_, i) => i));
  });

  it('classifies errors: lost connections, deadlocks and lock waits retry; duplicates and syntax do not', () => {
    const d = new MysqlDialect(null as never, null as never);
    for (const code of ['PROTOCOL_CONNECTION_LOST', 'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'ECONNREFUSED']) {
      expect(d.isRetryable(Object.assign(new Error('x'), { code })), code).toBe(true);
    }
    for (const code of ['ER_DUP_ENTRY', 'ER_PARSE_ERROR', 'ER_DATA_TOO_LONG']) expect(d.isRetryable(Object.assign(new Error('x'), { code })), code).toBe(false);
  });
});
