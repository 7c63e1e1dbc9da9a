import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestCertificates, type TestCertificates } from '@resultkit/test-suite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCertificateRefused, freePort, stopServer, systemUser, tlsRoundTrip, waitForServer } from './local-servers.js';

/**
 * TLS to a MariaDB that this file creates (mariadb-install-db) and starts with `--ssl-cert` /
 * `--ssl-key` (a self-signed certificate) and a password, on a loopback port of its own:
 * `ssl_ca` with the right CA (verified), `ssl_verify_cert=false` (encrypted, not verified), and
 * the wrong CA refused with a ConfigurationError that carries no password.
 */
const PASSWORD = 'maria-tls-secret-3f09';
const mariadbd = ['/usr/sbin/mariadbd', '/usr/bin/mariadbd'].find((p) => existsSync(p));
// Outside CI a machine without MariaDB's server binaries skips this file; in CI it fails.
const skip = !mariadbd && !process.env.CI;
const dir = mkdtempSync(join(tmpdir(), 'rk-maria-tls-'));
const socket = join(dir, 'mariadbd.sock');
let server: ChildProcess | undefined;
let port = 0;
let certs: TestCertificates;

beforeAll(async () => {
  if (skip) return;
  certs = makeTestCertificates(dir);
  // As root, the server runs as the mysql system user (and reads its files as that user).
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const mysql = systemUser('mysql');
    for (const file of ['', ...readdirSync(dir)]) chownSync(join(dir, file), mysql.uid, mysql.gid);
  }
  const user = asRoot ? ['--user=mysql'] : [];
  execFileSync('mariadb-install-db', ['--no-defaults', `--datadir=${join(dir, 'data')}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...user], {
    stdio: 'ignore',
  });
  port = await freePort();
  server = spawn(
    mariadbd!,
    ['--no-defaults', `--datadir=${join(dir, 'data')}`, `--port=${port}`, '--bind-address=127.0.0.1', `--socket=${socket}`, `--pid-file=${join(dir, 'mariadbd.pid')}`,
      `--ssl-cert=${certs.serverCert}`, `--ssl-key=${certs.serverKey}`, '--skip-log-bin', '--innodb-buffer-pool-size=16M', ...user],
    { stdio: 'ignore' },
  );
  await waitForServer(server, port, 'the test MariaDB', 30_000);
  // Through the socket (root without a password there): a user with a password, over TCP.
  execFileSync('mariadb', ['--no-defaults', `--socket=${socket}`, '-uroot', '-e',
    `CREATE USER 'rk'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'; GRANT ALL ON *.* TO 'rk'@'127.0.0.1'; CREATE DATABASE test;`]);
}, 90_000);

afterAll(async () => {
  await stopServer(server, 'SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

const url = (query: string): string => `db+mysql://rk:${PASSWORD}@127.0.0.1:${port}/test?${query}`;

const roundTrip = (query: string): Promise<unknown> => tlsRoundTrip(url(query));

describe.skipIf(skip)('MariaDB over TLS with a self-signed certificate', () => {
  it('ssl_ca naming the CA that signed the server certificate (verified) works', async () => {
    expect(await roundTrip(`ssl_ca=${encodeURIComponent(certs.ca)}`)).toBe('over TLS');
  });

  it('ssl=true&ssl_verify_cert=false (encrypted, not verified) works', async () => {
    expect(await roundTrip('ssl=true&ssl_verify_cert=false')).toBe('over TLS');
  });

  it('ssl_ca naming the wrong CA is refused with a ConfigurationError that names no password', async () => {
    await expectCertificateRefused(() => roundTrip(`ssl_ca=${encodeURIComponent(certs.wrongCa)}`), PASSWORD);
  });
});
