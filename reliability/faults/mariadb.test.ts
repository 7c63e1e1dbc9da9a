/**
 * Faults on a test-owned MariaDB while results are stored and clients wait (polled): the server
 * crashed and restarted, shut down in order and restarted, every client connection killed from
 * the server side (`KILL`), and the server paused with SIGSTOP for longer than the connect
 * timeout. As on PostgreSQL, stores issued while the server is down fail with a typed error once
 * core's retries are spent; nothing acknowledged may be lost.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { skipWithout } from '../support/servers/availability.js';
import { OwnedMariaDb } from '../support/servers/mariadb-server.js';
import { RIDE_OUT_RESTART, runSqlFaultCase, type SqlFaultCase } from '../support/sql-fault-case.js';

// Client connections other than the one asking (MariaDB's own threads say 'Daemon').
const OTHERS = "FROM information_schema.processlist WHERE id <> CONNECTION_ID() AND command <> 'Daemon'";

describe.skipIf(skipWithout('mariadb'))('MariaDB under faults', () => {
  let server: OwnedMariaDb;

  beforeAll(async () => {
    server = await OwnedMariaDb.start();
  }, 90_000);
  afterAll(async () => {
    await server?.dispose();
  });

  const run = (label: string, fault: () => Promise<void>, connectTimeout?: number, budget?: Pick<SqlFaultCase, 'retry' | 'everyStoreAcknowledged'>) =>
    runSqlFaultCase({
      ...budget,
      label: `mariadb ${label}`,
      url: server.url,
      fault,
      connectTimeout,
      connections: async () => Number(((await server.query(`SELECT count(*) AS n ${OTHERS}`)) as { n: number }[])[0]!.n),
    });

  it('crashes (SIGKILL) and restarts mid-run', { timeout: 60_000 }, async () => {
    await run('crash + restart', () => server.restart('crash', 300));
  });

  it('crashes and restarts mid-run; with a retry budget longer than the outage, every store is acknowledged', { timeout: 60_000 }, async () => {
    await run('crash + restart, retry budget', () => server.restart('crash', 300), undefined, { retry: RIDE_OUT_RESTART, everyStoreAcknowledged: true });
  });

  it('shuts down in order and restarts mid-run', { timeout: 60_000 }, async () => {
    await run('orderly restart', () => server.restart('graceful', 300));
  });

  it('has every client connection killed from the server side (KILL), three times', { timeout: 60_000 }, async () => {
    await run('KILL x3', async () => {
      for (let round = 0; round < 3; round++) {
        const ids = (await server.query(`SELECT id ${OTHERS}`)) as { id: number }[];
        // A connection may be gone by the time it is killed: that is what is wanted anyway.
        for (const { id } of ids) await server.query(`KILL ${id}`).catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
    });
  });

  it('is paused (SIGSTOP) for 3 s, longer than the 1 s connect timeout, then continued', { timeout: 60_000 }, async () => {
    await run('SIGSTOP 3 s (connect timeout 1 s)', () => server.pauseFor(3_000), 1_000);
  });
});
