/**
 * Results written by real Python Celery, migrated by Node, read back by Python from the target
 * and compared with what Python read from the source (`interop/python/migrate_roundtrip.py`
 * prints each result as canonical text: reprs, so `3.0` is not `3`, a tuple not a list, a
 * datetime keeps its microseconds and offset, and an exception its class, module and args).
 *
 * Where the target cannot hold a value as Python wrote it, migrate must refuse without
 * `allowLossy` and name each narrowing; with it, every field it did not name must still read
 * the same in Python.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createBackend, migrate, MigrationLossError, type MigrationReport, type ResultBackend } from '@resultkit/core';
import type { SqlAdapter } from '@resultkit/backend-sql';
import { createPickleSerializer } from '@resultkit/serializer-pickle';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type {} from '@resultkit/backend-redis';
import { celeryAvailability, pyClient, skipWithoutCelery } from '../support/celery.js';
import { deleteKeys, MYSQL_URL, PG_URL, REDIS_URL } from './services.js';

const availability = celeryAvailability();
const skip = skipWithoutCelery(availability);

/** Redis db 8: the target of Redis -> Redis (db 15, `REDIS_URL`, is the source). */
const REDIS_TARGET_URL = REDIS_URL.replace(/\/\d+$/, '/8');

/** One store, as both Python and Node are told about it. */
interface Store {
  /** The URL Celery is given (and Node, with `db+` for SQL). */
  url: string;
  serializer: 'json' | 'pickle';
  tables?: { task: string; group: string };
  schema?: string;
}

interface Written {
  ids: string[];
  group_id: string;
}

interface Dump {
  results: Record<string, Record<string, string | null>>;
  group: string[] | null;
}

function envOf(store: Store): Record<string, string> {
  return {
    RT_BACKEND: store.url,
    RT_SERIALIZER: store.serializer,
    ...(store.tables ? { RT_TASKS: store.tables.task, RT_GROUPS: store.tables.group } : {}),
    ...(store.schema ? { RT_SCHEMA: store.schema } : {}),
  };
}

async function python<T>(store: Store, command: string, arg: unknown): Promise<T> {
  const lines = await pyClient<T>(command, arg, envOf(store), 60_000, 'migrate_roundtrip.py');
  return lines[lines.length - 1]!;
}

// The exceptions Python pickles as objects are its own classes (the script runs as __main__):
// declared as exceptions, they are read as data, never executed.
const pickle = createPickleSerializer({ isException: (module) => module === '__main__' });

function openNode(store: Store): Promise<ResultBackend> {
  return createBackend(store.url, {
    serializer: store.serializer,
    serializers: [pickle],
    accept: ['json', 'pickle'],
    expires: 3600,
    ...(store.tables ? { sql: { tableNames: store.tables, ...(store.schema ? { tableSchemas: { task: store.schema, group: store.schema } } : {}) } } : {}),
  });
}

/**
 * Celery 5.2's database model has no group_id and parent_id columns (5.3 added them): resultkit
 * adds them to the tables and fills them, but Python 5.2 does not read them back from SQL.
 */
const RELATION_COLUMNS = ['group_id', 'parent_id'];

/** `result.aware`, `args[1]`, `children` -> the field of the Python dump it belongs to. */
const fieldOf = (path: string): string => /^[a-z_]+/.exec(path)![0];

/** The fields each id's narrowings name, as `id: field, field`, sorted. */
function narrowedFields(report: MigrationReport): string[] {
  return report.narrowings.map((n) => `${n.id}: ${[...new Set(n.differences.map((d) => fieldOf(d.path)))].sort().join(', ')}`).sort();
}

/**
 * Python writes into `source`; Node migrates it into `target`; Python reads both. Returns the
 * report and checks that every field Python reads from the target is what it read from the
 * source, except the fields the report names as narrowed (expected to be `narrowed`).
 */
