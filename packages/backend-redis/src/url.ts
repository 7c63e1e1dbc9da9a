import { ConfigurationError, Secrets, redactUrl, scrubError } from '@resultkit/core';

/**
 * Celery's Redis URLs taken apart (`celery/backends/redis.py` `_params_from_url`, §3.1 of the
 * wire-format notes); `connect.ts` turns the result, with the options, into ioredis settings:
 *
 *   redis://[[user]:password@]host[:port][/db][?query]
 *   rediss://…?ssl_cert_reqs=required&ssl_ca_certs=%2Fpath%2Fca.pem
 *   sentinel://[:password@]host:26379[/db];sentinel://host2:26379   (+ the masterName option)
 *   socket:///path/to/redis.sock?virtual_host=<db>                    (also redis+socket://)
 *
 * Query parameters override the options, as in Celery. Messages never contain a password.
 */

export type UrlKind = 'tcp' | 'socket' | 'sentinel';

/** A backend URL taken apart, before any option is applied. */
export interface ParsedRedisUrl {
  kind: UrlKind;
  /** `rediss://`. */
  tls: boolean;
  host: string;
  port: number;
  /** The Unix socket path (`socket://`). */
  path?: string;
  /** The Sentinels (`sentinel://`), in the order given. */
  sentinels?: { host: string; port: number }[];
  username?: string;
  password?: string;
  db?: number;
  /** The query parameters, decoded; the last occurrence of a name wins. */
  query: Record<string, string>;
}

export const SSL_PARAMS = ['ssl_cert_reqs', 'ssl_ca_certs', 'ssl_certfile', 'ssl_keyfile'] as const;

/** Query parameters understood (Celery's and redis-py's names). */
export const KNOWN_PARAMS = new Set<string>([
  ...SSL_PARAMS,
  'socket_timeout',
  'socket_connect_timeout',
  'socket_keepalive',
  'max_connections',
  'client_name',
  'username',
  'password',
  'db',
  'virtual_host',
  'master_name',
  // Ours, not Celery's: see the waitForReplicas option.
  'wait_for_replicas',
  'wait_for_replicas_timeout',
  // Accepted for compatibility with Celery URLs, and not needed here: every timeout is
  // retried by core's retry policy, and a dead connection is found by socket_timeout.
  'retry_on_timeout',
  'health_check_interval',
]);

/** Takes a backend URL apart. Throws `ConfigurationError` (password redacted) when it is malformed. */
export function parseRedisUrl(url: string): ParsedRedisUrl {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'redis':
    case 'rediss':
      return parseTcp(url, scheme === 'rediss');
    case 'socket':
    case 'redis+socket':
      return parseSocket(url);
    case 'sentinel':
      return parseSentinel(url);
    default:
      throw new ConfigurationError(
        `Not a Redis backend URL: ${redactUrl(url)}. Use redis://, rediss://, sentinel:// or socket://.`,
      );
  }
}

function parseTcp(url: string, tls: boolean): ParsedRedisUrl {
  const u = toUrl(url);
  const parsed: ParsedRedisUrl = {
    kind: 'tcp',
    tls,
    host: hostOf(u),
    port: portOf(u, 6379, url),
    query: queryOf(u, url),
  };
  applyUserInfo(parsed, u);
  const db = dbFromPath(u.pathname, url);
  if (db !== undefined) parsed.db = db;
  return parsed;
}

