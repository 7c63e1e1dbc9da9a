/**
 * resultkit beside its peers and the raw driver, on the same payload, in the same run:
 * - Redis: raw ioredis, resultkit, celery-node 0.5.9 (npm) and Python Celery 5.2.6;
 * - PostgreSQL (Celery's database backend): raw pg, resultkit and Python Celery (SQLAlchemy);
 * - rpc:// (RabbitMQ): raw amqplib, resultkit and Python Celery.
 * For each: storing a result, reading its state (getTaskMeta / get_task_meta) and awaiting it
 * (`get()` of a stored result; on rpc:// a store -> get() round trip, the only way a result
 * reaches its client there). The Node figures run 64 in flight, alternated over 3 rounds (the
 * median is kept); Python Celery's backend API is synchronous, so its figures are one call at a
 * time, timed in the Python process between the Node rounds.
 *
 * Prints one table: each figure as a ratio to the raw driver, and every absolute ops/s in its
 * own column.
 */
import { createRequire } from 'node:module';
import { createBackend, states, type ResultBackend } from '@resultkit/core';
import { resultkitAdapter as redisAdapter } from '@resultkit/backend-redis';
import { resultkitAdapter as rpcAdapter } from '@resultkit/backend-rpc';
import { resultkitAdapter as sqlAdapter } from '@resultkit/backend-sql';
import { dumps } from '@resultkit/serializer-pickle';
import { Redis } from 'ioredis';
import pg from 'pg';
import type * as CeleryNodeRedis from 'celery-node/dist/backends/redis.js';
import type { AsyncResult as CeleryNodeAsyncResultClass } from 'celery-node/dist/app/result.js';
import { celeryOperations, type CelerySettings } from './celery-python.ts';
import { measure, medianRounds, type Measurement } from './harness.ts';
import { typicalPayload as payload } from './payloads.ts';
import { openRaw } from './rpc.bench.ts';
import { AMQP_URL, createSchema, deleteMatching, PG_URL, printable, REDIS_URL, runTag } from './services.ts';

// celery-node is CommonJS with `exports.default`; require() gives its classes as it documents them.
const require = createRequire(import.meta.url);
const { default: CeleryNodeRedisBackend } = require('celery-node/dist/backends/redis.js') as typeof CeleryNodeRedis;
const { AsyncResult: CeleryNodeAsyncResult } = require('celery-node/dist/app/result.js') as { AsyncResult: typeof CeleryNodeAsyncResultClass };

const OPS = Number(process.env.BENCH_PEERS_OPS ?? 10_000);
const PYTHON_OPS = Number(process.env.BENCH_PEERS_PYTHON_OPS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_PEERS_ROUNDS ?? 3);
const IN_FLIGHT = 64;
// celery-node's AsyncResult.get() polls every 500 ms (its default), so an await takes at least
// that long: a few batches of 64 are enough to measure it.
const CELERY_NODE_GET_OPS = IN_FLIGHT * 4;

const PEERS = ['resultkit', 'celery-node 0.5.9', 'Celery 5.2.6 (Python)'] as const;
type Peer = (typeof PEERS)[number];

/** One line of the table: the raw driver and each peer that has this backend. */
interface Row {
  backend: string;
  operation: string;
  raw: Measurement;
  peers: Partial<Record<Peer, Measurement | string>>;
}

type Op = (i: number) => unknown;
const timed = (label: string, op: Op, ops = OPS) => (): Promise<Measurement> => measure(label, op, { ops, concurrency: IN_FLIGHT, warmup: Math.min(ops, 1_000) });

/** The raw driver and the Node peers, alternated round by round; the median of each. */
async function nodeRow(backend: string, operation: string, raw: () => Promise<Measurement>, peers: Partial<Record<Peer, () => Promise<Measurement>>>): Promise<Row> {
  const names = Object.keys(peers) as Peer[];
  const [rawMedian, ...medians] = await medianRounds([raw, ...names.map((name) => peers[name]!)], ROUNDS);
  const row: Row = { backend, operation, raw: rawMedian!, peers: {} };
  names.forEach((name, i) => (row.peers[name] = medians[i]!));
  console.log(`  ${backend}, ${operation}: done`);
  return row;
}

/** Python Celery's figures, or the reason it could not run, added to the rows they belong to. */
function addCelery(rows: Row[], settings: CelerySettings, keys: Array<'store' | 'meta' | 'get' | undefined>): void {
  const measured = celeryOperations(settings);
  rows.forEach((row, i) => {
    const key = keys[i];
    if (key === undefined) return;
    row.peers['Celery 5.2.6 (Python)'] = typeof measured === 'string' ? `not measured: ${measured}` : measured[key] ?? 'not measured';
  });
}

/** The same document the backends store, so every raw baseline moves the same bytes. */
function documentBytes(backend: ResultBackend, taskId: string): Buffer {
  return Buffer.from(
    backend.codec.encode({ status: 'SUCCESS', result: payload, traceback: null, children: [], date_done: '2026-11-23T19:38:53.971539+00:00', task_id: taskId }),
  );
}

