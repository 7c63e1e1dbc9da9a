/**
 * Opens the database a URL names, or adopts the client the user passed, and prepares its
 * tables. The engine is chosen here, once, from the URL's scheme; its folder's `client.ts` does
 * the rest (drivers are imported there, and only the one the URL's database needs).
 */
import { backendError, redactUrl, Secrets } from '@resultkit/core';
import type { Dialect } from './engines/dialect.js';
import type { Engine, EngineConnection, Named } from './engines/engine.js';
import { mysqlEngine } from './engines/mysql/client.js';
import { postgresEngine } from './engines/postgres/client.js';
import { sqliteEngine } from './engines/sqlite/client.js';
import type { ResolvedSqlOptions } from './options.js';
import { prepareSchema, type Schema } from './schema.js';
import type { DialectName } from './url.js';

/** The one place an engine is chosen. */
const ENGINES: Record<DialectName, Engine> = {
  postgresql: postgresEngine,
  mysql: mysqlEngine,
  sqlite: sqliteEngine,
};

/** An open database with its tables ready: what the adapter is built on. */
export interface Connection extends Named, EngineConnection {
  /** The tables as found (and prepared) when the backend opened. */
  schema: Schema;
}

/** The passwords of a URL and of the options (pool password, TLS key passphrase). */
export function secretsOf(url: string, options: Pick<ResolvedSqlOptions, 'ssl' | 'pool'>): Secrets {
  const ssl = typeof options.ssl === 'object' && options.ssl !== null ? options.ssl : {};
  return Secrets.fromUrl(url, options.pool.password, ssl.passphrase);
}

/**
 * Connects `engine` (the URL's, see `dialectOf`) and prepares the tables (see `createTables`).
 * Preparing is the first use of the connection: a database that cannot be reached fails it with
 * `BackendUnavailableError`, a refused login or an unknown database with `ConfigurationError`,
 * each with the scrubbed driver error as `cause`, and the connection is closed again.
 */
export async function connect(url: string, engine: DialectName, options: ResolvedSqlOptions, tables: { extended: boolean }): Promise<Connection> {
  const named: Named = { description: redactUrl(url), secrets: secretsOf(url, options) };
  // The pool's background errors (an idle connection broken) reach the handler typed and
  // scrubbed like any other, once the engine's dialect exists to classify them.
  let dialect: Dialect | null = null;
  const onPoolError = (error: unknown) => options.onBackgroundError(dialect ? wrapSqlError(dialect, named, error) : error, 'listen');
  const opened = await ENGINES[engine].connect(url, options, named, onPoolError);
  dialect = opened.dialect;
  try {
    const schema = await prepareSchema(opened.dialect, {
      createTables: options.createTables,
      relationColumns: options.relationColumns,
      extended: tables.extended,
    });
    return { ...named, ...opened, schema };
  } catch (error) {
    await opened.dialect.exec.close().catch(() => {});
    throw wrapSqlError(opened.dialect, named, error);
  }
}

/** A driver failure as one of core's typed errors, scrubbed; the caller's own TypeErrors stay as they are. */
export function wrapSqlError(dialect: Dialect, named: Named, error: unknown): Error {
  if (error instanceof TypeError) return error;
  return backendError(dialect.failureKind(error), {
    target: `${dialect.displayName} at ${named.description}`,
    error,
    secrets: named.secrets,
  });
}
