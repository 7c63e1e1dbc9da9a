/**
 * Real Celery 5.2 (Debian's python3-celery, SQLAlchemy 1.4) and @resultkit/backend-sql on one
 * database, in both directions, registered once per database by postgres/mysql/sqlite.test.ts:
 *
 * - Celery's backend writes one result per state (success with unicode and a big integer,
 *   datetime/Decimal/bytes, failure, a custom exception, retry, revoked, started, a custom
 *   state, extended) into tables Celery created; resultkit reads them as Python does.
 * - resultkit writes the same matrix and a saved group; Python's AsyncResult and
 *   GroupResult.restore read them, and a Python client already blocked in get() sees ours.
 * - A real Celery worker (solo pool, Redis broker) runs tasks; resultkit awaits their results.
 * - resultkit's cleanup() deletes Celery-written rows past their expiry, and only those.
 *
 * Fails (never skips) in CI when Python Celery or its database drivers are missing.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createBackend, RemoteTaskError, states, type ResultBackend, type TaskMeta } from '@resultkit/core';
import type { SqlAdapter } from '@resultkit/backend-sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { celeryAvailability, PYTHON, pyClient, skipWithoutCelery, spawnPyClient, startWorker } from '../support/celery.js';

export interface InteropTarget {
  /** For names and messages: postgresql, mysql, sqlite. */
  engine: string;
  /** The same `db+` URL for Python (SQLAlchemy) and for us. */
  url: string;
  /** A schema (PostgreSQL) or database (MySQL) of this run's own: Celery's sequences live in it. */
  schema?: string;
  /** The queue name's prefix, unique per run. */
  queue: string;
}

interface PyResult {
  id: string;
  state: string;
  ready: boolean;
  result: unknown;
  exception: { type: string; module: string; args: unknown[] } | null;
  traceback: string | null;
  date_done: string | null;
  name: unknown;
  args: unknown;
  kwargs: unknown;
  worker: unknown;
  retries: unknown;
  queue: unknown;
}

/** Whether Python Celery, SQLAlchemy and the drivers of the three databases can be imported. */
function sqlAvailability(): { ok: boolean; detail: string } {
  const celery = celeryAvailability();
  if (!celery.ok) return celery;
  const probe = spawnSync(PYTHON, ['-c', 'import sqlalchemy, psycopg2, pymysql; print(sqlalchemy.__version__)'], { encoding: 'utf8', timeout: 20_000 });
  if (probe.status === 0) return { ok: true, detail: `${celery.detail} sqlalchemy ${probe.stdout.trim()}` };
  return { ok: false, detail: `${PYTHON} cannot import sqlalchemy/psycopg2/pymysql; install python3-sqlalchemy python3-psycopg2 python3-pymysql.` };
}

/** Runs `sql_client.py <command> <json>` with the target's environment; returns its last JSON line. */
async function sqlClient<T>(command: string, arg: unknown, env: Record<string, string>, timeoutMs = 30_000): Promise<T> {
  const lines = await pyClient<T>(command, arg, env, timeoutMs, 'sql_client.py');
  return lines.at(-1)!;
}

/** A real worker of sql_app in its own process group; `stop()` ends the group. */
function startSqlWorker(queue: string, env: Record<string, string>) {
  return startWorker(queue, env, 'sql_app');
}

const availability = sqlAvailability();

