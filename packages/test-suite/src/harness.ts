import { randomUUID } from 'node:crypto';
import { AdapterNotInstalledError, type AdapterCapabilities, type BackendOptions, type ResultBackend } from '@resultkit/core';
import type { TestContext } from 'vitest';
import type { ResolvedConformanceOptions } from './options.js';

/** Opens a backend that is closed when the current test finishes, pass or fail. */
export async function openBackend(
  suite: ResolvedConformanceOptions,
  context: TestContext,
  options?: BackendOptions,
): Promise<ResultBackend> {
  const backend = await suite.factory(options);
  context.onTestFinished(() => backend.close());
  return backend;
}

/**
 * As `openBackend`, but reports the test skipped when `options` name a serializer or compressor
 * whose package is not installed where the suite runs.
 */
export async function openBackendOrSkip(suite: ResolvedConformanceOptions, context: TestContext, options: BackendOptions): Promise<ResultBackend> {
  try {
    return await openBackend(suite, context, options);
  } catch (error) {
    if (error instanceof AdapterNotInstalledError) context.skip(`${error.packageName} is not installed`);
    throw error;
  }
}

// The capabilities a factory's backends declare, read once from a backend opened for the
// purpose. Keyed by the factory so that groups registered one by one share the probe.
const probed = new WeakMap<ResolvedConformanceOptions['factory'], Promise<AdapterCapabilities>>();

/** What the backends under test declare they can do (`backend.capabilities`). */
export function capabilitiesOf(suite: ResolvedConformanceOptions): Promise<AdapterCapabilities> {
  let capabilities = probed.get(suite.factory);
  if (!capabilities) {
    capabilities = (async () => {
      const backend = await suite.factory();
      try {
        return { ...backend.capabilities };
      } finally {
        await backend.close();
      }
    })();
    // A failed probe (service down) fails the test that asked, and the next test asks again.
    capabilities.catch(() => probed.delete(suite.factory));
    probed.set(suite.factory, capabilities);
  }
  return capabilities;
}

/**
 * Reports the current test as skipped, with the reason, when the backend does not declare
 * `capability`. Call it before opening anything: vitest runs no `onTestFinished` hook of a
 * test skipped this way.
 */
export async function requireCapability(suite: ResolvedConformanceOptions, context: TestContext, capability: keyof AdapterCapabilities): Promise<void> {
  const capabilities = await capabilitiesOf(suite);
  if (!capabilities[capability]) context.skip(`the backend declares ${capability}: false`);
}

/** A task id no other test (or earlier run) uses. */
export function newId(label = 'task'): string {
  return `rk-${label}-${randomUUID()}`;
}

/** Registers the tests of `body` under a `describe` block when the caller gave one. */
export function group(suite: ResolvedConformanceOptions, name: string, body: () => void): void {
  if (suite.describe) suite.describe(name, body);
  else body();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
