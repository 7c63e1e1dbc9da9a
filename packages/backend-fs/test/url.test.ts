import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '@resultkit/core';
import { describe, expect, it } from 'vitest';
import { resolveFsOptions } from '../src/options.js';
import { directoryOf } from '../src/url.js';
import { openFsBackend, testDir } from './support.js';

describe('file:// URLs, read as Celery reads them', () => {
  it('file:///abs is the absolute path, file://localhost/abs too', () => {
    expect(directoryOf('file:///var/results', '/cwd')).toBe('/var/results');
    expect(directoryOf('file://localhost/var/results', '/cwd')).toBe('/var/results');
  });

  it('two slashes make a path relative to the working directory, a "host" included', () => {
    expect(directoryOf('file://results', '/cwd')).toBe('/cwd/results');
    expect(directoryOf('file://host/results', '/cwd')).toBe('/cwd/host/results');
    // Only "localhost/" is dropped, as in _find_path.
    expect(directoryOf('file://localhost', '/cwd')).toBe('/cwd/localhost');
  });

  it('nothing is percent-decoded, as in Celery', () => {
    expect(directoryOf('file:///tmp/a%20b', '/cwd')).toBe('/tmp/a%20b');
  });

  it('on Windows the leading slash of file:///C:/dir is dropped', () => {
    expect(directoryOf('file:///C:/results', 'C:\\cwd', 'win32')).toMatch(/C:[\\/]results$/);
  });

  it('other schemes and an empty path are a ConfigurationError', () => {
    expect(() => directoryOf('redis://127.0.0.1/0')).toThrow(ConfigurationError);
    expect(() => directoryOf('file://')).toThrow(ConfigurationError);
  });

  it('bad option values are a ConfigurationError', () => {
    expect(() => resolveFsOptions({ staleLockTimeout: Number.NaN })).toThrow(ConfigurationError);
    expect(resolveFsOptions()).toEqual({ fsync: true, watch: true, staleLockTimeout: 30_000 });
  });
});

describe('opening the directory', () => {
  it('a missing directory is a ConfigurationError naming the resolved path, with the cause', async () => {
    const missing = join(testDir(), 'not-there');
    const error = await openFsBackend(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(missing);
    expect((error as Error).cause).toMatchObject({ code: 'ENOENT' });
  });

  it('a relative URL is resolved against the working directory in the message', async () => {
    const error = await openFsBackend('rk-no-such-dir').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(join(process.cwd(), 'rk-no-such-dir'));
  });

  it('a file instead of a directory is a ConfigurationError', async () => {
    const file = join(testDir(), 'plain-file');
    writeFileSync(file, 'x');
    await expect(openFsBackend(file)).rejects.toThrow(/is not a directory/);
  });

  it('a directory nothing can be written to is a ConfigurationError naming it', async () => {
    // /proc exists everywhere on Linux and refuses new files even to root.
    const error = await openFsBackend('/proc').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/\/proc is not writable/);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });
});
