import { ConfigurationError } from '@resultkit/core';
import { describe, expect, it } from 'vitest';
import { dialectOf, mergeTls, parseDatabaseUrl, resolveSqlOptions, resolveTls, serverConfig, type ServerUrl } from '../src/index.js';

describe('database URLs (SQLAlchemy forms, as Celery takes them)', () => {
  it('reads a PostgreSQL URL with credentials, port and database, with or without a driver suffix', () => {
    for (const scheme of ['db+postgresql', 'db+postgres', 'db+postgresql+psycopg2']) {
      expect(parseDatabaseUrl(`${scheme}://us%40er:p%3Ass@db.example:6543/results`)).toEqual({
        dialect: 'postgresql',
        user: 'us@er',
        password: 'p:ss',
        host: 'db.example',
        port: 6543,
        database: 'results',
        settings: {},
      });
    }
  });

  it('reads MySQL and MariaDB URLs, with PyMySQL and mysqlclient driver suffixes', () => {
    expect(dialectOf('db+mysql+pymysql://root@127.0.0.1/test')).toBe('mysql');
    expect(dialectOf('db+mariadb://root@127.0.0.1/test')).toBe('mysql');
    expect(parseDatabaseUrl('db+mysql://root@[::1]:3307/test?charset=utf8mb4')).toMatchObject({ host: '::1', port: 3307, settings: { charset: 'utf8mb4' } });
  });

  it('reads SQLite paths the way SQLAlchemy does: three slashes relative, four absolute, none in memory', () => {
    expect(parseDatabaseUrl('db+sqlite:///results.db')).toEqual({ dialect: 'sqlite', filename: 'results.db' });
    expect(parseDatabaseUrl('db+sqlite:///sub/dir/r.db')).toEqual({ dialect: 'sqlite', filename: 'sub/dir/r.db' });
    expect(parseDatabaseUrl('db+sqlite:////var/lib/r.db')).toEqual({ dialect: 'sqlite', filename: '/var/lib/r.db' });
    expect(parseDatabaseUrl('db+sqlite://')).toEqual({ dialect: 'sqlite', filename: ':memory:' });
    expect(parseDatabaseUrl('db+sqlite:///:memory:')).toEqual({ dialect: 'sqlite', filename: ':memory:' });
  });

  it('never shows the password in an error', () => {
    const attempts = ['db+postgresql://u:s3cret@h:99999/db', 'db+postgresql://u:s3cret@h/db?bogus=1', 'db+oracle://u:s3cret@h/db', 'db+mysql://u:s3cret@h/db?ssl_mode=sometimes'];
    for (const url of attempts) {
      const error = (() => {
        try {
          parseDatabaseUrl(url);
        } catch (e) {
          return e as Error;
        }
        return null;
      })();
      expect(error, url).toBeInstanceOf(ConfigurationError);
      expect(error!.message).not.toContain('s3cret');
    }
  });

  it('maps PostgreSQL sslmode like libpq, and reads the certificate files it names', () => {
    const tls = (query: string) => (parseDatabaseUrl(`db+postgresql://h/db?${query}`) as ServerUrl).tls;
    expect(tls('sslmode=disable')).toEqual({ mode: 'disable' });
    expect(tls('sslmode=prefer')).toEqual({ mode: 'disable' });
    expect(tls('sslmode=require')).toEqual({ mode: 'require' });
    expect(tls('sslmode=verify-full&sslrootcert=/ca.pem&sslcert=/c.pem&sslkey=/k.pem')).toEqual({
      mode: 'verify-full',
      caFile: '/ca.pem',
      certFile: '/c.pem',
      keyFile: '/k.pem',
    });
    const read = (path: string) => Buffer.from(`<${path}>`);
    expect(resolveTls({ mode: 'require' }, read)).toEqual({ rejectUnauthorized: false });
    expect(resolveTls({ mode: 'disable' }, read)).toBe(false);
    const full = resolveTls({ mode: 'verify-full', caFile: '/ca.pem' }, read) as Record<string, unknown>;
    expect(full).toEqual({ rejectUnauthorized: true, ca: Buffer.from('</ca.pem>') });
    const ca = resolveTls({ mode: 'verify-ca', caFile: '/ca.pem' }, read) as Record<string, unknown>;
    expect(ca.rejectUnauthorized).toBe(true);
    // verify-ca checks the chain but not the host name.
    expect((ca.checkServerIdentity as () => unknown)()).toBeUndefined();
  });

  it('maps MySQL TLS parameters of PyMySQL and mysqlclient', () => {
    const tls = (query: string) => (parseDatabaseUrl(`db+mysql://h/db?${query}`) as ServerUrl).tls;
    expect(tls('ssl_mode=REQUIRED')).toEqual({ mode: 'require' });
    expect(tls('ssl_mode=VERIFY_IDENTITY')).toEqual({ mode: 'verify-full' });
    expect(tls('ssl_ca=/ca.pem')).toEqual({ mode: 'verify-ca', caFile: '/ca.pem' });
    expect(tls('ssl_ca=/ca.pem&ssl_check_hostname=true')).toEqual({ mode: 'verify-full', caFile: '/ca.pem' });
    expect(tls('ssl=false')).toEqual({ mode: 'disable' });
  });

  it('merges the ssl option over the URL, and the pool option over both', () => {
    expect(mergeTls({ rejectUnauthorized: false }, { ca: 'x' })).toEqual({ rejectUnauthorized: false, ca: 'x' });
    expect(mergeTls(undefined, true)).toEqual({ rejectUnauthorized: true });
    expect(mergeTls({ rejectUnauthorized: false }, false)).toBe(false);
    const parsed = parseDatabaseUrl('db+postgresql://u:p@h:5433/db?sslmode=require&connect_timeout=5&application_name=app') as ServerUrl;
    expect(serverConfig(parsed, { ssl: { servername: 'db' }, pool: { max: 20, application_name: 'override' } })).toEqual({
      host: 'h',
      port: 5433,
      user: 'u',
      password: 'p',
      database: 'db',
      ssl: { rejectUnauthorized: false, servername: 'db' },
      connectionTimeoutMillis: 5000,
      application_name: 'override',
      max: 20,
    });
  });
});

describe('options', () => {
  it("fills in Celery's defaults", () => {
    const o = resolveSqlOptions();
    expect(o.tableNames).toEqual({ task: 'celery_taskmeta', group: 'celery_tasksetmeta' });
    expect(o.sequenceNames).toEqual({ task: 'task_id_sequence', group: 'taskset_id_sequence' });
    expect(o).toMatchObject({ createTables: true, notify: 'auto', preserveSuccess: true, relationColumns: true, pickleProtocol: 5, sweepInterval: null });
  });

  it('refuses table names that are not plain identifiers, and bad numbers', () => {
    expect(() => resolveSqlOptions({ tableNames: { task: 'x; DROP TABLE y' } })).toThrow(ConfigurationError);
    expect(() => resolveSqlOptions({ tableNames: { task: 'same', group: 'same' } })).toThrow(ConfigurationError);
    expect(() => resolveSqlOptions({ cleanupBatchSize: 0 })).toThrow(ConfigurationError);
    expect(() => resolveSqlOptions({ notify: 'sometimes' as never })).toThrow(ConfigurationError);
    expect(() => resolveSqlOptions({ sqliteJournalMode: 'wal; x' })).toThrow(ConfigurationError);
  });
});