async function redisRows(tag: string): Promise<Row[]> {
  const prefix = `rk-peers-${tag}-`;
  const raw = new Redis(REDIS_URL);
  const ours = await createBackend(REDIS_URL, { adapter: redisAdapter });
  const celeryNode = new CeleryNodeRedisBackend(REDIS_URL, {});
  try {
    await celeryNode.isReady();
    const bytes = documentBytes(ours, `${prefix}00000000-0000-0000-0000-000000000000`);
    let n = 0;
    const id = (who: string): string => `${prefix}${who}-${n++}`;
    // Reads spread over results that exist, written once in Celery's format (all three read it).
    const stored = Array.from({ length: Math.min(OPS, 5_000) }, (_, i) => `${prefix}read-${i}`);
    await Promise.all(stored.map((taskId) => raw.setex(`celery-task-meta-${taskId}`, 3_600, bytes)));
    const storedId = (i: number): string => stored[i % stored.length]!;

    const rows = [
      await nodeRow('Redis', 'store a result', timed('raw SETEX', () => raw.setex(`celery-task-meta-${id('raw')}`, 86_400, bytes)), {
        resultkit: timed('storeResult', () => ours.storeResult(id('rk'), payload, states.SUCCESS)),
        'celery-node 0.5.9': timed('storeResult', () => celeryNode.storeResult(id('cn'), payload, states.SUCCESS)),
      }),
      await nodeRow('Redis', 'read its state', timed('raw GET', (i) => raw.get(`celery-task-meta-${storedId(i)}`)), {
        resultkit: timed('getTaskMeta', (i) => ours.getTaskMeta(storedId(i))),
        'celery-node 0.5.9': timed('getTaskMeta', (i) => celeryNode.getTaskMeta(storedId(i))),
      }),
      await nodeRow('Redis', 'await a stored result', timed('raw GET', (i) => raw.get(`celery-task-meta-${storedId(i)}`)), {
        resultkit: timed('get()', (i) => ours.asyncResult(storedId(i)).get({ timeout: 60_000 })),
        'celery-node 0.5.9': timed('AsyncResult.get()', (i) => new CeleryNodeAsyncResult(storedId(i), celeryNode).get(60_000), CELERY_NODE_GET_OPS),
      }),
    ];
    addCelery(rows, { backend: REDIS_URL, ops: PYTHON_OPS, prefix: `${prefix}py-`, payload }, ['store', 'meta', 'get']);
    return rows;
  } finally {
    await ours.close();
    await celeryNode.disconnect();
    await deleteMatching(raw, `*${prefix}*`);
    await raw.quit();
  }
}

async function postgresRows(tag: string): Promise<Row[]> {
  const schema = await createSchema('postgresql', PG_URL, `rk_peers_${tag}`);
  const tables = { task: 'celery_taskmeta', group: 'celery_tasksetmeta' };
  const table = `${schema.name}.${tables.task}`;
  const ours = await createBackend(PG_URL, { adapter: sqlAdapter, sql: { tableNames: tables, tableSchemas: { task: schema.name, group: schema.name }, pool: { max: 10 } } });
  const pool = new pg.Pool({ connectionString: PG_URL.replace(/^db\+/, ''), max: 10 });
  try {
    // The raw driver does what one store and one read of ours do: a guarded upsert of the same
    // columns (the pickled result, as Celery stores it) and a SELECT of one row.
    const result = Buffer.from(dumps(payload, { protocol: 5 }));
    const upsert =
      `INSERT INTO ${table} AS cur (task_id, status, result, date_done, traceback) VALUES ($1, 'SUCCESS', $2, now(), NULL) ` +
      `ON CONFLICT (task_id) DO UPDATE SET status = EXCLUDED.status, result = EXCLUDED.result, date_done = EXCLUDED.date_done, ` +
      `traceback = EXCLUDED.traceback WHERE cur.status IS DISTINCT FROM 'SUCCESS'`;
    const select = `SELECT task_id, status, result, date_done, traceback FROM ${table} WHERE task_id = $1`;
    let n = 0;
    const id = (who: string): string => `${who}-${n++}`;
    const stored = Array.from({ length: Math.min(OPS, 5_000) }, (_, i) => `read-${i}`);
    await Promise.all(stored.map((taskId) => ours.storeResult(taskId, payload, states.SUCCESS)));
    const storedId = (i: number): string => stored[i % stored.length]!;

    const rows = [
      await nodeRow('PostgreSQL', 'store a result', timed('raw upsert', () => pool.query(upsert, [id('raw'), result])), {
        resultkit: timed('storeResult', () => ours.storeResult(id('rk'), payload, states.SUCCESS)),
      }),
      await nodeRow('PostgreSQL', 'read its state', timed('raw SELECT', (i) => pool.query(select, [storedId(i)])), {
        resultkit: timed('getTaskMeta', (i) => ours.getTaskMeta(storedId(i))),
      }),
      await nodeRow('PostgreSQL', 'await a stored result', timed('raw SELECT', (i) => pool.query(select, [storedId(i)])), {
        resultkit: timed('get()', (i) => ours.asyncResult(storedId(i)).get({ timeout: 60_000 })),
      }),
    ];
    addCelery(rows, { backend: PG_URL, tables, schema: schema.name, ops: PYTHON_OPS, prefix: `py-${tag}-`, payload }, ['store', 'meta', 'get']);
    return rows;
  } finally {
    await ours.close();
    await pool.end();
    await schema.drop();
  }
}

