/**
 * For the tests that start a server of their own (PgBouncer, a TLS PostgreSQL): a free loopback
 * port, and the system user to run it as when the tests run as root (neither runs as root).
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, createServer } from 'node:net';
import { ConfigurationError, createBackend, type ResultBackend } from '@resultkit/core';
import { findSecret } from '@resultkit/test-suite';
import { expect } from 'vitest';

/** uid and gid of a system user, from /etc/passwd. */
export function systemUser(name: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`The server cannot run as root and there is no ${name} user to run it as`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** A loopback port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}


/** True when something accepts a TCP connection on the loopback `port`. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Stops a server process the test started (`signal`: its fast, clean shutdown) and waits for it to exit. */
export async function stopServer(server: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill(signal);
  await exited;
}

/**
 * Opens a backend on `url` (its tables created at open), waits for one result while storing it,
 * and closes the backend: returns what the wait read, or the error anything on the way threw.
 */
export async function tlsRoundTrip(url: string): Promise<unknown> {
  let backend: ResultBackend | undefined;
  try {
    backend = await createBackend(url, { connectTimeout: 5_000 });
    const id = `rkt-tls-${randomUUID()}`;
    const waiting = backend.asyncResult(id).get({ timeout: 5_000, interval: 50 });
    await backend.storeResult(id, 'over TLS');
    return await waiting;
  } catch (error) {
    return error;
  } finally {
    await backend?.close();
  }
}

/** Waits until `server` accepts connections on `port`; throws, naming `what`, if it exits first or `timeout` ms pass. */
export async function waitForServer(server: ChildProcess, port: number, what: string, timeout: number): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await accepts(port))) {
    if (Date.now() > deadline || server.exitCode !== null) throw new Error(`${what} did not start`);
    await sleep(100);
  }
}

/**
 * What a refused certificate must give: a ConfigurationError at the first handshake (well
 * within the 5 s connect timeout), saying why, with the password nowhere in it.
 */
export async function expectCertificateRefused(attempt: () => Promise<unknown>, password: string): Promise<void> {
  const started = Date.now();
  const error = await attempt();
  expect(error).toBeInstanceOf(ConfigurationError);
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(findSecret(error, password)).toBeNull();
  expect(String((error as Error).message)).toMatch(/certificate|self[- ]signed|verify/i);
}
