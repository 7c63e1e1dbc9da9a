import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestCertificates, type TestCertificates } from '@resultkit/test-suite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCertificateRefused, freePort, stopServer, systemUser, tlsRoundTrip, waitForServer } from './local-servers.js';

/**
 * TLS to a PostgreSQL that this file creates (initdb) and starts with `ssl=on`, a self-signed
 * certificate and a password (scram-sha-256), on a loopback port of its own: `sslmode=verify-full`
 * with the right CA, `sslmode=require` (no verification), and the wrong CA refused with a
 * ConfigurationError that carries no password.
 */
const PASSWORD = 'pg-tls-secret-81c4';
const pgBin = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)).map((v) => `/usr/lib/postgresql/${v}/bin`)[0] : undefined;
// Outside CI a machine without PostgreSQL's server binaries skips this file; in CI it fails.
const skip = !pgBin && !process.env.CI;
const dir = mkdtempSync(join(tmpdir(), 'rk-pg-tls-'));
let server: ChildProcess | undefined;
let port = 0;
let certs: TestCertificates;

beforeAll(async () => {
  if (skip) return;
  certs = makeTestCertificates(dir);
  writeFileSync(join(dir, 'password'), `${PASSWORD}\n`);
  // initdb and postgres refuse to run as root: as root, they run as the postgres system user.
  const runAs = process.getuid?.() === 0 ? systemUser('postgres') : undefined;
  for (const file of ['', ...readdirSync(dir)]) {
    if (runAs) chownSync(join(dir, file), runAs.uid, runAs.gid);
  }
  chmodSync(certs.serverKey, 0o600);
  execFileSync(join(pgBin!, 'initdb'), ['-D', join(dir, 'data'), '-U', 'postgres', '--auth-host=scram-sha-256', '--auth-local=trust', `--pwfile=${join(dir, 'password')}`], {
    stdio: 'ignore',
    ...(runAs ?? {}),
  });
  port = await freePort();
  server = spawn(
    join(pgBin!, 'postgres'),
    ['-D', join(dir, 'data'), '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'ssl=on', '-c', `ssl_cert_file=${certs.serverCert}`,
      '-c', `ssl_key_file=${certs.serverKey}`, '-c', 'fsync=off'],
    { stdio: 'ignore', ...(runAs ?? {}) },
  );
  await waitForServer(server, port, 'the test PostgreSQL', 20_000);
}, 60_000);

afterAll(async () => {
  // SIGINT: PostgreSQL's fast shutdown.
  await stopServer(server, 'SIGINT');
  rmSync(dir, { recursive: true, force: true });
});

const url = (query: string): string => `db+postgresql://postgres:${PASSWORD}@127.0.0.1:${port}/postgres?${query}`;

const roundTrip = (query: string): Promise<unknown> => tlsRoundTrip(url(query));

describe.skipIf(skip)('PostgreSQL over TLS with a self-signed certificate', () => {
  it('sslmode=verify-full with the CA that signed the server certificate works', async () => {
    expect(await roundTrip(`sslmode=verify-full&sslrootcert=${encodeURIComponent(certs.ca)}`)).toBe('over TLS');
  });

  it('sslmode=require (encrypted, not verified) works', async () => {
    expect(await roundTrip('sslmode=require')).toBe('over TLS');
  });

  it('sslmode=verify-ca with the wrong CA is refused with a ConfigurationError that names no password', async () => {
    await expectCertificateRefused(() => roundTrip(`sslmode=verify-ca&sslrootcert=${encodeURIComponent(certs.wrongCa)}`), PASSWORD);
  });
});
