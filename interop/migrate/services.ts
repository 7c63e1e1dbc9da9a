/** The services the migration suites use: a Redis db of their own, PostgreSQL and MariaDB's `test` databases. */
import type { Redis } from 'ioredis';

const withDb = (url: string): string => (url.startsWith('db+') ? url : `db+${url}`);
const redisBase = (process.env.REDIS_URL ?? 'redis://127.0.0.1:6379').replace(/\/\d*$/, '');

/** Redis db 15: no other suite uses it; keys carry a prefix of each run's own besides. */
export const REDIS_URL = `${redisBase}/15`;
export const PG_URL = withDb(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test');
export const MYSQL_URL = withDb(process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test');

/** Deletes every key under `prefix`, a SCAN page at a time. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}
