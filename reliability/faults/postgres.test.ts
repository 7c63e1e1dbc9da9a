/**
 * Faults on a test-owned PostgreSQL while results are stored and clients wait (pushed by
 * LISTEN/NOTIFY): the server crashed and restarted, shut down in order and restarted, every
 * client connection terminated from the server side (`pg_terminate_backend`), and the server
 * paused with SIGSTOP for longer than the connect timeout.
 *
 * Stores issued while the server is down fail with `BackendUnavailableError` once core's retries
 * (about half a second by default) are spent: they were never acknowledged, and their waits end
 * at their timeout. What must hold is that nothing acknowledged is lost. With a retry budget
 * longer than the outage (`RIDE_OUT_RESTART`), every store is acknowledged.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { skipWithout } from '../support/servers/availability.js';
import { OwnedPostgres } from '../support/servers/postgres-server.js';
import { RIDE_OUT_RESTART, runSqlFaultCase, type SqlFaultCase } from '../support/sql-fault-case.js';

const OTHERS = "FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()";

describe.skipIf(skipWithout('postgresql'))('PostgreSQL under faults', () => {
  let server: OwnedPostgres;

  beforeAll(async () => {
    server = await OwnedPostgres.start();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  const run = (label: string, fault: () => Promise<void>, connectTimeout?: number, budget?: Pick<SqlFaultCase, 'retry' | 'everyStoreAcknowledged'>) =>
    runSqlFaultCase({
      ...budget,
      label: `postgresql ${label}`,
      url: server.url,
      fault,
      connectTimeout,
      connections: async () => Number((await server.query(`SELECT count(*) AS n ${OTHERS}`))[0]!.n),
    });

  it('crashes (SIGKILL to every server process) and restarts mid-run', { timeout: 60_000 }, async () => {
    await run('crash + restart', () => server.restart('crash', 300));
  });

  it('crashes and restarts mid-run; with a retry budget longer than the outage, every store is acknowledged', { timeout: 60_000 }, async () => {
    await run('crash + restart, retry budget', () => server.restart('crash', 300), undefined, { retry: RIDE_OUT_RESTART, everyStoreAcknowledged: true });
  });

  it('shuts down in order (fast shutdown) and restarts mid-run', { timeout: 60_000 }, async () => {
    await run('orderly restart', () => server.restart('graceful', 300));
  });

  it('has every client connection terminated from the server side (pg_terminate_backend), three times', { timeout: 60_000 }, async () => {
    await run('pg_terminate_backend x3', async () => {
      for (let round = 0; round < 3; round++) {
        await server.query(`SELECT pg_terminate_backend(pid) ${OTHERS}`);
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
    });
  });

  it('is paused (SIGSTOP) for 3 s, longer than the 1 s connect timeout, then continued', { timeout: 60_000 }, async () => {
    await run('SIGSTOP 3 s (connect timeout 1 s)', () => server.pauseFor(3_000), 1_000);
  });
});
