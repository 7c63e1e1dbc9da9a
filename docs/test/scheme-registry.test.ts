import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adapterPackageFor, knownSchemes, type AdapterFactory } from '@resultkit/core';
import { describe, expect, it } from 'vitest';

// Core keeps a scheme -> package table so that createBackend can say which package to install
// without importing every adapter. The table must say exactly what the adapters' factories
// say: this test is what keeps the two from drifting apart.
const packagesDir = fileURLToPath(new URL('../../packages/', import.meta.url));
const adapterPackages = readdirSync(packagesDir)
  .filter((dir) => dir.startsWith('backend-'))
  .map((dir) => (JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')) as { name: string }).name);

async function factoryOf(packageName: string): Promise<AdapterFactory> {
  const mod = (await import(packageName)) as { resultkitAdapter?: AdapterFactory };
  if (!mod.resultkitAdapter) throw new Error(`${packageName} exports no resultkitAdapter`);
  return mod.resultkitAdapter;
}

describe('the scheme registry in core', () => {
  it.each(adapterPackages)('names %s for every scheme its factory handles', async (packageName) => {
    const factory = await factoryOf(packageName);
    expect(factory.schemes.length).toBeGreaterThan(0);
    for (const scheme of factory.schemes) expect(adapterPackageFor(scheme), scheme).toBe(packageName);
  });

  it('names, for every scheme it knows, a package whose factory handles that scheme', async () => {
    for (const scheme of knownSchemes().filter((s) => s !== 'memory')) {
      const packageName = adapterPackageFor(scheme);
      expect(adapterPackages, scheme).toContain(packageName);
      expect((await factoryOf(packageName!)).schemes, scheme).toContain(scheme);
    }
  });
});
