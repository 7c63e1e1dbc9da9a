/**
 * What every engine folder's `client.ts` provides to `connect.ts`: one `Engine`, which adopts the
 * user's client or opens a connection from the URL, and hands back the engine's dialect over it.
 * `connect.ts` chooses the engine once, from the URL's scheme; nothing after that branches on it.
 */
import { ConfigurationError, redactUrl, scrubError, type Secrets } from '@resultkit/core';
import type { ListenConnection } from '../notify.js';
import type { ResolvedSqlOptions } from '../options.js';
import { mergeTls, resolveTls, type ServerUrl } from '../url.js';
import type { Dialect } from './dialect.js';

/** How a connection is named in messages, and the passwords to remove from them. */
export interface Named {
  /** The URL with its password replaced, for messages. */
  description: string;
  /** Every password the URL and options carry, to remove from errors. */
  secrets: Secrets;
}

/** An opened (or adopted) connection, as one engine hands it over. */
export interface EngineConnection {
  /** The engine's dialect over the connection's executor. */
  dialect: Dialect;
  /** Where the engine can push (PostgreSQL): opens a connection dedicated to LISTEN. */
  listen?: () => Promise<ListenConnection>;
  /** False for an in-memory SQLite database, whose results end with the process. */
  durable: boolean;
}

/** The one export of every engine's `client.ts`. */
export interface Engine {
  /**
   * Adopts `options.client` (after checking it is this engine's client), or opens a pool or
   * database from the URL. `onPoolError` receives the pool's background errors (an idle
   * connection broken).
   */
  connect(url: string, options: ResolvedSqlOptions, named: Named, onPoolError: (error: unknown) => void): Promise<EngineConnection>;
}

/**
 * Driver settings for a server URL: core's `connectTimeout` under the driver's name for it
 * (`timeoutKey`), then the URL's settings, then TLS, then the `pool` option over them.
 */
export function serverConfig(
  parsed: ServerUrl,
  options: Pick<ResolvedSqlOptions, 'ssl' | 'pool'> & { connectTimeout?: number },
  timeoutKey?: string,
): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  if (timeoutKey && options.connectTimeout !== undefined) config[timeoutKey] = options.connectTimeout;
  Object.assign(config, parsed.settings);
  if (parsed.host !== undefined) config.host = parsed.host;
  if (parsed.port !== undefined) config.port = parsed.port;
  if (parsed.user !== undefined) config.user = parsed.user;
  if (parsed.password !== undefined) config.password = parsed.password;
  if (parsed.database !== undefined) config.database = parsed.database;
  const ssl = mergeTls(resolveTls(parsed.tls), options.ssl);
  if (ssl !== undefined) config.ssl = ssl;
  return { ...config, ...options.pool };
}

/** `sql.client` is not the URL's engine's client. */
export function clientMismatch(url: string, what: string): never {
  throw new ConfigurationError(`sql.client must be ${what} for ${redactUrl(url).split('://')[0]}://.`);
}

// A driver that refuses its settings may repeat them, password included, in its message.
export function cannotCreate(what: string, named: Named, error: unknown): ConfigurationError {
  const cause = scrubError(error, named.secrets);
  return new ConfigurationError(`Cannot create ${what} for ${named.description}: ${cause.message}`, { cause });
}