export function registerSqlInterop(target: InteropTarget): void {
  const skip = skipWithoutCelery(availability);
  // In CI a missing Celery fails this test (and the suite is skipped); elsewhere both skip.
  it.skipIf(skip)(`Python Celery and its ${target.engine} driver are installed`, () => {
    expect(availability.ok, availability.detail).toBe(true);
  });

  describe.skipIf(!availability.ok)(`Celery 5.2 and resultkit on ${target.engine}`, () => {
    const run = randomUUID().slice(0, 8);
    const tasks = `rk_interop_${run}_task`;
    const groups = `rk_interop_${run}_group`;
    const queue = `${target.queue}-${run}`;
    const env: Record<string, string> = {
      SQL_INTEROP_BACKEND: target.url,
      SQL_INTEROP_TASKS: tasks,
      SQL_INTEROP_GROUPS: groups,
      SQL_INTEROP_SCHEMA: target.schema ?? '',
      SQL_INTEROP_QUEUE: queue,
    };
    let backend: ResultBackend;
    let celeryIds: Record<string, string>;
    let worker: ReturnType<typeof startWorker> | undefined;
    const read = async (ids: string[]) => (await sqlClient<{ results: PyResult[] }>('read', { ids }, env)).results;

    beforeAll(async () => {
      await sqlClient('setup', {}, env);
      // Celery creates its tables (TaskExtended: result_extended is on) and writes first.
      celeryIds = (await sqlClient<{ ids: Record<string, string> }>('write', { prefix: `py-${run}` }, env)).ids;
      backend = await createBackend(target.url, {
        extended: true,
        expires: 3600,
        sql: {
          tableNames: { task: tasks, group: groups },
          ...(target.schema ? { tableSchemas: { task: target.schema, group: target.schema } } : {}),
          // Celery writes without NOTIFY: look for its results often.
          notifyPollInterval: 200,
        },
      });
    }, 60_000);

    afterAll(async () => {
      await worker?.stop();
      await backend?.close();
      if (availability.ok) await sqlClient('teardown', { queue }, env);
    }, 30_000);

    it("reads every state Celery's database backend wrote, as Python reads it", async () => {
      const ids = Object.values(celeryIds);
      const python = await read(ids);
      const ours = await Promise.all(ids.map((id) => backend.getTaskMeta(id)));
      const byName = (name: string): [TaskMeta, PyResult] => {
        const i = ids.indexOf(celeryIds[name]!);
        return [ours[i]!, python[i]!];
      };
      for (const [i, meta] of ours.entries()) {
        const py = python[i]!;
        expect(meta.status, py.id).toBe(py.state);
        if (py.date_done) expect(meta.dateDone?.toISOString().slice(0, 19)).toBe(py.date_done.slice(0, 19));
        else expect(meta.dateDone).toBeNull();
        if (py.exception) {
          const error = meta.result as RemoteTaskError;
          expect([error.excType, error.excModule, error.excArgs], py.id).toEqual([py.exception.type, py.exception.module, py.exception.args]);
          expect(meta.traceback).toBe(py.traceback);
        }
      }
      expect(byName('success')[0].result).toEqual({ text: 'héllo ✓ 日本', big: 2n ** 64n + 1n, float: 0.5, list: [1, 'two', null], nested: { a: [true, false] } });
      const datetimeResult = byName('datetime')[0].result as { when: Date; amount: { value: string }; raw: Uint8Array };
      expect(datetimeResult.when.toISOString()).toBe('2024-01-02T03:04:05.678Z');
      expect(String(datetimeResult.amount)).toBe('1.10');
      expect([...datetimeResult.raw]).toEqual([0, 255]);
      expect(byName('started')[0].result).toEqual({ pid: 4242, hostname: 'py@host' });
      expect(byName('progress')[0]).toMatchObject({ status: 'PROGRESS', result: { current: 3, total: 10 }, dateDone: null });
      expect(byName('extended')[0]).toMatchObject({ name: 'sql_app.add', args: [2, 3], kwargs: { note: 'ünï' }, worker: 'py@host', retries: 1, queue: 'celery' });
    });

    it('our results are read by AsyncResult: states, values, exceptions, tracebacks, extended fields', async () => {
      const id = (name: string) => `node-${run}-${name}`;
      const request = { name: 'node.add', args: [2, 3], kwargs: { note: 'ünï' }, hostname: 'node@host', retries: 1, routingKey: 'celery' };
      await backend.storeResult(id('success'), { text: 'héllo ✓', big: 2n ** 64n + 1n, list: [1, 'two', null] }, states.SUCCESS, { request });
      await backend.storeResult(id('datetime'), { when: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)), raw: new Uint8Array([0, 255]) });
      await backend.markAsFailure(id('failure'), new RemoteTaskError({ excType: 'ValueError', excModule: 'builtins', excArgs: ['bad', 42] }), { traceback: 'Traceback (node)\nValueError: bad' });
      await backend.markAsFailure(id('custom'), new RemoteTaskError({ excType: 'QuotaExceeded', excModule: 'sql_app', excArgs: ['over quota', 7] }));
      await backend.markAsFailure(id('js'), new RangeError('out of range'));
      await backend.markAsRetry(id('retry'), new RemoteTaskError({ excType: 'KeyError', excModule: 'builtins', excArgs: ['k'] }), { traceback: 'tb' });
      await backend.markAsRevoked(id('revoked'), 'terminated');
      await backend.markAsStarted(id('started'), { pid: 7, hostname: 'node@host' });
      await backend.updateState(id('progress'), 'PROGRESS', { current: 1 });
      const names = ['success', 'datetime', 'failure', 'custom', 'js', 'retry', 'revoked', 'started', 'progress'];
      const py = Object.fromEntries((await read(names.map(id))).map((r, i) => [names[i], r])) as Record<string, PyResult>;
      expect(py.success).toMatchObject({ state: 'SUCCESS', ready: true, result: { text: 'héllo ✓', big: { $int: '18446744073709551617' }, list: [1, 'two', null] } });
      expect(py.success).toMatchObject({ name: 'node.add', args: [2, 3], kwargs: { note: 'ünï' }, worker: 'node@host', retries: 1, queue: 'celery' });
      expect(py.success!.date_done).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
      expect(py.datetime!.result).toEqual({ when: { $datetime: '2024-01-02T03:04:05.678000+00:00' }, raw: { $bytes_hex: '00ff' } });
      expect(py.failure).toMatchObject({ state: 'FAILURE', exception: { type: 'ValueError', module: 'builtins', args: ['bad', 42] }, traceback: 'Traceback (node)\nValueError: bad' });
      // Python raises the user's own exception class (sql_app is imported by the reader).
      expect(py.custom).toMatchObject({ state: 'FAILURE', exception: { type: 'QuotaExceeded', module: 'sql_app', args: ['over quota', 7] } });
      expect(py.js).toMatchObject({ state: 'FAILURE', exception: { args: ['out of range'] } });
      expect(py.retry).toMatchObject({ state: 'RETRY', ready: false, exception: { type: 'KeyError', args: ['k'] }, date_done: null });
      expect(py.revoked).toMatchObject({ state: 'REVOKED', exception: { type: 'TaskRevokedError', module: 'celery.exceptions', args: ['terminated'] } });
      expect(py.started).toMatchObject({ state: 'STARTED', result: { pid: 7, hostname: 'node@host' }, date_done: null });
      expect(py.progress).toMatchObject({ state: 'PROGRESS', result: { current: 1 }, ready: false });
    });

    it('groups: GroupResult.restore reads ours, and we restore the one Celery saved', async () => {
      const ours = `node-group-${run}`;
      await backend.saveGroup(ours, [`${ours}-a`, `${ours}-b`]);
      expect(await sqlClient('restore', { group_id: ours }, env)).toEqual({ found: true, ids: [`${ours}-a`, `${ours}-b`] });
      const theirs = `py-group-${run}`;
      await sqlClient('group', { group_id: theirs, ids: [`${theirs}-0`, `${theirs}-1`, `${theirs}-2`] }, env);
      expect((await backend.restoreGroup(theirs))?.ids).toEqual([`${theirs}-0`, `${theirs}-1`, `${theirs}-2`]);
      expect(await backend.restoreGroup(`missing-${run}`)).toBeNull();
    });

    it('a Python client already blocked in get() sees the result we store', async () => {
      const id = `node-${run}-awaited`;
      const client = spawnPyClientFor(id, env);
      try {
        expect(await client.next()).toEqual({ waiting: true });
        await backend.storeResult(id, { from: 'node' });
        expect(await client.next(15_000)).toMatchObject({ got: { from: 'node' }, state: 'SUCCESS' });
      } finally {
        client.kill();
      }
    });

    it("a real Celery worker's results are awaited and read: success, custom failure, retry then success", async () => {
      worker = startSqlWorker(queue, env);
      const { ids } = await sqlClient<{ ids: string[] }>(
        'send',
        { tasks: [{ task: 'sql_app.add', args: [2, 3] }, { task: 'sql_app.fail_custom', args: ['over quota', 42] }, { task: 'sql_app.retry_once', args: ['v'] }] },
        env,
      );
      const [add, fail, retried] = ids as [string, string, string];
      try {
        expect(await backend.asyncResult(add).get({ timeout: 30_000 })).toBe(5);
        const error = (await backend.asyncResult(fail).get({ timeout: 20_000 }).catch((e: unknown) => e)) as RemoteTaskError;
        expect(error).toBeInstanceOf(RemoteTaskError);
        expect([error.excType, error.excModule, error.excArgs]).toEqual(['QuotaExceeded', 'sql_app', ['over quota', 42]]);
        expect(error.traceback).toContain('QuotaExceeded');
        expect(await backend.asyncResult(retried).get({ timeout: 20_000 })).toEqual({ value: 'v', retries: 1 });
        // The worker runs with result_extended: its extended columns read too.
        expect(await backend.getTaskMeta(add)).toMatchObject({ name: 'sql_app.add', args: [2, 3], retries: 0 });
      } catch (error) {
        throw new Error(`${(error as Error).message}\n--- worker output ---\n${worker.output()}`, { cause: error });
      }
    });

    it("cleanup() removes Celery-written rows once expired, and never the ones without date_done", async () => {
      const prefix = `py-${run}-old`;
      const written = (await sqlClient<{ ids: Record<string, string> }>('write', { prefix }, env)).ids;
      const adapter = backend.adapter as SqlAdapter;
      // Everything written so far is "expired" one minute from now.
      const removed = await adapter.cleanup(new Date(Date.now() + 60_000));
      expect(removed).toBeGreaterThanOrEqual(Object.keys(written).length - 3);
      const after = await read(Object.values(written));
      const left = Object.fromEntries(Object.keys(written).map((name, i) => [name, after[i]!.state]));
      // READY rows are gone (PENDING again); STARTED, RETRY and custom states have no date_done.
      expect(left).toEqual({
        success: 'PENDING',
        datetime: 'PENDING',
        failure: 'PENDING',
        custom: 'PENDING',
        retry: 'RETRY',
        revoked: 'PENDING',
        started: 'STARTED',
        progress: 'PROGRESS',
        extended: 'PENDING',
      });
      expect(await sqlClient('restore', { group_id: `py-group-${run}` }, env)).toEqual({ found: false, ids: null });
    });
  });
}

/** `sql_client.py get`, whose lines are read as they come (the client blocks in get()). */
function spawnPyClientFor(id: string, env: Record<string, string>) {
  return spawnPyClient('get', { id, timeout: 15 }, env, 'sql_client.py');
}
