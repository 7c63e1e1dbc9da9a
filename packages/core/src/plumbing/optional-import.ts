import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AdapterNotInstalledError } from '../errors.js';

/**
 * Imports a package that may not be installed: adapter, serializer and compressor packages
 * (by core) and database drivers (by adapters). A project installs only what it uses, so a
 * missing package is normal and becomes `null`; an error raised inside an installed package
 * is rethrown as it is.
 *
 * `load` does the import from the caller's own location (pass `() => import('pg')` from an
 * adapter, so its own dependencies resolve). When that finds nothing, the package is looked up
 * from the application, since the package that asks may not depend on it (core has no
 * dependency on any adapter; pnpm's strict layout and workspaces hide undeclared packages):
 * the entry point's folder and the working directory are tried.
 */
export async function importOptional(packageName: string, load: () => Promise<unknown> = () => import(packageName)): Promise<unknown> {
  try {
    return await load();
  } catch (error) {
    if (!isMissing(error, packageName)) throw error;
  }
  for (const base of applicationBases()) {
    let resolved: string;
    try {
      resolved = createRequire(base).resolve(packageName);
    } catch {
      continue;
    }
    return import(pathToFileURL(resolved).href);
  }
  return null;
}

/**
 * Imports the driver a backend needs (`pg`, `mysql2`, `amqplib`, ...) when a backend for it is
 * opened. A missing driver is an `AdapterNotInstalledError` naming the package to install. The
 * drivers are CommonJS: their API is the default export of the module namespace.
 */
export async function importDriver<T>(packageName: string, scheme: string, load?: () => Promise<unknown>): Promise<T> {
  const mod = (await importOptional(packageName, load)) as { default?: unknown } | null;
  if (!mod) throw new AdapterNotInstalledError(scheme, packageName);
  return (mod.default ?? mod) as T;
}

function isMissing(error: unknown, packageName: string): boolean {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : '';
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (module|package)|Failed to (load|resolve)/i.test(message)) &&
    message.includes(packageName)
  );
}

function applicationBases(): string[] {
  const bases: string[] = [];
  const main = process.argv[1];
  if (main) bases.push(main);
  bases.push(join(process.cwd(), 'package.json'));
  return bases;
}
