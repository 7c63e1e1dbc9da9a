import { AdapterNotInstalledError } from '@resultkit/core';

/**
 * Imports a database driver only when a backend for its database is opened, so a project
 * installs only the driver it uses. A missing driver is an `AdapterNotInstalledError` naming the
 * package to install; an error raised inside an installed driver is rethrown as it is.
 */
export async function importDriver<T>(packageName: string, scheme: string): Promise<T> {
  let mod: unknown;
  try {
    mod = await import(packageName);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : '';
    const missing =
      (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (module|package)/i.test(message)) &&
      message.includes(packageName);
    if (missing) throw new AdapterNotInstalledError(scheme, packageName, error);
    throw error;
  }
  // The drivers are CommonJS: their API is the default export of the ES module namespace.
  const namespace = mod as { default?: unknown };
  return (namespace.default ?? namespace) as T;
}
