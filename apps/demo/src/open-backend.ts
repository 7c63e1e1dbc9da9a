import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend, schemeOf, type ResultBackend } from '@resultkit/core';
// Types only: they add the `sql` option to createBackend's options. createBackend itself imports
// the one adapter package the URL names, so a Redis deployment never loads the SQL drivers.
import type {} from '@resultkit/backend-sql';

/**
 * Opens the result backend the URL names. `extended` stores each task's name and arguments
 * with its result, as Celery's `result_extended` does, so any reader of the store sees what ran.
 */
export function openBackend(url: string): Promise<ResultBackend> {
  const scheme = schemeOf(url);
  if (scheme === 'file') createResultsDirectory(url);
  return createBackend(url, {
    extended: true,
    expires: 86_400,
    // WAL lets the app read the SQLite file while a worker process writes it.
    ...(scheme === 'db+sqlite' ? { sql: { sqliteJournalMode: 'wal' } } : {}),
  });
}

/**
 * Celery's file backend expects its directory to exist; the demo creates it, as it creates the
 * SQLite file's. `file:///abs` and `file://localhost/abs` are absolute, `file://dir` is relative.
 */
function createResultsDirectory(url: string): void {
  const { hostname, pathname } = new URL(url);
  const directory = hostname === '' || hostname === 'localhost' ? fileURLToPath(`file://${pathname}`) : join(hostname, decodeURIComponent(pathname));
  mkdirSync(directory, { recursive: true });
}
