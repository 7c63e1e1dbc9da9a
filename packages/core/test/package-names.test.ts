import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { namedPackages, serializerPackageFor } from '../src/adapter-packages.js';
import { ConfigurationError, createBackend } from '../src/index.js';

const packagesDir = new URL('../../', import.meta.url);

function workspacePackageNames(): string[] {
  return readdirSync(packagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => (JSON.parse(readFileSync(new URL(`${entry.name}/package.json`, packagesDir), 'utf8')) as { name: string }).name);
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('packages named by error messages', () => {
  it('every package an error can tell the user to install is a package of this repository', () => {
    const existing = workspacePackageNames();
    expect(namedPackages().length).toBeGreaterThan(0);
    for (const name of namedPackages()) expect(existing, `${name} is named by an error but is not in packages/`).toContain(name);
  });

  it.each([
    ['compression', { compression: 'bzip2' }],
  ] as const)('a kombu %s without a package yet is a ConfigurationError saying so, naming no package', async (_kind, options) => {
    const error = await failure(createBackend('memory://', options));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('not available yet');
    expect(error.message).not.toMatch(/@resultkit\//);
  });

  it.each(['msgpack', 'yaml', 'pickle'])('the kombu serializer "%s" names the package that provides it', (name) => {
    expect(serializerPackageFor(name)).toBe(`@resultkit/serializer-${name}`);
  });

  it('an unknown serializer is told to be passed in "serializers", with no package to install', async () => {
    const error = await failure(createBackend('memory://', { serializer: 'bson' }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('"serializers"');
    expect(error.message).not.toMatch(/@resultkit\//);
  });

  it('an accepted format without a package is not an error until a value in it is read', async () => {
    const backend = await createBackend('memory://', { accept: ['json', 'msgpack'] });
    await backend.close();
  });
});
