import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { ConfigurationError, createBackend, type ResultBackend } from '@resultkit/core';
import { findSecret, makeTestCertificates, type TestCertificates } from '@resultkit/test-suite';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ask, freePorts, RedisServers } from './redis-servers.js';

/**
 * `rediss://` against a Redis that this file starts with TLS on a port of its own and a
 * self-signed certificate: verification on with the right CA, verification off, and the wrong
 * CA refused with a ConfigurationError that carries no password.
 */
const PASSWORD = 'tls-secret-5e7a';
const servers = new RedisServers('tls');
let certs: TestCertificates;
let tlsPort = 0;

beforeAll(async () => {
  certs = makeTestCertificates(servers.dir);
  const [plainPort, port] = (await freePorts(2)) as [number, number];
  tlsPort = port;
  // The plain port is only for the readiness PING (before the password is set there is none to send).
  await servers.start(plainPort, [
    '--tls-port', String(tlsPort), '--tls-cert-file', certs.serverCert, '--tls-key-file', certs.serverKey,
    '--tls-ca-cert-file', certs.ca, '--tls-auth-clients', 'no',
  ]);
  // Set after start so the readiness PING needs no password; every backend below needs it.
  expect(await ask(plainPort, ['CONFIG', 'SET', 'requirepass', PASSWORD])).toBe('OK');
}, 30_000);

afterAll(async () => {
  await servers.stop();
});

function url(query: string): string {
  return `rediss://:${PASSWORD}@127.0.0.1:${tlsPort}/0?${query}`;
}

async function open(query: string): Promise<ResultBackend> {
  const backend = await createBackend(url(query), { connectTimeout: 3_000 });
  onTestFinished(() => backend.close());
  return backend;
}

async function roundTrip(backend: ResultBackend): Promise<unknown> {
  const id = `rkt-tls-${randomUUID()}`;
  const waiting = backend.asyncResult(id).get({ timeout: 5_000 });
  await backend.storeResult(id, 'over TLS');
  const value = await waiting;
  await backend.forget(id);
  return value;
}

describe('rediss:// against a TLS Redis with a self-signed certificate', () => {
  it('verification on, with the CA that signed the server certificate: stores and pushed waits work', async () => {
    const backend = await open(`ssl_cert_reqs=required&ssl_ca_certs=${encodeURIComponent(certs.ca)}`);
    expect(await roundTrip(backend)).toBe('over TLS');
  });

  it('verification off (ssl_cert_reqs=none): any certificate is accepted', async () => {
    const backend = await open('ssl_cert_reqs=none');
    expect(await roundTrip(backend)).toBe('over TLS');
  });

  for (const [label, query] of [
    ['the wrong CA', () => `ssl_cert_reqs=required&ssl_ca_certs=${encodeURIComponent(certs.wrongCa)}`],
    ['no CA (the system ones, which never signed it)', () => 'ssl_cert_reqs=required'],
  ] as const) {
    it(`verification on with ${label}: refused with a ConfigurationError that names no password`, async () => {
      const backend = await open(query());
      const started = Date.now();
      const error = await backend.storeResult(`rkt-tls-${randomUUID()}`, 1).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      // Refused at the first failed handshake, not after connectTimeout.
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(findSecret(error, PASSWORD)).toBeNull();
      expect(inspect(error, { depth: 10 })).toMatch(/certificate|self[- ]signed|verify/i);
    });
  }
});
