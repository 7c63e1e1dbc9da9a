import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, createBackend } from '@resultkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConnection } from '../src/connect.js';
import { isRetryableRedisError } from '../src/errors.js';
import { parseRedisUrl } from '../src/url.js';

const dir = mkdtempSync(join(tmpdir(), 'rk redis tls '));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configError(run: () => unknown): ConfigurationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError');
}

describe('redis:// URLs, as Celery reads them', () => {
  it('host, port, db, username and a URL-encoded password', () => {
    const plan = resolveConnection('redis://alice:p%40ss%3Aw0rd@127.0.0.1:6380/4');
    expect(plan.redis).toMatchObject({ host: '127.0.0.1', port: 6380, db: 4, username: 'alice', password: 'p@ss:w0rd' });
    expect(plan.description).toBe('redis://alice:***@127.0.0.1:6380/4');
    expect(plan.connections).toBe(1);
  });

  it('defaults: localhost:6379, Celery\'s 120 s socket timeout, named connections', () => {
    const plan = resolveConnection('redis://');
    expect(plan.redis).toMatchObject({ host: 'localhost', port: 6379, socketTimeout: 120_000, connectionName: 'resultkit' });
    expect(plan.redis.db).toBeUndefined();
  });

  it('a password-only URL (redis://:secret@host) and fallbacks from the options', () => {
    expect(resolveConnection('redis://:secret@127.0.0.1/2').redis).toMatchObject({ password: 'secret', db: 2 });
    expect(resolveConnection('redis://127.0.0.1', { password: 'fromopts', username: 'u', db: 3 }).redis).toMatchObject({
      password: 'fromopts',
      username: 'u',
      db: 3,
    });
    // The URL wins over the fallbacks.
    expect(resolveConnection('redis://:url@127.0.0.1/1', { password: 'opts', db: 3 }).redis).toMatchObject({ password: 'url', db: 1 });
  });

  it('query parameters override the options (seconds, as in Celery)', () => {
    const plan = resolveConnection(
      'redis://127.0.0.1/0?socket_timeout=2.5&socket_connect_timeout=1&socket_keepalive=true&max_connections=3&client_name=app',
      { socketTimeout: 30, socketConnectTimeout: 9, maxConnections: 1, clientName: 'other' },
    );
    expect(plan.redis).toMatchObject({ socketTimeout: 2_500, connectTimeout: 1_000, keepAlive: 60_000, connectionName: 'app' });
    expect(plan.connections).toBe(3);
    expect(resolveConnection('redis://127.0.0.1', { socketKeepalive: 15 }).redis.keepAlive).toBe(15_000);
  });

  it('unknown query parameters are refused; Celery-only ones are accepted', () => {
    expect(configError(() => resolveConnection('redis://127.0.0.1/0?sokcet_timeout=3')).message).toMatch(/sokcet_timeout/);
    expect(() => resolveConnection('redis://127.0.0.1/0?retry_on_timeout=true&health_check_interval=10')).not.toThrow();
  });

  it('bad values are ConfigurationErrors', () => {
    configError(() => resolveConnection('redis://127.0.0.1/zero'));
    configError(() => resolveConnection('redis://127.0.0.1/0?socket_timeout=soon'));
    configError(() => resolveConnection('redis://127.0.0.1/0?max_connections=0'));
    configError(() => resolveConnection('ftp://127.0.0.1'));
  });

  it('ioredis options given as an escape hatch are applied last', () => {
    expect(resolveConnection('redis://127.0.0.1', { ioredis: { connectTimeout: 123, enableAutoPipelining: true } }).redis).toMatchObject({
      connectTimeout: 123,
      enableAutoPipelining: true,
    });
  });
});

