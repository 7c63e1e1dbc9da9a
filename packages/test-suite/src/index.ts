import { resolveOptions, type ConformanceOptions, type ResolvedConformanceOptions } from './options.js';
import { registerBadInputTests } from './suites/bad-input.js';
import { registerCapabilityTests } from './suites/capabilities.js';
import { registerChordTests } from './suites/chords.js';
import { registerConcurrencyTests } from './suites/concurrency.js';
import { registerCorruptStoredTests } from './suites/corrupt-stored.js';
import { registerExceptionTests } from './suites/exceptions.js';
import { registerExpiryTests } from './suites/expiry.js';
import { registerForgetTests } from './suites/forget.js';
import { registerGroupTests } from './suites/groups.js';
import { registerHostileValueTests } from './suites/hostile-values.js';
import { registerStateTests } from './suites/states.js';
import { registerUnsafeContentTests } from './suites/unsafe-content.js';
import { registerValueTests } from './suites/values.js';
import { registerWaitingTests } from './suites/waiting.js';

export type { ConformanceOptions } from './options.js';
export { registerCodecSuite, type CodecSuiteOptions } from './codec/index.js';
export { zeroBomb } from './codec/zero-bomb.js';
export { createMutator, type Mutation, type MutationHook, type Mutator } from './codec/mutations.js';
export { findSecret } from './secrets.js';
export { PYTHON, PYTHON_DISABLED, runPythonCheck, type CheckRequest, type CheckResponse } from './python/python-check.js';
export { toTagged, expectedRead, type Tagged, type TaggingRules } from './python/tagged-values.js';
export { makeTestCertificates, type TestCertificates } from './tls-certificates.js';

type Register = (options: ConformanceOptions) => void;

// Each group can be registered on its own (a backend author starting with states, say); the
// options are resolved the same way as for the whole suite.
const standalone =
  (register: (suite: ResolvedConformanceOptions) => void): Register =>
  (options) =>
    register(resolveOptions(options));

/** States, precedence, extended fields and SUCCESS-is-final. */
export const registerStates: Register = standalone(registerStateTests);
/** Exceptions stored and read as Celery's dicts, `RemoteTaskError` on the way back. */
export const registerExceptions: Register = standalone(registerExceptionTests);
/** `get()`: push or polling, timeouts, aborts, many waiters, close. */
export const registerWaiting: Register = standalone(registerWaitingTests);
/** `forget()` (skipped where the backend declares `forget: false`). */
export const registerForget: Register = standalone(registerForgetTests);
/** Saved groups and `ResultSet` joins and iteration. */
export const registerGroups: Register = standalone(registerGroupTests);
/** Celery's chord protocol (skipped where the backend declares `chords: false`). */
export const registerChords: Register = standalone(registerChordTests);
/** `expires`: by the store itself or by `cleanup()`. */
export const registerExpiry: Register = standalone(registerExpiryTests);
/** Large, unicode, big-integer, bytes and date values. */
export const registerValues: Register = standalone(registerValueTests);
/** Corrupt bytes, foreign documents, `accept`, size limits. */
export const registerBadInput: Register = standalone(registerBadInputTests);
/** Corrupt values planted in the store: typed errors, quickly, and the results beside them untouched. */
export const registerCorruptStored: Register = standalone(registerCorruptStoredTests);
/** Values over the size limit, nested 100,000 deep, and exception documents naming callables. */
export const registerHostileValues: Register = standalone(registerHostileValueTests);
/** `accept` is JSON only by default; pickles and YAML tags that would run code are typed errors and run nothing. */
export const registerUnsafeContent: Register = standalone(registerUnsafeContentTests);
/** Racing writers and readers. */
export const registerConcurrency: Register = standalone(registerConcurrencyTests);
/** What `backend.capabilities` declares is what the backend does. */
export const registerCapabilities: Register = standalone(registerCapabilityTests);

/**
 * Registers the conformance tests every resultkit backend passes. Tests of a feature the
 * backend's `capabilities` declare missing are reported as skipped, with the reason.
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
  registerCapabilityTests(suite);
  registerStateTests(suite);
  registerExceptionTests(suite);
  registerWaitingTests(suite);
  registerForgetTests(suite);
  registerGroupTests(suite);
  registerChordTests(suite);
  registerExpiryTests(suite);
  registerValueTests(suite);
  registerBadInputTests(suite);
  registerCorruptStoredTests(suite);
  registerUnsafeContentTests(suite);
  registerHostileValueTests(suite);
  registerConcurrencyTests(suite);
}
