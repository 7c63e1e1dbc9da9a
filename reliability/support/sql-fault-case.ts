/**
 * `runFaultCase` for the SQL backend on a test-owned server: background errors (the LISTEN
 * connection's, the pool's) are collected instead of printed and must all be typed, and after
 * `close()` the server must hold no connection of the backend.
 */
import { sqlOptions } from '@resultkit/backend-sql';
import { ResultkitError } from '@resultkit/core';
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
}

export async function runSqlFaultCase(options: SqlFaultCase): Promise<void> {
  const background: unknown[] = [];
  await runFaultCase({
    label: options.label,
    url: options.url,
    backendOptions: {
      ...(options.connectTimeout ? { connectTimeout: options.connectTimeout } : {}),
      sql: sqlOptions({ onBackgroundError: (error) => void background.push(error) }),
    },
    // Waits on stores that failed while the server was down run this long past the last store.
    waitMargin: 6_000,
    fault: options.fault,
    closed: () => waitUntil(async () => (await options.connections()) === 0, 5_000, 'every backend connection to be closed'),
  });
  expect(background.filter((error) => !(error instanceof ResultkitError)), 'background errors that are not typed').toEqual([]);
}
