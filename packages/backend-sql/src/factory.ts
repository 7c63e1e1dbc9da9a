import { resolveConnectTimeout, type AdapterFactory } from '@resultkit/core';
import { connect } from './connect.js';
import { resolveSqlOptions } from './options.js';
import { SqlAdapter } from './sql-adapter.js';
import { dialectOf } from './url.js';

/** What `createBackend` loads for `db+postgresql://`, `db+mysql://` and `db+sqlite://` URLs. */
export const resultkitAdapter: AdapterFactory = {
  specificationVersion: 'v1',
  schemes: ['db+postgresql', 'db+postgres', 'db+mysql', 'db+mariadb', 'db+sqlite'],
  /**
   * Opens the SQL backend a `db+` URL names: connects (or adopts `sql.client`), prepares the
   * tables, and returns the adapter. A database that cannot be reached, or refuses the login,
   * fails it with core's typed errors (see `connect`).
   */
  async create(url, context) {
    const options = resolveSqlOptions(context.options.sql, resolveConnectTimeout(context.options));
    const engine = dialectOf(url);
    const extended = context.options.extended ?? false;
    const connection = await connect(url, engine, options, { extended });
    return new SqlAdapter({ connection, codec: context.codec, expires: context.expires, extended, options });
  },
};