function parseSocket(url: string): ParsedRedisUrl {
  // socket:///run/redis.sock: everything between the scheme and the query is the path.
  const match = /^[a-z+]+:\/\/([^?#]*)(\?[^#]*)?/i.exec(url);
  const path = decodeURIComponent(match?.[1] ?? '');
  if (!path.startsWith('/')) {
    throw new ConfigurationError(`A socket URL needs an absolute path, like socket:///run/redis/redis.sock: ${redactUrl(url)}`);
  }
  const query = queryOf(new URL(`http://localhost/${match?.[2] ?? ''}`), url);
  const parsed: ParsedRedisUrl = { kind: 'socket', tls: false, host: 'localhost', port: 6379, path, query };
  if (query.virtual_host !== undefined) parsed.db = toDb(query.virtual_host, url);
  return parsed;
}

function parseSentinel(url: string): ParsedRedisUrl {
  const chunks = url.split(';').map((c) => c.trim()).filter(Boolean);
  const sentinels: { host: string; port: number }[] = [];
  let first: ParsedRedisUrl | undefined;
  let query: Record<string, string> = {};
  for (const chunk of chunks) {
    if (!/^sentinel:\/\//i.test(chunk)) {
      throw new ConfigurationError(`Every part of a Sentinel URL starts with sentinel://: ${redactUrl(url)}`);
    }
    const u = toUrl(chunk);
    const part: ParsedRedisUrl = { kind: 'sentinel', tls: false, host: hostOf(u), port: portOf(u, 26379, url), query: queryOf(u, url) };
    applyUserInfo(part, u);
    const db = dbFromPath(u.pathname, url);
    if (db !== undefined) part.db = db;
    sentinels.push({ host: part.host, port: part.port });
    query = { ...query, ...part.query };
    first ??= part;
  }
  if (!first) throw new ConfigurationError('A Sentinel URL needs at least one sentinel://host:port.');
  // As in Celery, the password and db of the first entry are the master's.
  const parsed: ParsedRedisUrl = { kind: 'sentinel', tls: false, host: first.host, port: first.port, sentinels, query };
  if (first.username !== undefined) parsed.username = first.username;
  if (first.password !== undefined) parsed.password = first.password;
  if (first.db !== undefined) parsed.db = first.db;
  return parsed;
}

function toUrl(url: string): URL {
  try {
    return new URL(url);
  } catch (error) {
    // The URL parser's own error repeats the input, password included.
    throw new ConfigurationError(`Not a valid Redis URL: ${redactUrl(url)}`, { cause: scrubError(error, Secrets.fromUrl(url)) });
  }
}

function hostOf(u: URL): string {
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return host === '' ? 'localhost' : decodeURIComponent(host);
}

function portOf(u: URL, fallback: number, url: string): number {
  if (u.port === '') return fallback;
  const port = Number(u.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigurationError(`Invalid port in ${redactUrl(url)}`);
  return port;
}

function applyUserInfo(parsed: ParsedRedisUrl, u: URL): void {
  if (u.username) parsed.username = decodeURIComponent(u.username);
  if (u.password) parsed.password = decodeURIComponent(u.password);
}

function dbFromPath(pathname: string, url: string): number | undefined {
  const text = decodeURIComponent(pathname).replace(/^\/+|\/+$/g, '');
  return text === '' ? undefined : toDb(text, url);
}

/** A db number from the URL's path or query. */
export function toDb(text: string, url: string): number {
  const db = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(db)) {
    throw new ConfigurationError(`The Redis db must be a number, got ${JSON.stringify(text)} in ${redactUrl(url)}`);
  }
  return db;
}

function queryOf(u: URL, url: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of u.searchParams) {
    if (name === '') throw new ConfigurationError(`Empty query parameter name in ${redactUrl(url)}`);
    query[name] = value;
  }
  return query;
}

/** A query parameter in seconds (`socket_timeout=5`). */
export function toSeconds(text: string, name: string, url: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(`${name} must be a positive number of seconds, got ${JSON.stringify(text)} in ${redactUrl(url)}`);
  }
  return value;
}

/** A query parameter that is true or false (`socket_keepalive=true`). */
export function toBoolean(text: string, name: string, url: string): boolean {
  const lower = text.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
  if (['0', 'false', 'no', 'off'].includes(lower)) return false;
  throw new ConfigurationError(`${name} must be true or false, got ${JSON.stringify(text)} in ${redactUrl(url)}`);
}
