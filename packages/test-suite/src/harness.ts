import { randomUUID } from 'node:crypto';
import type { BackendOptions, ResultBackend } from '@resultkit/core';
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
