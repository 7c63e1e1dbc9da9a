/**
 * The figure users care about: results per second from a worker storing them to a client
 * awaiting them, per backend. Node: a worker backend and a client backend (each with its own
 * connections, in one process) move RESULTS results, 64 in flight: the client starts
 * `asyncResult(id).get()`, the worker calls `storeResult(id)`, and the figure counts results
 * the client received per second. Python Celery, for the backends it shares with us (Redis,
 * the database backend on PostgreSQL, rpc://): one Python process storing with Celery's backend
 * and another awaiting with `AsyncResult.get()`, one call at a time each (Celery's API is
 * synchronous), both connected before the clock starts (bench/python/celery_end_to_end.py).
 *
 * There is no raw driver doing "await a result", so this figure is absolute (results/s); the
 * last column is the ratio of ours to Celery's. Celery also has memory (cache+memory://), file://, MySQL
 * and SQLite backends; they are not measured here.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createBackend, states, type BackendOptions } from '@resultkit/core';
import { resultkitAdapter as fsAdapter } from '@resultkit/backend-fs';
import { resultkitAdapter as redisAdapter } from '@resultkit/backend-redis';
import { resultkitAdapter as rpcAdapter } from '@resultkit/backend-rpc';
import { resultkitAdapter as sqlAdapter } from '@resultkit/backend-sql';
import { Redis } from 'ioredis';
import { celeryEndToEnd, type CelerySettings } from './celery-python.ts';
import { measure, type Measurement } from './harness.ts';
import { typicalPayload as payload } from './payloads.ts';
import { AMQP_URL, createSchema, deleteMatching, MYSQL_URL, PG_URL, REDIS_URL, runTag, type Schema } from './services.ts';

const RESULTS = Number(process.env.BENCH_E2E_RESULTS ?? 10_000);
const PYTHON_RESULTS = Number(process.env.BENCH_E2E_PYTHON_RESULTS ?? 10_000);
const IN_FLIGHT = 64;

/** One backend: how to open a worker and a client on it, what Celery calls it, and what to remove after. */
interface Target {
  name: string;
  url: string;
  options?: BackendOptions;
  /** Python Celery's settings for the same backend, when it has one. */
  celery?: Omit<CelerySettings, 'ops' | 'prefix' | 'payload'>;
  setUp?: () => Promise<void>;
  tearDown?: () => Promise<void>;
}

async function nodeResultsPerSecond(target: Target, tag: string): Promise<Measurement> {
  const worker = await createBackend(target.url, target.options ?? {});
  const client = await createBackend(target.url, target.options ?? {});
  try {
    // rpc://: the worker sends each result to the queue the client named in the task message.
    const { replyTo } = await client.taskProperties(`${tag}-warm`);
    const rpc = target.url.startsWith('rpc:');
    let n = 0;
    const deliver = async (): Promise<void> => {
      const taskId = `rk-e2e-${tag}-${n++}`;
      const received = client.asyncResult(taskId).get({ timeout: 120_000 });
      await worker.storeResult(taskId, payload, states.SUCCESS, rpc ? { request: { replyTo, correlationId: taskId } } : {});
      await received;
    };
    return await measure(`${target.name}: Node worker -> client`, deliver, { ops: RESULTS, concurrency: IN_FLIGHT, warmup: Math.min(RESULTS, 500) });
  } finally {
    await worker.close();
    await client.close();
  }
}

function targets(tag: string, dir: string): Target[] {
  const tables = { task: 'celery_taskmeta', group: 'celery_tasksetmeta' };
  const schemas: Partial<Record<'postgresql' | 'mysql', Schema>> = {};
  const sqlTarget = (name: string, engine: 'postgresql' | 'mysql', url: string): Target => {
    const schemaName = `rk_e2e_${tag}`;
    return {
      name,
      url,
      options: { adapter: sqlAdapter, sql: { tableNames: tables, tableSchemas: { task: schemaName, group: schemaName } } },
      ...(engine === 'postgresql' ? { celery: { backend: url, tables, schema: schemaName } } : {}),
      setUp: async () => void (schemas[engine] = await createSchema(engine, url, schemaName)),
      tearDown: async () => schemas[engine]?.drop(),
    };
  };
  return [
    { name: 'memory', url: `memory://rk-e2e-${tag}` },
    {
      name: 'Redis',
      url: REDIS_URL,
      options: { adapter: redisAdapter },
      celery: { backend: REDIS_URL },
      tearDown: async () => {
        const redis = new Redis(REDIS_URL);
        await deleteMatching(redis, `*rk-e2e-${tag}-*`);
        await redis.quit();
      },
    },
    sqlTarget('PostgreSQL', 'postgresql', PG_URL),
    sqlTarget('MariaDB', 'mysql', MYSQL_URL),
    { name: 'SQLite', url: `db+sqlite:///${join(dir, 'e2e.sqlite')}`, options: { adapter: sqlAdapter } },
    { name: 'file://', url: pathToFileURL(join(dir, 'results')).href, options: { adapter: fsAdapter }, setUp: async () => void mkdirSync(join(dir, 'results')) },
    { name: 'rpc (RabbitMQ)', url: 'rpc://', options: { adapter: rpcAdapter, rpc: { brokerUrl: AMQP_URL } }, celery: { backend: 'rpc://', broker: AMQP_URL } },
  ];
}

const perSecond = (m: Measurement): string => Math.round(m.opsPerSecond).toLocaleString('en-US');

export async function run(): Promise<void> {
  const tag = runTag();
  const dir = mkdtempSync(join(tmpdir(), 'rk-bench-e2e-'));
  console.log(
    `Node: ${RESULTS.toLocaleString('en-US')} results per backend, ${IN_FLIGHT} in flight, worker and client backends in one process; ` +
      `Python Celery: ${PYTHON_RESULTS.toLocaleString('en-US')} results, a storing process and an awaiting process, 1 in flight each.`,
  );
  const lines = ['| backend | resultkit, Node worker → client (results/s) | Celery 5.2.6, Python worker → client (results/s) | resultkit / Celery |', '|---|---|---|---|'];
  const notes: string[] = [];
  try {
    for (const target of targets(tag, dir)) {
      await target.setUp?.();
      try {
        const ours = await nodeResultsPerSecond(target, tag);
        let celery: Measurement | string | undefined;
        if (target.celery) celery = await celeryEndToEnd({ ...target.celery, ops: PYTHON_RESULTS, prefix: `rk-e2e-${tag}-py-`, payload });
        if (typeof celery === 'string') notes.push(`${target.name}, Celery: not measured (${celery})`);
        const theirs = celery === undefined ? '— (not measured)' : typeof celery === 'string' ? 'n/a' : perSecond(celery);
        const ratio = celery === undefined || typeof celery === 'string' ? '—' : `${(ours.opsPerSecond / celery.opsPerSecond).toFixed(1)}×`;
        lines.push(`| ${target.name} | ${perSecond(ours)} | ${theirs} | ${ratio} |`);
        console.log(`  ${target.name}: done`);
      } finally {
        await target.tearDown?.();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('\nAbsolute results per second (no raw driver awaits a result); the last column is a ratio, ours over Celery\'s.');
  console.log(lines.join('\n'));
  for (const note of notes) console.log(note);
}
