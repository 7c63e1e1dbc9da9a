/**
 * Where the peer and end-to-end benchmarks find the shared services, and the small pieces of
 * setup and cleanup they all need. Each run uses names of its own (a Redis database and key
 * prefix, a schema, auto-delete queues) and removes what it created.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { Redis } from 'ioredis';

const asDb = (url: string): string => (url.startsWith('db+') ? url : `db+${url}`);

export const REDIS_URL = ((): string => {
  const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0');
  url.pathname = `/${process.env.BENCH_PEERS_REDIS_DB ?? 13}`;
  return url.toString();
})();
export const PG_URL = asDb(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test');
export const MYSQL_URL = asDb(process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test');
export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672//';

/** A short random tag for the names one run creates. */
export const runTag = (): string => randomBytes(4).toString('hex');

/** A URL fit to print: the password, if any, replaced. */
export const printable = (url: string): string => url.replace(/:[^:@/]*@/, ':***@');

/** Deletes every key matching `pattern`, a batch per SCAN page. */
export async function deleteMatching(redis: Redis, pattern: string): Promise<void> {
  for await (const keys of redis.scanStream({ match: pattern, count: 5_000 }) as AsyncIterable<string[]>) {
    if (keys.length) await redis.unlink(...keys);
  }
}

/**
 * A schema (PostgreSQL) or database (MariaDB) of the run's own, so the tables and Celery's
 * fixed-name sequences (`task_id_sequence`) both backends create are dropped together with it.
 */
export interface Schema {
  name: string;
  exec(sql: string): Promise<void>;
  drop(): Promise<void>;
}

export async function createSchema(engine: 'postgresql' | 'mysql', url: string, name: string): Promise<Schema> {
  const plain = url.replace(/^db\+/, '');
  if (engine === 'postgresql') {
    const client = new pg.Client({ connectionString: plain });
    await client.connect();
    await client.query(`CREATE SCHEMA ${name}`);
    return {
      name,
      exec: async (sql) => void (await client.query(sql)),
      drop: async () => {
        await client.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
        await client.end();
      },
    };
  }
  const connection = await mysql.createConnection({ uri: plain });
  await connection.query(`CREATE DATABASE ${name}`);
  return {
    name,
    exec: async (sql) => void (await connection.query(sql)),
    drop: async () => {
      await connection.query(`DROP DATABASE IF EXISTS ${name}`);
      await connection.end();
    },
  };
}
