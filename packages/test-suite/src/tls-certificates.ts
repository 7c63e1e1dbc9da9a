/**
 * Self-signed certificates for the TLS tests of a backend, made with the `openssl` command line
 * in a directory the caller owns (and removes): a CA, a server certificate it signed for
 * 127.0.0.1 and localhost, and a second, unrelated CA (the wrong one).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Paths of the PEM files `makeTestCertificates` wrote. */
export interface TestCertificates {
  /** The CA that signed the server certificate. */
  ca: string;
  /** A CA that signed nothing here: verifying the server against it must fail. */
  wrongCa: string;
  serverCert: string;
  serverKey: string;
}

/** Writes the certificates into `dir` (one day of validity is plenty for a test run). */
export function makeTestCertificates(dir: string): TestCertificates {
  const path = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });
  for (const name of ['ca', 'wrong-ca']) {
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=resultkit test ${name}`,
      '-keyout', path(`${name}.key`), '-out', path(`${name}.crt`));
  }
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', path('server.key'), '-out', path('server.csr'));
  // Node checks the name against subjectAltName only: the loopback address and localhost.
  writeFileSync(path('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl('x509', '-req', '-days', '1', '-in', path('server.csr'), '-CA', path('ca.crt'), '-CAkey', path('ca.key'), '-CAcreateserial',
    '-extfile', path('server.ext'), '-out', path('server.crt'));
  return { ca: path('ca.crt'), wrongCa: path('wrong-ca.crt'), serverCert: path('server.crt'), serverKey: path('server.key') };
}
