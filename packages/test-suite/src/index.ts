import { resolveOptions, type ConformanceOptions } from './options.js';
import { registerBadInputTests } from './suites/bad-input.js';
import { registerConcurrencyTests } from './suites/concurrency.js';
import { registerExceptionTests } from './suites/exceptions.js';
import { registerExpiryTests } from './suites/expiry.js';
import { registerForgetTests } from './suites/forget.js';
import { registerGroupTests } from './suites/groups.js';
import { registerStateTests } from './suites/states.js';
import { registerValueTests } from './suites/values.js';
import { registerWaitingTests } from './suites/waiting.js';

export type { ConformanceOptions } from './options.js';
export { findSecret } from './secrets.js';

/**
 * Registers the conformance tests every resultkit backend passes:
 *
 * ```ts
 * import { describe, it } from 'vitest';
 * import { createBackend } from '@resultkit/core';
 * import { registerConformanceTests } from '@resultkit/test-suite';
 *
 * registerConformanceTests({ it, describe, factory: (o) => createBackend('redis://127.0.0.1:6379/0', o) });
 * ```
 */
export function registerConformanceTests(options: ConformanceOptions): void {
  const suite = resolveOptions(options);
  registerStateTests(suite);
  registerExceptionTests(suite);
  registerWaitingTests(suite);
  registerForgetTests(suite);
  registerGroupTests(suite);
  registerExpiryTests(suite);
  registerValueTests(suite);
  registerBadInputTests(suite);
  registerConcurrencyTests(suite);
}