async function rpcRows(tag: string): Promise<Row[]> {
  const open = (): Promise<ResultBackend> => createBackend('rpc://', { adapter: rpcAdapter, expires: 86_400, rpc: { brokerUrl: AMQP_URL } });
  const client = await open();
  const worker = await open();
  const raw = await openRaw();
  try {
    const bytes = documentBytes(client, `rk-peers-${tag}-00000000-0000-0000-0000-000000000000`);
    const { replyTo } = await client.taskProperties(`rk-peers-${tag}-warm`);
    let n = 0;
    const roundTrip = (): Promise<unknown> => {
      const taskId = `rk-peers-${tag}-${n++}`;
      const waiting = client.asyncResult(taskId).get({ timeout: 60_000 });
      return Promise.all([waiting, worker.storeResult(taskId, payload, states.SUCCESS, { request: { replyTo, correlationId: taskId } })]);
    };
    const row = await nodeRow('rpc (RabbitMQ)', 'store -> get() round trip', timed('raw publish -> consume', () => raw.roundTrip(bytes, 1)), {
      resultkit: timed('get() + storeResult', roundTrip),
    });
    // Celery stores then awaits each result in one process; its round trip is the time of both.
    const measured = celeryOperations({ backend: 'rpc://', broker: AMQP_URL, ops: PYTHON_OPS, prefix: `rk-peers-${tag}-py-`, payload });
    if (typeof measured === 'string' || !measured.store || !measured.get) {
      row.peers['Celery 5.2.6 (Python)'] = `not measured: ${typeof measured === 'string' ? measured : 'no figure'}`;
    } else {
      const seconds = measured.store.seconds + measured.get.seconds;
      row.peers['Celery 5.2.6 (Python)'] = { label: 'Celery round trip', ops: measured.get.ops, seconds, opsPerSecond: measured.get.ops / seconds };
    }
    return [row];
  } finally {
    await client.close();
    await worker.close();
    await raw.publisher.close();
    await raw.consumer.close();
  }
}

// Two significant digits below 0.1, so a peer far behind does not print as 0.00×.
const asRatio = (value: number): string => `${value >= 0.1 ? value.toFixed(2) : value.toPrecision(2)}×`;
const ratio = (m: Measurement | string | undefined, raw: Measurement): string =>
  m === undefined ? '—' : typeof m === 'string' ? 'n/a' : asRatio(m.opsPerSecond / raw.opsPerSecond);
const absolute = (m: Measurement | string | undefined): string => (m === undefined || typeof m === 'string' ? '—' : Math.round(m.opsPerSecond).toLocaleString('en-US'));

/** The table, as Markdown so it can be pasted into bench/README.md as printed. */
export function printTable(rows: Row[]): void {
  const lines = [
    `| backend | operation | raw driver | ${PEERS.join(' | ')} | absolute ops/s: raw · ${PEERS.join(' · ')} |`,
    `|---|---|---|${PEERS.map(() => '---').join('|')}|---|`,
    ...rows.map(
      (row) =>
        `| ${row.backend} | ${row.operation} | 1.00× | ${PEERS.map((peer) => ratio(row.peers[peer], row.raw)).join(' | ')} | ` +
        `${[absolute(row.raw), ...PEERS.map((peer) => absolute(row.peers[peer]))].join(' · ')} |`,
    ),
  ];
  console.log(lines.join('\n'));
  for (const row of rows) {
    for (const peer of PEERS) {
      const m = row.peers[peer];
      if (typeof m === 'string') console.log(`${row.backend}, ${row.operation}, ${peer}: ${m}`);
    }
  }
}

export async function run(): Promise<void> {
  const tag = runTag();
  console.log(
    `Node: ${OPS.toLocaleString('en-US')} ops per figure, ${IN_FLIGHT} in flight, median of ${ROUNDS} alternating rounds ` +
      `(celery-node's get(): ${CELERY_NODE_GET_OPS}); Python Celery: ${PYTHON_OPS.toLocaleString('en-US')} ops, 1 in flight. ` +
      `${printable(REDIS_URL)}, ${printable(PG_URL)}, ${printable(AMQP_URL)}`,
  );
  const rows = [...(await redisRows(tag)), ...(await postgresRows(tag)), ...(await rpcRows(tag))];
  console.log(
    '\nRatios are each figure over the raw driver\'s in the same run (higher is faster; 1.00× = as fast as the raw driver); ' +
      'the last column is absolute operations per second, in the same order as the ratio columns. — = the peer has no such backend or call.',
  );
  printTable(rows);
}
