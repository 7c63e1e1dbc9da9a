import { createBackend, schemeOf, type ResultBackend } from '@resultkit/core';
// Types only: they add the `sql` option to createBackend's options. createBackend itself imports
// the one adapter package the URL names, so a Redis deployment never loads the SQL drivers.
import type {} from '@resultkit/backend-sql';

/**
 * Opens the result backend the URL names. `extended` stores each task's name and arguments
 * with its result, as Celery's `result_extended` does, so any reader of the store sees what ran.
 */
export function openBackend(url: string): Promise<ResultBackend> {
  return createBackend(url, {
    extended: true,
    expires: 86_400,
    // WAL lets the app read the SQLite file while a worker process writes it.
    ...(schemeOf(url) === 'db+sqlite' ? { sql: { sqliteJournalMode: 'wal' } } : {}),
  });
}