async function roundTrip(
  source: Store,
  target: Store,
  opts: { from: ResultBackend; to: ResultBackend; plain?: boolean; exclude?: string[]; narrowed?: string[]; unreadByPython?: string[] },
): Promise<MigrationReport> {
  const prefix = `rt-${randomUUID().slice(0, 8)}`;
  const written = await python<Written>(source, 'write', { prefix, plain: opts.plain ?? false, exclude: opts.exclude ?? [] });
  const before = await python<Dump>(source, 'dump', written);
  expect(before.group).toEqual(written.ids.slice(0, 3));
  const narrowed = (opts.narrowed ?? []).map((line) => `${prefix}-${line}`).sort();

  if (narrowed.length) {
    const refused = await migrate(opts.from, opts.to).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MigrationLossError);
    const [id, fields] = narrowed.find((line) => line.startsWith(`${(refused as MigrationLossError).entry.id}:`))!.split(': ');
    expect((refused as MigrationLossError).entry.id).toBe(id);
    expect([...new Set((refused as MigrationLossError).differences.map((d) => fieldOf(d.path)))].sort().join(', ')).toBe(fields);
  }
  const report = await migrate(opts.from, opts.to, { allowLossy: narrowed.length > 0 });
  expect(narrowedFields(report)).toEqual(narrowed);

  const after = await python<Dump>(target, 'dump', written);
  expect(after.group).toEqual(before.group);
  for (const id of written.ids) {
    const skipped = new Set([...(narrowed.find((line) => line.startsWith(`${id}:`))?.split(': ')[1]!.split(', ') ?? []), ...(opts.unreadByPython ?? [])]);
    const keep = (dump: Record<string, string | null>): Record<string, string | null> => Object.fromEntries(Object.entries(dump).filter(([field]) => !skipped.has(field)));
    expect({ id, ...keep(after.results[id]!) }).toEqual({ id, ...keep(before.results[id]!) });
  }
  if (opts.unreadByPython) {
    // Kept in the target's columns: what Celery 5.3+ (and resultkit) read there.
    const extended = await opts.to.getTaskMeta(`${prefix}-extended`);
    expect([extended.groupId, extended.parentId]).toEqual([`${prefix}-group`, `${prefix}-parent`]);
  }
  return report;
}

