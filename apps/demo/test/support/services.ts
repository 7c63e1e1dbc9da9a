/**
 * The backends the demo's tests run against, each with its own place to store results: a
 * SQLite file and a results directory in temporary directories, Redis database 14, and a
 * PostgreSQL database of its own. `setUp` creates the store, `tearDown` removes it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';

export interface TestBackend {
  name: string;
  /** Whether the service answers; in CI a missing service fails the tests instead of skipping them. */
  available: boolean;
  /** Creates the store and returns its URL. */
  setUp(): Promise<string>;
  /** Deletes everything the tests stored. */
  tearDown(): Promise<void>;
}

const REDIS_BASE = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const PG_BASE = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
/** The demo tests' own Redis database: no other suite uses 14. */
const REDIS_DB = 14;
const PG_DATABASE = 'resultkit_demo_test';

/** True when something accepts connections at the URL's host and port. */
export function answers(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || defaultPort) });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

/** Whether a test needing a service runs: always in CI (so a missing service fails), else when it answers. */
export const mustRun = (available: boolean) => available || Boolean(process.env.CI);

export const sqliteBackend = () => temporaryBackend('sqlite', (dir) => `db+sqlite:///${join(dir, 'results.sqlite')}`);

/** Celery's file backend, in a directory the app has to create (a level below a temporary one). */
export const fileBackend = () => temporaryBackend('file', (dir) => pathToFileURL(join(dir, 'results')).href);

/** A store that lives in a temporary directory, deleted with everything in it afterwards. */
function temporaryBackend(name: string, urlIn: (dir: string) => string): TestBackend {
  let dir = '';
  return {
    name,
    available: true,
    async setUp() {
      dir = mkdtempSync(join(tmpdir(), 'resultkit-demo-'));
      return urlIn(dir);
    },
    async tearDown() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function redisBackend(): Promise<TestBackend> {
  const url = new URL(REDIS_BASE);
  url.pathname = `/${REDIS_DB}`;
  const flush = async () => {
    const client = new Redis(url.toString(), { lazyConnect: true });
    try {
      await client.connect();
      await client.flushdb();
    } finally {
      client.disconnect();
    }
  };
  return {
    name: 'redis',
    available: await answers(REDIS_BASE, 6379),
    async setUp() {
      await flush();
      return url.toString();
    },
    tearDown: flush,
  };
}

export async function postgresBackend(): Promise<TestBackend> {
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: PG_BASE });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const url = new URL(PG_BASE);
  url.pathname = `/${PG_DATABASE}`;
  return {
    name: 'postgresql',
    available: await answers(PG_BASE, 5432),
    async setUp() {
      await admin(`DROP DATABASE IF EXISTS ${PG_DATABASE} WITH (FORCE)`);
      await admin(`CREATE DATABASE ${PG_DATABASE}`);
      return `db+${url.toString()}`;
    },
    async tearDown() {
      await admin(`DROP DATABASE IF EXISTS ${PG_DATABASE} WITH (FORCE)`);
    },
  };
}