describe('rediss:// (TLS)', () => {
  it('without ssl_cert_reqs it is a ConfigurationError, as in Celery, and the password never shows', () => {
    const error = configError(() => resolveConnection('rediss://:hunter2@127.0.0.1:6390/0'));
    expect(error.message).toMatch(/ssl_cert_reqs/);
    expect(error.message).not.toContain('hunter2');
    expect(String(error.cause ?? '')).not.toContain('hunter2');
  });

  it('through createBackend too: the error names the setting, not the password', async () => {
    const error = await createBackend('rediss://user:hunter2@127.0.0.1:6390/0?ssl_cert_reqs=sometimes').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/ssl_cert_reqs/);
    expect((error as Error).message).not.toContain('hunter2');
  });

  it.each([
    ['CERT_REQUIRED', true],
    ['required', true],
    ['CERT_OPTIONAL', true],
    ['optional', true],
    ['CERT_NONE', false],
    ['none', false],
  ])('ssl_cert_reqs=%s verifies the server: %s', (reqs, verify) => {
    expect(resolveConnection(`rediss://127.0.0.1:6390/0?ssl_cert_reqs=${reqs}`).redis.tls).toEqual({ rejectUnauthorized: verify });
  });

  it('ssl_ca_certs, ssl_certfile and ssl_keyfile are URL-decoded paths whose files are read', () => {
    const ca = join(dir, 'ca cert.pem');
    const cert = join(dir, 'client.pem');
    const key = join(dir, 'client.key');
    writeFileSync(ca, 'CA');
    writeFileSync(cert, 'CERT');
    writeFileSync(key, 'KEY');
    const url =
      `rediss://127.0.0.1:6390/0?ssl_cert_reqs=required&ssl_ca_certs=${encodeURIComponent(ca)}` +
      `&ssl_certfile=${encodeURIComponent(cert)}&ssl_keyfile=${encodeURIComponent(key)}`;
    const tls = resolveConnection(url).redis.tls!;
    expect(tls.rejectUnauthorized).toBe(true);
    expect(String(tls.ca)).toBe('CA');
    expect(String(tls.cert)).toBe('CERT');
    expect(String(tls.key)).toBe('KEY');
  });

  it('the options (redis_backend_use_ssl) work too, and the query overrides them', () => {
    const ca = join(dir, 'opts-ca.pem');
    writeFileSync(ca, 'OPTS');
    const tls = resolveConnection('rediss://127.0.0.1:6390/0', { ssl: { certReqs: 'CERT_REQUIRED', caCerts: ca } }).redis.tls!;
    expect(String(tls.ca)).toBe('OPTS');
    expect(resolveConnection('rediss://127.0.0.1/0?ssl_cert_reqs=none', { ssl: { certReqs: 'required' } }).redis.tls?.rejectUnauthorized).toBe(false);
  });

  it('a missing TLS file is a ConfigurationError naming the setting', () => {
    expect(configError(() => resolveConnection(`rediss://127.0.0.1/0?ssl_cert_reqs=required&ssl_ca_certs=${encodeURIComponent(join(dir, 'nope.pem'))}`)).message).toMatch(
      /ssl_ca_certs/,
    );
  });

  it('SSL parameters on a plain redis:// URL are an error, as in Celery', () => {
    expect(configError(() => resolveConnection('redis://127.0.0.1/0?ssl_cert_reqs=required')).message).toMatch(/rediss/);
  });
});

describe('sentinel:// and socket://', () => {
  it('several sentinels separated by ;, the master name from the options, password and db from the first entry', () => {
    const plan = resolveConnection('sentinel://:pw@127.0.0.1:26379/3;sentinel://127.0.0.2:26380', {
      masterName: 'mymaster',
      sentinelPassword: 'spw',
    });
    expect(plan.redis).toMatchObject({
      sentinels: [
        { host: '127.0.0.1', port: 26379 },
        { host: '127.0.0.2', port: 26380 },
      ],
      name: 'mymaster',
      password: 'pw',
      db: 3,
      sentinelPassword: 'spw',
    });
    expect(plan.redis.host).toBeUndefined();
    expect(plan.description).not.toContain('pw@');
  });

  it('a sentinel URL without a master name is a ConfigurationError that hides the password', () => {
    const error = configError(() => resolveConnection('sentinel://:hunter2@127.0.0.1:26379'));
    expect(error.message).toMatch(/masterName/);
    expect(error.message).not.toContain('hunter2');
  });

  it('socket:///path?virtual_host=<db> and redis+socket://', () => {
    expect(resolveConnection('socket:///run/redis/redis%20server.sock?virtual_host=5').redis).toMatchObject({
      path: '/run/redis/redis server.sock',
      db: 5,
    });
    expect(parseRedisUrl('redis+socket:///tmp/r.sock')).toMatchObject({ kind: 'socket', path: '/tmp/r.sock' });
    configError(() => parseRedisUrl('socket://relative.sock'));
  });
});

describe('which errors are retried', () => {
  it('connection losses, timeouts and transient server states are; everything else is not', () => {
    const withCode = (code: string): Error => Object.assign(new Error(`connect ${code}`), { code });
    expect(isRetryableRedisError(withCode('ECONNREFUSED'))).toBe(true);
    expect(isRetryableRedisError(withCode('ECONNRESET'))).toBe(true);
    expect(isRetryableRedisError(new Error('Connection is closed.'))).toBe(true);
    expect(isRetryableRedisError(new Error('Command timed out'))).toBe(true);
    expect(isRetryableRedisError(Object.assign(new Error('x'), { name: 'MaxRetriesPerRequestError' }))).toBe(true);
    expect(isRetryableRedisError(new Error('LOADING Redis is loading the dataset in memory'))).toBe(true);
    expect(isRetryableRedisError(new Error('READONLY You can\'t write against a read only replica.'))).toBe(true);
    // A Cluster write pipelined with its WAIT is not redirected by ioredis (see replica-wait.ts).
    expect(isRetryableRedisError(new Error('MOVED 3999 127.0.0.1:7001'))).toBe(true);
    expect(isRetryableRedisError(new Error('All keys in the pipeline should belong to the same slots allocation group'))).toBe(true);
    expect(isRetryableRedisError(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(false);
    expect(isRetryableRedisError(new Error('ERR syntax error'))).toBe(false);
    expect(isRetryableRedisError('ECONNRESET')).toBe(false);
  });
});
