import { describe, expect, it } from 'vitest';
import { adapterPackageFor, AdapterNotInstalledError, ConfigurationError, createBackend, loadAdapter, redactUrl, schemeOf } from '../src/index.js';

describe('backend URLs', () => {
  it('never show a password', () => {
    expect(redactUrl('redis://:s3cret@127.0.0.1:6379/0')).toBe('redis://:***@127.0.0.1:6379/0');
    expect(redactUrl('db+postgresql://user:p%40ss@127.0.0.1/test')).toBe('db+postgresql://user:***@127.0.0.1/test');
    expect(redactUrl('sentinel://:pw@h1:26379;sentinel://:pw@h2:26379')).toBe('sentinel://:***@h1:26379;sentinel://:***@h2:26379');
    expect(redactUrl('rpc://guest:guest@127.0.0.1:5672//')).toBe('rpc://guest:***@127.0.0.1:5672//');
    expect(redactUrl('redis://127.0.0.1/0?password=abc&db=1')).toBe('redis://127.0.0.1/0?password=***&db=1');
    expect(redactUrl('memory://')).toBe('memory://');
  });

  it('map Celery schemes to the package that serves them', () => {
    expect(adapterPackageFor('redis')).toBe('@resultkit/backend-redis');
    expect(adapterPackageFor('sentinel')).toBe('@resultkit/backend-redis');
    expect(adapterPackageFor('db+postgresql+psycopg2')).toBe('@resultkit/backend-sql');
    expect(adapterPackageFor('db+sqlite')).toBe('@resultkit/backend-sql');
    expect(adapterPackageFor('rpc')).toBe('@resultkit/backend-rpc');
    expect(adapterPackageFor('cache+memcached')).toBeUndefined();
  });

  it('an unknown scheme is a ConfigurationError without the password', async () => {
    const error = await createBackend('couchbase://admin:hunter2@127.0.0.1/bucket').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('couchbase');
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('a string that is not a URL is a ConfigurationError', async () => {
    expect(() => schemeOf('127.0.0.1:6379')).toThrow(ConfigurationError);
    await expect(createBackend('not a url :hunter2@')).rejects.toThrow(ConfigurationError);
  });

  it('a missing adapter package is named in the error', async () => {
    const error = await loadAdapter('redis', '@resultkit/backend-not-installed').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterNotInstalledError);
    expect((error as AdapterNotInstalledError).packageName).toBe('@resultkit/backend-not-installed');
    expect((error as Error).message).toContain('npm install @resultkit/backend-not-installed');
  });
});
