/**
 * `runFaultCase` for the SQL backend on a test-owned server: background errors (the LISTEN
 * connection's, the pool's) are collected instead of printed and must all be typed, and after
 * `close()` the server must hold no connection of the backend.
 */
import { sqlOptions } from '@resultkit/backend-sql';
import { ResultkitError, type RetryPolicy } from '@resultkit/core';
import { expect } from 'vitest';
import { runFaultCase } from './fault-case.js';
import { waitUntil } from './servers/loopback.js';

export interface SqlFaultCase {
  label: string;
  url: string;
  fault: () => Promise<void>;
  /** Core's `connectTimeout` (ms), when the fault needs a shorter one. */
  connectTimeout?: number;
  /** How many client connections the server has besides the one asking. */
  connections: () => Promise<number>;
  /** Core's retry policy, when the case gives stores a budget that outlasts the fault. */
  retry?: RetryPolicy;
  /** Every store must be acknowledged: the retry budget is meant to ride the fault out. */
  everyStoreAcknowledged?: boolean;
}

export async function runSqlFaultCase(options: SqlFaultCase): Promise<void> {
  const background: unknown[] = [];
  const report = await runFaultCase({
    label: options.label,
    url: options.url,
    backendOptions: {
      ...(options.connectTimeout ? { connectTimeout: options.connectTimeout } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
      sql: sqlOptions({ onBackgroundError: (error) => void background.push(error) }),
    },
    // Waits on stores that failed while the server was down run this long past the last store.
    waitMargin: 6_000,
    fault: options.fault,
    closed: () => waitUntil(async () => (await options.connections()) === 0, 5_000, 'every backend connection to be closed'),
  });
  expect(background.filter((error) => !(error instanceof ResultkitError)), 'background errors that are not typed').toEqual([]);
  if (options.everyStoreAcknowledged) {
    expect(report.storeFailures, 'stores that failed despite the retry budget').toEqual({});
    expect(report.acknowledged).toBe(report.stored);
  }
}

/**
 * A retry policy that rides out a server restart of a few seconds: up to 40 retries, full-jitter
 * backoff capped at 500 ms (about 10 s of retrying on average). Core's default (5 retries from
 * 10 ms) gives up after a fraction of a second, so a store issued while the server is down fails.
 */
export const RIDE_OUT_RESTART: RetryPolicy = { maxRetries: 40, baseDelay: 20, maxDelay: 500 };