describe.skipIf(skip)('Python Celery -> migrate -> Python Celery', () => {
  it('PostgreSQL (pickled rows) -> SQLite reads the same in Python; into MariaDB the lost microseconds are refused, then named', async () => {
    const tag = randomUUID().slice(0, 8);
    const schema = `rt_${tag}`;
    const tables = { task: `rt_${tag}_task`, group: `rt_${tag}_group` };
    const dir = mkdtempSync(join(tmpdir(), 'resultkit-roundtrip-'));
    const source: Store = { url: PG_URL, serializer: 'json', tables, schema };
    const sqlite: Store = { url: `db+sqlite:///${dir}/target.db`, serializer: 'json', tables };
    const maria: Store = { url: MYSQL_URL.replace(/^db\+mysql:/, 'db+mysql+pymysql:'), serializer: 'json', tables };
    await python(source, 'setup', {});
    let from: ResultBackend | null = null;
    let toSqlite: ResultBackend | null = null;
    let toMaria: ResultBackend | null = null;
    try {
      // Python creates the source tables on its first write; Node opens them afterwards.
      await python(source, 'write', { prefix: `rt-${tag}-first`, plain: true });
      from = await openNode(source);
      toSqlite = await openNode(sqlite);
      const report = await roundTrip(source, sqlite, { from, to: toSqlite });
      expect(report.verification?.ok).toBe(true);

      toMaria = await openNode({ ...maria, url: MYSQL_URL });
      // Celery's DATETIME on MySQL has no fractions: every row's date_done is narrowed.
      const lossy = await migrate(from, toMaria).catch((error: unknown) => error);
      expect(lossy).toBeInstanceOf(MigrationLossError);
      expect((lossy as MigrationLossError).differences.map((d) => d.path)).toEqual(['date_done']);
      expect((lossy as MigrationLossError).message).toMatch(/date_done: .*\.\d{6}.* -> .*allowLossy/);
    } finally {
      if (toMaria) await (toMaria.adapter as SqlAdapter).dialect.exec.execute(`DROP TABLE IF EXISTS ${tables.task}, ${tables.group}`);
      await Promise.all([from?.close(), toSqlite?.close(), toMaria?.close()]);
      await python(source, 'teardown', {});
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('Redis (pickle) -> another Redis db byte for byte, and -> PostgreSQL exactly where its columns can hold it', async () => {
    const tag = randomUUID().slice(0, 8);
    const schema = `rt_${tag}`;
    const tables = { task: `rt_${tag}_task`, group: `rt_${tag}_group` };
    const source: Store = { url: REDIS_URL, serializer: 'pickle' };
    const redisTarget: Store = { url: REDIS_TARGET_URL, serializer: 'pickle' };
    const pgTarget: Store = { url: PG_URL, serializer: 'json', tables, schema };
    await python(pgTarget, 'setup', {});
    const from = await openNode(source);
    const toRedis = await openNode(redisTarget);
    const toPg = await openNode(pgTarget);
    const raw = [new Redis(REDIS_URL), new Redis(REDIS_TARGET_URL)];
    try {
      const same = await roundTrip(source, redisTarget, { from, to: toRedis });
      expect(same).toMatchObject({ raw: true, lossy: 0 });
      expect(same.verification?.ok).toBe(true);
      await deleteKeys(raw[0]!, 'celery-task-meta-rt-');
      await deleteKeys(raw[0]!, 'celery-taskset-meta-rt-');
      // Celery's tables have no children column, and their args are JSON here (a tuple becomes a list).
      await roundTrip(source, pgTarget, { from, to: toPg, narrowed: ['extended: args, children'], unreadByPython: RELATION_COLUMNS });
    } finally {
      for (const client of raw) {
        for (const prefix of ['celery-task-meta-rt-', 'celery-taskset-meta-rt-']) await deleteKeys(client, prefix);
        client.disconnect();
      }
      await Promise.all([from.close(), toRedis.close(), toPg.close()]);
      await python(pgTarget, 'teardown', {});
    }
  }, 120_000);

  it('Redis (JSON) -> PostgreSQL reads the same in Python; PostgreSQL -> Redis (JSON) refuses what kombu 5.2 JSON cannot hold', async () => {
    const tag = randomUUID().slice(0, 8);
    const schema = `rt_${tag}`;
    const tables = { task: `rt_${tag}_task`, group: `rt_${tag}_group` };
    const redis: Store = { url: REDIS_URL, serializer: 'json' };
    const pg: Store = { url: PG_URL, serializer: 'json', tables, schema };
    await python(pg, 'setup', {});
    const fromRedis = await openNode(redis);
    const toPg = await openNode(pg);
    const raw = new Redis(REDIS_URL);
    const redisTarget = new Redis(REDIS_TARGET_URL);
    try {
      await roundTrip(redis, pg, { from: fromRedis, to: toPg, plain: true, narrowed: ['extended: children'], unreadByPython: RELATION_COLUMNS });
      await deleteKeys(raw, 'celery-task-meta-rt-');
      await deleteKeys(raw, 'celery-taskset-meta-rt-');

      // Python's own pickled values, from PostgreSQL into kombu 5.2 JSON: bytes cannot be
      // written at all; datetimes, Decimal, UUID and tuples become text and lists, each named.
      const toRedis = await openNode({ url: REDIS_TARGET_URL, serializer: 'json' });
      const pgAgain = await openNode(pg);
      try {
        await python(pg, 'write', { prefix: `rt-${tag}-bytes` });
        const unwritable = await migrate(pgAgain, toRedis, { allowLossy: true }).catch((error: unknown) => error);
        expect(unwritable).toBeInstanceOf(MigrationLossError);
        expect((unwritable as MigrationLossError).message).toMatch(/cannot hold .* at all .*bytes/);
        const sql = (pgAgain.adapter as SqlAdapter).dialect.exec;
        await sql.execute(`DELETE FROM ${schema}.${tables.task} WHERE task_id LIKE 'rt-${tag}-bytes%'`);
        await sql.execute(`DELETE FROM ${schema}.${tables.group} WHERE taskset_id LIKE 'rt-${tag}-bytes%'`);
        await roundTrip(pg, { url: REDIS_TARGET_URL, serializer: 'json' }, {
          from: pgAgain,
          to: toRedis,
          exclude: ['raw'],
          narrowed: ['custom: result', 'list: result', 'values: result'],
        });
      } finally {
        await Promise.all([toRedis.close(), pgAgain.close()]);
      }
    } finally {
      for (const client of [raw, redisTarget]) {
        for (const prefix of ['celery-task-meta-rt-', 'celery-taskset-meta-rt-']) await deleteKeys(client, prefix);
        client.disconnect();
      }
      await Promise.all([fromRedis.close(), toPg.close()]);
      await python(pg, 'teardown', {});
    }
  }, 120_000);
});
