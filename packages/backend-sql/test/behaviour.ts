/**
 * What every database must do beyond the conformance suite: the tables and their migration,
 * timestamps, batching, cleanup, options. Registered by postgres.test.ts, mysql.test.ts and
 * sqlite.test.ts, each with its own tables.
 */
import { ConfigurationError, EncodeError, migrate, RemoteTaskError, states } from '@resultkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import type { SqlBackendOptions } from '../src/options.js';
import { adapterOf, dropTables, openBackend, sleep, uniqueTables, withRaw, type Engine, type TestTables } from './support.js';

/** Celery's own DDL (SQLAlchemy 1.4, Celery 5.2's Task model, no extended columns) for each database. */
export function celeryDdl(engine: Engine, t: TestTables): string[] {
  if (engine === 'postgresql') {
    return [
      `CREATE SEQUENCE ${t.taskSequence}`,
      `CREATE SEQUENCE ${t.groupSequence}`,
      `CREATE TABLE ${t.task} (id INTEGER NOT NULL, task_id VARCHAR(155), status VARCHAR(50), result BYTEA, date_done TIMESTAMP WITHOUT TIME ZONE, traceback TEXT, PRIMARY KEY (id), UNIQUE (task_id))`,
      `CREATE TABLE ${t.group} (id INTEGER NOT NULL, taskset_id VARCHAR(155), result BYTEA, date_done TIMESTAMP WITHOUT TIME ZONE, PRIMARY KEY (id), UNIQUE (taskset_id))`,
    ];
  }
  if (engine === 'mysql') {
    return [
      `CREATE TABLE ${t.task} (id INTEGER NOT NULL AUTO_INCREMENT, task_id VARCHAR(155), status VARCHAR(50), result BLOB, date_done DATETIME, traceback TEXT, PRIMARY KEY (id), UNIQUE (task_id))`,
      `CREATE TABLE ${t.group} (id INTEGER NOT NULL AUTO_INCREMENT, taskset_id VARCHAR(155), result BLOB, date_done DATETIME, PRIMARY KEY (id), UNIQUE (taskset_id))`,
    ];
  }
  return [
    `CREATE TABLE ${t.task} (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, task_id VARCHAR(155), status VARCHAR(50), result BLOB, date_done DATETIME, traceback TEXT, UNIQUE (task_id))`,
    `CREATE TABLE ${t.group} (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, taskset_id VARCHAR(155), result BLOB, date_done DATETIME, UNIQUE (taskset_id))`,
  ];
}

/** `date_done` of a row as the database's own text, UTC wall time. */
function dateDoneText(engine: Engine, table: string) {
  const expr = engine === 'postgresql' ? `to_char(date_done, 'YYYY-MM-DD HH24:MI:SS.US')` : engine === 'mysql' ? `DATE_FORMAT(date_done, '%Y-%m-%d %H:%i:%s')` : 'date_done';
  const p = engine === 'postgresql' ? '$1' : '?';
  return `SELECT ${expr} AS d FROM ${table} WHERE task_id = ${p}`;
}

