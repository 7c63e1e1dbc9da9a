import { resolveConnectTimeout, type AdapterContext, type AdapterFactory } from '@resultkit/core';
import { connect } from './connect.js';
import { resolveSqlOptions, type SqlBackendOptions } from './options.js';
import { SqlAdapter } from './sql-adapter.js';

/**
 * Opens the SQL backend a `db+` URL names: connects (or adopts `sql.client`), prepares the
 * tables, and returns the adapter. Usually called by `createBackend`. A database that cannot be
 * reached, or refuses the login, fails it with core's typed errors (see `SqlAdapter.open`).
 */
export async function createSqlAdapter(url: string, context: AdapterContext): Promise<SqlAdapter> {
  const sqlOptions = (context.options as { sql?: SqlBackendOptions }).sql;
  const options = resolveSqlOptions(sqlOptions, resolveConnectTimeout(context.options));
  // The pool's background errors (an idle connection broken) reach the handler typed and
  // scrubbed like any other; `adapter` exists by the time a pool has idle connections.
  let adapter: SqlAdapter | null = null;
  const connection = await connect(url, options, (error) => options.onBackgroundError(adapter ? adapter.wrapError(error) : error, 'listen'));
  adapter = await SqlAdapter.open({ connection, codec: context.codec, expires: context.expires, extended: context.options.extended ?? false, options });
  return adapter;
}

/** What `createBackend` loads for `db+postgresql://`, `db+mysql://` and `db+sqlite://` URLs. */
export const resultkitAdapter: AdapterFactory = {
  specificationVersion: 'v1',
  schemes: ['db+postgresql', 'db+postgres', 'db+mysql', 'db+mariadb', 'db+sqlite'],
  create: createSqlAdapter,
};
