import { describe, expect, it } from 'vitest';
import { AdapterNotInstalledError, importDriver, importOptional } from '../src/index.js';

describe('optional packages and drivers', () => {
  it('a driver that is not installed is an AdapterNotInstalledError naming the package', async () => {
    const error = await importDriver('resultkit-no-such-driver', 'db+postgresql').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterNotInstalledError);
    expect((error as AdapterNotInstalledError).packageName).toBe('resultkit-no-such-driver');
    expect((error as Error).message).toContain('npm install resultkit-no-such-driver');
  });

  it('a package that is not installed is null; one the caller can load is returned', async () => {
    expect(await importOptional('resultkit-no-such-package')).toBeNull();
    const mod = (await importOptional('node:path', () => import('node:path'))) as { join?: unknown };
    expect(typeof mod.join).toBe('function');
  });

  it('an error raised inside an installed package is rethrown as it is, not taken for a missing one', async () => {
    const broken = new SyntaxError('Unexpected token in resultkit-broken');
    await expect(importOptional('resultkit-broken', () => Promise.reject(broken))).rejects.toBe(broken);
  });

  it('a driver module is its default export (CommonJS drivers under ESM)', async () => {
    const api = { connect: () => 'ok' };
    expect(await importDriver('some-driver', 'db+postgresql', async () => ({ default: api }))).toBe(api);
  });
});