export function registerBehaviourTests(engine: Engine, url: string, base: SqlBackendOptions = {}): void {
  const p = (i: number) => (engine === 'postgresql' ? `$${i}` : '?');
  const used: TestTables[] = [];
  const tables = (label: string): TestTables => {
    const t = uniqueTables(`${engine.slice(0, 2)}_${label}`);
    used.push(t);
    return t;
  };
  const raw = <T>(work: Parameters<typeof withRaw<T>>[2]) => withRaw(engine, url, work);
  afterAll(async () => {
    for (const t of used) await dropTables(engine, url, t);
  });

  describe(`${engine}: tables`, () => {
    it("creates Celery's tables with the extended and relation columns and a date_done index, once", async (ctx) => {
      const t = tables('create');
      const backend = await openBackend(url, t, {}, base);
      ctx.onTestFinished(() => backend.close());
      const schema = adapterOf(backend).schema;
      expect([...schema.task.columns.keys()].sort()).toEqual(
        ['args', 'date_done', 'group_id', 'id', 'kwargs', 'name', 'parent_id', 'queue', 'result', 'retries', 'status', 'task_id', 'traceback', 'worker'],
      );
      expect([...schema.group.columns.keys()].sort()).toEqual(['date_done', 'id', 'result', 'taskset_id']);
      expect(schema.task.dateDoneIndex && schema.group.dateDoneIndex).toBe(true);
      // A second backend finds everything in place.
      const again = await openBackend(url, t, {}, base);
      ctx.onTestFinished(() => again.close());
      expect([...adapterOf(again).schema.task.columns.keys()].sort()).toEqual([...schema.task.columns.keys()].sort());
    });

    it('migrates a table Celery created without the extended columns, keeping its rows', async (ctx) => {
      const t = tables('migrate');
      await raw(async (query) => {
        for (const statement of celeryDdl(engine, t)) await query(statement);
        const id = engine === 'postgresql' ? `nextval('${t.taskSequence}'), ` : '';
        await query(`INSERT INTO ${t.task} (${id ? 'id, ' : ''}task_id, status, result) VALUES (${id}${p(1)}, 'SUCCESS', ${p(2)})`, ['old', Buffer.from('80054b052e', 'hex')]);
      });
      const backend = await openBackend(url, t, { extended: true }, base);
      ctx.onTestFinished(() => backend.close());
      expect((await backend.getTaskMeta('old')).result).toBe(5);
      await backend.storeResult('new', 7, states.SUCCESS, { request: { name: 'tasks.add', args: [3, 4], kwargs: {}, hostname: 'w@h', retries: 2, routingKey: 'q' } });
      expect(await backend.getTaskMeta('new')).toMatchObject({ result: 7, name: 'tasks.add', args: [3, 4], worker: 'w@h', retries: 2, queue: 'q' });
      expect(adapterOf(backend).schema.task.dateDoneIndex).toBe(true);
    });

    it('reads return the extended fields only with extended on, as Celery reads them; migration copies them either way', async (ctx) => {
      const t = tables('extread');
      const request = { name: 'tasks.add', args: [3, 4], kwargs: { k: 1 }, hostname: 'w@h', retries: 2, routingKey: 'q' };
      const writer = await openBackend(url, t, { extended: true }, base);
      ctx.onTestFinished(() => writer.close());
      await writer.storeResult('ext', 7, states.SUCCESS, { request: { ...request, group: 'g1' } });
      await writer.storeResult('ext2', 8, states.SUCCESS, { request });
      const plain = await openBackend(url, t, {}, base);
      ctx.onTestFinished(() => plain.close());
      // One row (getTaskMeta) and several (loadMany: one SELECT ... IN).
      const [one, many] = [await plain.getTaskMeta('ext'), (await adapterOf(plain).loadMany(['ext', 'ext2']))[0]];
      for (const meta of [one, many]) {
        expect(meta).toMatchObject({ status: 'SUCCESS', result: 7, groupId: 'g1' });
        for (const field of ['name', 'args', 'kwargs', 'worker', 'retries', 'queue']) expect(meta).not.toHaveProperty(field);
      }
      expect(await writer.getTaskMeta('ext')).toMatchObject({ name: 'tasks.add', args: [3, 4], kwargs: { k: 1 }, worker: 'w@h', retries: 2, queue: 'q' });
      // The rows a migration copies keep every column the table has.
      const target = await openBackend(url, tables('extcopy'), { extended: true }, base);
      ctx.onTestFinished(() => target.close());
      await migrate(plain, target);
      expect(await target.getTaskMeta('ext')).toMatchObject({ result: 7, name: 'tasks.add', args: [3, 4], worker: 'w@h', queue: 'q' });
    });

    it('with createTables off, a missing table or missing extended columns is a clear ConfigurationError', async () => {
      const t = tables('nocreate');
      const missing = await openBackend(url, t, {}, { ...base, createTables: false }).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(ConfigurationError);
      expect((missing as Error).message).toContain(t.task);
      await raw(async (query) => {
        for (const statement of celeryDdl(engine, t)) await query(statement);
      });
      const noExtended = await openBackend(url, t, { extended: true }, { ...base, createTables: false }).catch((e: unknown) => e);
      expect((noExtended as Error).message).toMatch(/extended is on but .* has no column name/);
      // Without extended results, Celery's plain table is used as it is.
      const plain = await openBackend(url, t, {}, { ...base, createTables: false });
      await plain.storeResult('x', 'fine');
      expect((await plain.getTaskMeta('x')).result).toBe('fine');
      await plain.close();
    });

    it("relationColumns: false keeps exactly Celery's columns", async (ctx) => {
      const t = tables('norel');
      const backend = await openBackend(url, t, {}, { ...base, relationColumns: false });
      ctx.onTestFinished(() => backend.close());
      expect(adapterOf(backend).schema.task.columns.has('group_id')).toBe(false);
      await backend.storeResult('m', 1, states.SUCCESS, { request: { group: 'g' } });
      expect((await backend.getTaskMeta('m')).groupId).toBeUndefined();
    });
  });

  describe(`${engine}: rows`, () => {
    const t = tables('rows');

    it('date_done is written in UTC, whatever the local time zone', async (ctx) => {
      const previous = process.env.TZ;
      process.env.TZ = 'America/New_York';
      ctx.onTestFinished(() => {
        process.env.TZ = previous;
        if (previous === undefined) delete process.env.TZ;
      });
      const backend = await openBackend(url, t, {}, base);
      ctx.onTestFinished(() => backend.close());
      const before = new Date();
      await backend.storeResult('utc', 1);
      const [row] = await raw((query) => query(dateDoneText(engine, t.task), ['utc']));
      const text = String(row!.d);
      expect(text.slice(0, 13)).toBe(before.toISOString().replace('T', ' ').slice(0, 13));
      const read = (await backend.getTaskMeta('utc')).dateDone!;
      expect(Math.abs(read.getTime() - before.getTime())).toBeLessThan(engine === 'mysql' ? 2_000 : 1_000);
    });

    it('a later write replaces the row; unready states have no date_done; custom states are kept verbatim', async (ctx) => {
      const backend = await openBackend(url, t, {}, base);
      ctx.onTestFinished(() => backend.close());
      await backend.markAsStarted('seq', { pid: 1, hostname: 'h' });
      expect((await backend.getTaskMeta('seq')).dateDone).toBeNull();
      await backend.updateState('seq', 'PROGRESS', { done: 1 });
      expect(await backend.getTaskMeta('seq')).toMatchObject({ status: 'PROGRESS', result: { done: 1 }, dateDone: null });
      await backend.markAsFailure('seq', new RemoteTaskError({ excType: 'KeyError', excModule: 'builtins', excArgs: ['k'] }), { traceback: 'Traceback...' });
      expect(await backend.getTaskMeta('seq')).toMatchObject({ status: 'FAILURE', traceback: 'Traceback...' });
    });

    it('preserveSuccess: false gives Celery\'s "last write wins"', async (ctx) => {
      const backend = await openBackend(url, t, {}, { ...base, preserveSuccess: false });
      ctx.onTestFinished(() => backend.close());
      expect(backend.capabilities.preservesSuccess).toBe(false);
      await backend.storeResult('lww', 'first');
      await backend.markAsRetry('lww', new Error('late'));
      expect((await backend.getTaskMeta('lww')).status).toBe(states.RETRY);
    });

    it('concurrent stores become few multi-row statements, and writes of one id keep their order', async (ctx) => {
      const backend = await openBackend(url, t, {}, { ...base, preserveSuccess: false });
      ctx.onTestFinished(() => backend.close());
      const exec = adapterOf(backend).dialect.exec;
      const original = exec.query.bind(exec);
      let statements = 0;
      exec.query = (sql, params, options) => {
        if (/^\s*(WITH|INSERT)/i.test(sql)) statements++;
        return original(sql, params, options);
      };
      const ids = Array.from({ length: 300 }, (_, i) => `many-${i}`);
      await Promise.all(ids.map((id, i) => backend.storeResult(id, i)));
      expect(statements).toBeLessThanOrEqual(engine === 'mysql' ? 12 : 4);
      const writes = [backend.markAsStarted('ordered'), backend.storeResult('ordered', 'done'), backend.markAsRetry('ordered', new Error('after'))];
      await Promise.all(writes);
      expect((await backend.getTaskMeta('ordered')).status).toBe(states.RETRY);
      const metas = await Promise.all(ids.map((id) => backend.getTaskMeta(id)));
      expect(metas.map((m) => m.result)).toEqual(ids.map((_, i) => i));
    });

    it('a saved group is replaced when saved again, with an explicit date_done', async (ctx) => {
      const backend = await openBackend(url, t, {}, base);
      ctx.onTestFinished(() => backend.close());
      await backend.saveGroup('grp', ['a', 'b']);
      await backend.saveGroup('grp', ['a', 'b', 'c']);
      expect((await backend.restoreGroup('grp'))?.ids).toEqual(['a', 'b', 'c']);
      const [row] = await raw((query) => query(`SELECT date_done FROM ${t.group} WHERE taskset_id = ${p(1)}`, ['grp']));
      expect(row!.date_done).not.toBeNull();
    });

    if (engine !== 'sqlite') {
      it('an id longer than the column is refused before anything is sent', async (ctx) => {
        const backend = await openBackend(url, t, {}, base);
        ctx.onTestFinished(() => backend.close());
        await expect(backend.storeResult('x'.repeat(200), 1)).rejects.toBeInstanceOf(EncodeError);
        // Batched with good rows, only its own caller fails.
        const results = await Promise.allSettled([backend.storeResult('ok-1', 1), backend.storeResult('y'.repeat(200), 1), backend.storeResult('ok-2', 2)]);
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      });
    }

  });

  describe(`${engine}: cleanup`, () => {
    const t = tables('cleanup');

    it('deletes expired task and group rows in bounded batches, never rows without date_done', async (ctx) => {
      const backend = await openBackend(url, t, { expires: 60 }, { ...base, cleanupBatchSize: 7 });
      ctx.onTestFinished(() => backend.close());
      const adapter = adapterOf(backend);
      const ids = Array.from({ length: 30 }, (_, i) => `old-${i}`);
      await Promise.all(ids.map((id) => backend.storeResult(id, 'old')));
      await backend.saveGroup('old-group', ids.slice(0, 2));
      await backend.markAsStarted('stuck-started');
      await backend.markAsRetry('stuck-retry', new Error('x'));
      const old = engine === 'sqlite' ? '2020-01-01 00:00:00.000000' : '2020-01-01 00:00:00';
      await raw(async (query) => {
        await query(`UPDATE ${t.task} SET date_done = ${p(1)} WHERE task_id LIKE 'old-%'`, [old]);
        await query(`UPDATE ${t.group} SET date_done = ${p(1)}`, [old]);
      });
      await backend.storeResult('fresh', 'new');
      const exec = adapter.dialect.exec;
      const original = exec.execute.bind(exec);
      let deletes = 0;
      exec.execute = (sql, params, options) => {
        if (/^DELETE/.test(sql)) deletes++;
        return original(sql, params, options);
      };
      expect(await backend.cleanup()).toBe(31);
      // 30 task rows in batches of 7 is 5 statements, then 1 for the group table.
      expect(deletes).toBe(6);
      expect((await backend.getTaskMeta('old-0')).status).toBe(states.PENDING);
      expect(await backend.restoreGroup('old-group')).toBeNull();
      expect((await backend.getTaskMeta('fresh')).result).toBe('new');
      expect((await backend.getTaskMeta('stuck-started')).status).toBe(states.STARTED);
      // Rows without date_done go only when asked for, by state.
      expect(await adapter.purgeUnready({ statuses: ['RETRY'] })).toBe(1);
      expect((await backend.getTaskMeta('stuck-retry')).status).toBe(states.PENDING);
      expect(await adapter.purgeUnready()).toBe(1);
      expect((await backend.getTaskMeta('stuck-started')).status).toBe(states.PENDING);
    });

    it('the sweeper cleans up by itself every sweepInterval, and close() stops it', async (ctx) => {
      const backend = await openBackend(url, t, { expires: 1 }, { ...base, sweepInterval: 0.2 });
      ctx.onTestFinished(() => backend.close());
      await backend.storeResult('swept', 1);
      await raw((query) => query(`UPDATE ${t.task} SET date_done = ${p(1)} WHERE task_id = ${p(2)}`, ['2020-01-01 00:00:00', 'swept']));
      const deadline = Date.now() + 5_000;
      while ((await backend.getTaskMeta('swept')).status !== states.PENDING && Date.now() < deadline) await sleep(50);
      expect((await backend.getTaskMeta('swept')).status).toBe(states.PENDING);
    });
  });
}
