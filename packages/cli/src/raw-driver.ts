import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importOptional, schemeOf } from '@resultkit/core';

/**
 * The same work without resultkit, for `resultkit bench` to print beside its own figures: the
 * driver the adapter uses, writing and reading the same bytes under the same kind of key, in a
 * scratch table or directory of its own that is removed afterwards.
 */
export interface RawDriver {
  /** What is measured, for the table: `ioredis SET/GET`. */
  readonly name: string;
  store(key: string, value: Uint8Array): Promise<void>;
  get(key: string): Promise<void>;
  close(): Promise<void>;
}

/** The raw driver for a backend URL, or null (with why) when there is none to compare with. */
export async function openRawDriver(url: string): Promise<RawDriver | string> {
  const scheme = schemeOf(url);
  const table = `resultkit_bench_${randomBytes(4).toString('hex')}`;
  if (scheme === 'redis' || scheme === 'rediss') return (await redisDriver(url)) ?? 'ioredis is not installed';
  if (scheme.startsWith('db+postgres')) return (await postgresDriver(sqlDriverUrl(url), table)) ?? 'pg is not installed';
  if (scheme.startsWith('db+mysql') || scheme.startsWith('db+mariadb')) return (await mysqlDriver(sqlDriverUrl(url), table)) ?? 'mysql2 is not installed';
  if (scheme.startsWith('db+sqlite')) return (await sqliteDriver(sqlitePath(url), table)) ?? 'better-sqlite3 is not installed';
  if (scheme === 'file') return fileDriver(join(fileURLToPath(url.replace(/\?.*$/, '')), `.${table}`));
  return `no raw driver to compare ${scheme}:// with`;
}

/** `db+postgresql+psycopg2://…` -> `postgresql://…`: the URL the node driver reads. */
function sqlDriverUrl(url: string): string {
  return url.replace(/^db\+([a-z0-9]+)(\+[a-z0-9_]+)?:/i, (_m, dialect: string) => `${dialect === 'mariadb' ? 'mysql' : dialect}:`);
}

/** SQLAlchemy's `sqlite:///relative.db` and `sqlite:////absolute.db`. */
function sqlitePath(url: string): string {
  return url.replace(/^db\+sqlite(\+[a-z0-9_]+)?:\/\/\//i, '').replace(/\?.*$/, '');
}

async function load<T>(name: string, importer: () => Promise<unknown>): Promise<T | null> {
  const mod = (await importOptional(name, importer)) as { default?: unknown } | null;
  return mod ? ((mod.default ?? mod) as T) : null;
}

interface IoRedis {
  set(key: string, value: Buffer, mode: 'EX', seconds: number): Promise<unknown>;
  getBuffer(key: string): Promise<unknown>;
  del(...keys: string[]): Promise<unknown>;
  quit(): Promise<unknown>;
}

async function redisDriver(url: string): Promise<RawDriver | null> {
  const mod = await load<{ Redis?: new (url: string) => IoRedis }>('ioredis', () => import('ioredis'));
  const Redis = mod?.Redis ?? (mod as unknown as (new (url: string) => IoRedis) | null);
  if (!Redis) return null;
  const client = new Redis(url);
  const keys = new Set<string>();
  return {
    name: 'ioredis SET/GET',
    store: async (key, value) => {
      keys.add(key);
      await client.set(key, Buffer.from(value), 'EX', 600);
    },
    get: async (key) => void (await client.getBuffer(key)),
    close: async () => {
      const all = [...keys];
      for (let i = 0; i < all.length; i += 500) await client.del(...all.slice(i, i + 500));
      await client.quit();
    },
  };
}

interface PgPool {
  query(sql: string, values?: unknown[]): Promise<unknown>;
  end(): Promise<void>;
}

async function postgresDriver(url: string, table: string): Promise<RawDriver | null> {
  const pg = await load<{ Pool: new (config: { connectionString: string; max: number }) => PgPool }>('pg', () => import('pg'));
  if (!pg) return null;
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  await pool.query(`CREATE TABLE ${table} (task_id VARCHAR(155) PRIMARY KEY, result BYTEA)`);
  return {
    name: 'pg upsert/select',
    store: async (key, value) => void (await pool.query(`INSERT INTO ${table} VALUES ($1, $2) ON CONFLICT (task_id) DO UPDATE SET result = EXCLUDED.result`, [key, Buffer.from(value)])),
    get: async (key) => void (await pool.query(`SELECT result FROM ${table} WHERE task_id = $1`, [key])),
    close: async () => {
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
      await pool.end();
    },
  };
}

interface MysqlPool {
  query(sql: string, values?: unknown[]): Promise<unknown>;
  execute(sql: string, values?: unknown[]): Promise<unknown>;
  end(): Promise<void>;
}

async function mysqlDriver(url: string, table: string): Promise<RawDriver | null> {
  const mysql = await load<{ createPool(config: { uri: string; connectionLimit: number }): MysqlPool }>('mysql2/promise', () => import('mysql2/promise'));
  if (!mysql) return null;
  const pool = mysql.createPool({ uri: url, connectionLimit: 10 });
  await pool.query(`CREATE TABLE ${table} (task_id VARCHAR(155) PRIMARY KEY, result LONGBLOB)`);
  return {
    name: 'mysql2 upsert/select',
    store: async (key, value) => void (await pool.execute(`INSERT INTO ${table} VALUES (?, ?) ON DUPLICATE KEY UPDATE result = VALUES(result)`, [key, Buffer.from(value)])),
    get: async (key) => void (await pool.execute(`SELECT result FROM ${table} WHERE task_id = ?`, [key])),
    close: async () => {
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
      await pool.end();
    },
  };
}

interface SqliteDatabase {
  exec(sql: string): unknown;
  prepare(sql: string): { run(...values: unknown[]): unknown; get(...values: unknown[]): unknown };
  close(): void;
}

async function sqliteDriver(path: string, table: string): Promise<RawDriver | null> {
  const Database = await load<new (path: string) => SqliteDatabase>('better-sqlite3', () => import('better-sqlite3'));
  if (!Database) return null;
  const db = new Database(path);
  db.exec(`CREATE TABLE ${table} (task_id VARCHAR(155) PRIMARY KEY, result BLOB)`);
  const upsert = db.prepare(`INSERT INTO ${table} VALUES (?, ?) ON CONFLICT (task_id) DO UPDATE SET result = excluded.result`);
  const select = db.prepare(`SELECT result FROM ${table} WHERE task_id = ?`);
  return {
    name: 'better-sqlite3 upsert/select',
    store: async (key, value) => void upsert.run(key, Buffer.from(value)),
    get: async (key) => void select.get(key),
    close: async () => {
      db.exec(`DROP TABLE IF EXISTS ${table}`);
      db.close();
    },
  };
}

async function fileDriver(dir: string): Promise<RawDriver> {
  await mkdir(dir, { recursive: true });
  return {
    name: 'fs writeFile/readFile',
    store: (key, value) => writeFile(join(dir, key), value),
    get: async (key) => void (await readFile(join(dir, key))),
    close: () => rm(dir, { recursive: true, force: true }),
  };
}
