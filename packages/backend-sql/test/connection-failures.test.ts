/**
 * What a SQL backend does when its database cannot be used: a closed port, a server that never
 * answers, a refused login, an unknown database, TLS asked of a plain server, a SQLite path that
 * cannot be opened. Each is one of core's typed errors, within `connectTimeout`, with the
 * scrubbed driver error as `cause` and the password nowhere.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import {
  BackendOperationError,
  BackendUnavailableError,
  ConfigurationError,
  createBackend,
  type BackendOptions,
} from '@resultkit/core';
import { findSecret } from '@resultkit/test-suite';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { dropTables, openBackend, PG_URL, uniqueTables } from './support.js';

const SECRET = 's3cret-rk-9Zp';
// Nothing listens on these loopback ports.
const CLOSED = { postgresql: 5439, mysql: 3309 };

async function failure(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  const error = await promise.then(
    async (backend) => {
      await (backend as { close(): Promise<void> }).close();
      return new Error('expected the backend to fail');
    },
    (e: unknown) => e,
  );
  return { error, ms: performance.now() - started };
}

// A server on loopback that accepts connections and never says a word: a hung database.
let silent: Server;
let silentPort = 0;
const sockets = new Set<Socket>();
beforeAll(async () => {
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as { port: number }).port;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

type Case = { name: string; url: () => string; type: new (...args: never[]) => Error; within?: number; options?: BackendOptions };

const cases: Case[] = [
  { name: 'PostgreSQL at a closed port', url: () => `db+postgresql://postgres:${SECRET}@127.0.0.1:${CLOSED.postgresql}/test`, type: BackendUnavailableError },
  {
    name: 'PostgreSQL that never answers',
    url: () => `db+postgresql://postgres:${SECRET}@127.0.0.1:${silentPort}/test`,
    type: BackendUnavailableError,
    options: { connectTimeout: 500 },
    within: 2_000,
  },
  { name: 'PostgreSQL refusing the user', url: () => `db+postgresql://rk_no_such_user:${SECRET}@127.0.0.1:5432/test`, type: ConfigurationError },
  { name: 'PostgreSQL without the database', url: () => `db+postgresql://postgres:${SECRET}@127.0.0.1:5432/rk_no_such_db`, type: ConfigurationError },
  { name: 'PostgreSQL asked for TLS it does not speak', url: () => `db+postgresql://postgres:${SECRET}@127.0.0.1:5432/test?sslmode=require`, type: ConfigurationError },
  { name: 'MariaDB at a closed port', url: () => `db+mysql://root:${SECRET}@127.0.0.1:${CLOSED.mysql}/test`, type: BackendUnavailableError },
  {
    name: 'MariaDB that never answers',
    url: () => `db+mysql://root:${SECRET}@127.0.0.1:${silentPort}/test`,
    type: BackendUnavailableError,
    options: { connectTimeout: 500 },
    within: 2_000,
  },
  { name: 'MariaDB refusing the password', url: () => `db+mysql://root:${SECRET}@127.0.0.1:3306/test`, type: ConfigurationError },
  { name: 'MariaDB refusing the user', url: () => `db+mysql://rk_no_such_user:${SECRET}@127.0.0.1:3306/test`, type: ConfigurationError },
  { name: 'MariaDB without the database', url: () => 'db+mysql://root@127.0.0.1:3306/rk_no_such_db', type: ConfigurationError },
  { name: 'MariaDB asked for TLS it does not speak', url: () => `db+mysql://root@127.0.0.1:3306/test?ssl_mode=required`, type: ConfigurationError },
  { name: 'SQLite at a path that cannot be opened', url: () => 'db+sqlite:////rk-no-such-dir/results.db', type: ConfigurationError },
];

describe('a database that cannot be used', () => {
  for (const c of cases) {
    it(`${c.name}: createBackend fails with ${c.type.name}, the scrubbed driver error as cause, no password anywhere`, async () => {
      const { error, ms } = await failure(createBackend(c.url(), c.options));
      expect(error).toBeInstanceOf(c.type);
      const cause = (error as Error).cause as Error;
      expect(cause).toBeInstanceOf(Error);
      // A copy, not the driver's object: nothing of it but what is safe to show.
      expect(Object.getPrototypeOf(cause)).toBe(Error.prototype);
      expect(findSecret(error, SECRET)).toBeNull();
      expect(ms).toBeLessThan(c.within ?? 3_000);
    });
  }
});

describe('a database that fails an operation', () => {
  const tables = uniqueTables('connfail');
  afterAll(() => dropTables('postgresql', PG_URL, tables));

  it('fails it with BackendOperationError, never with the driver error itself', async () => {
    const backend = await openBackend(PG_URL, tables);
    onTestFinished(() => backend.close());
    await dropTables('postgresql', PG_URL, tables);
    const error = await backend.getTaskMeta('rk-gone').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendOperationError);
    expect((error as Error).message).toMatch(/does not exist/);
    expect(((error as Error).cause as { code?: string }).code).toBe('42P01');
  });
});

describe('a database that goes away after the backend opened', () => {
  const tables = uniqueTables('connlost');
  afterAll(() => dropTables('postgresql', PG_URL, tables));

  it('fails reads and stores with BackendUnavailableError within connectTimeout, not with the driver error', async () => {
    // A loopback relay to the real server, closed (with every connection through it) mid-test.
    const relayed = new Set<Socket>();
    const relay = createServer((client) => {
      const upstream = createConnection({ host: '127.0.0.1', port: 5432 });
      for (const s of [client, upstream]) {
        relayed.add(s);
        s.on('error', () => {});
        s.on('close', () => relayed.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const port = (relay.address() as { port: number }).port;
    const url = PG_URL.replace(/@[^/]+\//, `@127.0.0.1:${port}/`).replace('postgres@', `postgres:${SECRET}@`);
    const backend = await openBackend(url, tables, { connectTimeout: 500 });
    onTestFinished(() => backend.close());
    await backend.storeResult('rk-before', 1);

    await new Promise<void>((resolve) => {
      relay.close(() => resolve());
      for (const s of relayed) s.destroy();
    });
    for (const call of [() => backend.getTaskMeta('rk-after'), () => backend.storeResult('rk-after', 2)]) {
      const { error, ms } = await failure(call());
      expect(error).toBeInstanceOf(BackendUnavailableError);
      expect(findSecret(error, SECRET)).toBeNull();
      expect(ms).toBeLessThan(3_000);
    }
  });
});
