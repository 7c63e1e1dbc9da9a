import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { states, type ResultBackend } from '@resultkit/core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { accepts, freePort, stopServer, systemUser } from './local-servers.js';
import { dropTables, openBackend, PG_URL, uniqueTables } from './support.js';

/**
 * PostgreSQL behind PgBouncer in transaction mode, on a loopback port and with an ini of this
 * file's own, in front of the shared PostgreSQL. Stores and reads work through it; push cannot
 * (LISTEN runs on whichever server connection the pooler lends, and its notifications go to
 * whoever holds that connection later), and the NOTIFY probe finds that out and falls back to
 * polling.
 */
// Debian installs it in /usr/sbin, which is not on every PATH. Outside CI a machine without it
// skips this file; in CI (scripts/ensure-services.sh installs it) a missing PgBouncer fails.
const pgbouncerBin = ['/usr/sbin', '/usr/bin', ...(process.env.PATH ?? '').split(':')].map((d) => join(d, 'pgbouncer')).find((p) => existsSync(p));
const skip = !pgbouncerBin && !process.env.CI;
const tables = uniqueTables('pgbouncer');
const upstream = new URL(PG_URL.replace(/^db\+/, ''));
const dir = mkdtempSync(join(tmpdir(), 'rk-pgbouncer-'));
let bouncer: ChildProcess | undefined;
let bouncerUrl = '';

beforeAll(async () => {
  if (skip) return;
  const port = await freePort();
  const user = decodeURIComponent(upstream.username || 'postgres');
  writeFileSync(join(dir, 'users.txt'), `"${user}" ""\n`);
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `test = host=${upstream.hostname} port=${upstream.port || 5432} dbname=${upstream.pathname.slice(1)}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      'default_pool_size = 4',
      'max_client_conn = 50',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
  );
  // PgBouncer refuses to run as root: as root, it runs as the postgres system user.
  const runAs = process.getuid?.() === 0 ? systemUser('postgres') : undefined;
  if (runAs) {
    chownSync(dir, runAs.uid, runAs.gid);
    for (const file of ['users.txt', 'pgbouncer.ini']) chownSync(join(dir, file), runAs.uid, runAs.gid);
  }
  bouncer = spawn(pgbouncerBin ?? 'pgbouncer', [join(dir, 'pgbouncer.ini')], { stdio: 'ignore', ...(runAs ?? {}) });
  let spawnError: Error | null = null;
  bouncer.once('error', (error) => (spawnError = error));
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (Date.now() > deadline || bouncer.exitCode !== null || spawnError) throw new Error(`PgBouncer did not start: ${String(spawnError ?? readLog())}`);
    await sleep(50);
  }
  bouncerUrl = `db+postgresql://${encodeURIComponent(user)}@127.0.0.1:${port}/${upstream.pathname.slice(1)}`;
});

afterAll(async () => {
  if (!skip) await dropTables('postgresql', PG_URL, tables).catch(() => {});
  await stopServer(bouncer, 'SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

function readLog(): string {
  try {
    return readFileSync(join(dir, 'pgbouncer.log'), 'utf8').slice(-2000);
  } catch {
    return '(no log)';
  }
}

/** A backend through PgBouncer; `listenErrors` collects what the LISTEN side reports. */
async function open(url: string): Promise<{ backend: ResultBackend; listenErrors: string[] }> {
  const listenErrors: string[] = [];
  const backend = await openBackend(url, tables, {}, {
    // Named statements do not survive a transaction pooler before PgBouncer 1.21.
    preparedStatements: false,
    onBackgroundError: (error, context) => {
      if (context === 'listen') listenErrors.push((error as Error).message);
    },
  });
  onTestFinished(() => backend.close());
  return { backend, listenErrors };
}

describe.skipIf(skip)('PostgreSQL behind PgBouncer (transaction mode)', () => {
  it('stores, reads, groups and forget work through the pooler', async () => {
    const { backend } = await open(bouncerUrl);
    const ids = Array.from({ length: 200 }, () => `rkt-pgb-${randomUUID()}`);
    await Promise.all(ids.map((id, i) => backend.storeResult(id, { i })));
    expect((await backend.getTaskMeta(ids[3]!)).result).toEqual({ i: 3 });
    await backend.markAsFailure(ids[4]!, new Error('boom'));
    expect((await backend.getTaskMeta(ids[4]!)).status).toBe(states.SUCCESS); // a SUCCESS stays
    const group = await backend.saveGroup(`rkt-pgb-group-${randomUUID()}`, ids.slice(0, 20));
    expect(await group.join({ timeout: 5_000 })).toEqual(ids.slice(0, 20).map((_, i) => ({ i })));
    await backend.forget(ids[0]!);
    expect((await backend.getTaskMeta(ids[0]!)).status).toBe(states.PENDING);
  });

  it('the NOTIFY probe finds that push cannot work through the pooler, and waits fall back to polling', async () => {
    const { backend, listenErrors } = await open(bouncerUrl);
    const id = `rkt-pgb-wait-${randomUUID()}`;
    const started = Date.now();
    const waiting = backend.asyncResult(id).get({ timeout: 15_000, interval: 100 });
    await expectEventually(() => listenErrors.some((m) => /falling back to polling/.test(m)), 10_000);
    const fellBackAfter = Date.now() - started;
    // Stored after the fallback, with its NOTIFY: only a poll can find it.
    await backend.storeResult(id, 'found by polling');
    expect(await waiting).toBe('found by polling');
    console.log(`pgbouncer: probe fell back to polling after ${fellBackAfter} ms; the wait resolved ${Date.now() - started} ms after it started`);
    expect(listenErrors.join('\n')).toMatch(/a probe NOTIFY did not arrive within 2000 ms/);
  });

  it('connected directly, the same probe finds push working and does not fall back', async () => {
    const { backend, listenErrors } = await open(PG_URL);
    const id = `rkt-pgb-direct-${randomUUID()}`;
    const waiting = backend.asyncResult(id).get({ timeout: 10_000 });
    // Longer than the probe's 2 s: a fallback would have been reported by now.
    await sleep(2_500);
    await backend.storeResult(id, 'pushed');
    expect(await waiting).toBe('pushed');
    expect(listenErrors).toEqual([]);
  });
});

async function expectEventually(check: () => boolean, timeout: number): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeout} ms`);
    await sleep(20);
  }
}
