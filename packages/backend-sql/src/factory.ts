import type { AdapterContext, AdapterFactory } from '@resultkit/core';
import { connect } from './connect.js';
import { resolveSqlOptions, type SqlBackendOptions } from './options.js';
import { SqlAdapter } from './sql-adapter.js';

/**
 * Opens the SQL backend a `db+` URL names: connects (or adopts `sql.client`), prepares the
 * tables, and returns the adapter. Usually called by `createBackend`.
 */
export async function createSqlAdapter(url: string, context: AdapterContext): Promise<SqlAdapter> {
  const sqlOptions = (context.options as { sql?: SqlBackendOptions }).sql;
  const options = resolveSqlOptions(sqlOptions);
  const connection = await connect(url, options, (error) => options.onBackgroundError(error, 'listen'));
  return SqlAdapter.open({ connection, codec: context.codec, expires: context.expires, extended: context.options.extended ?? false, options });
}

/** What `createBackend` loads for `db+postgresql://`, `db+mysql://` and `db+sqlite://` URLs. */
export const resultkitAdapter: AdapterFactory = {
  specificationVersion: 'v1',
  schemes: ['db+postgresql', 'db+postgres', 'db+mysql', 'db+mariadb', 'db+sqlite'],
  create: createSqlAdapter,
};
