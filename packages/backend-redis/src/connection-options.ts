import type { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { ConfigurationError, DEFAULT_CONNECT_TIMEOUT, Secrets, redactUrl, scrubError } from '@resultkit/core';
import type { RedisOptions } from 'ioredis';
import type { RedisBackendOptions, SslCertReqs } from './options.js';

/**
 * Celery's Redis URLs turned into ioredis options (`celery/backends/redis.py`
 * `_params_from_url`, §3.1 of the wire-format notes):
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

const SSL_PARAMS = ['ssl_cert_reqs', 'ssl_ca_certs', 'ssl_certfile', 'ssl_keyfile'] as const;

/** Query parameters understood (Celery's and redis-py's names). */
const KNOWN_PARAMS = new Set<string>([
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

/** What the adapter needs to open its connections. */
export interface ConnectionPlan {
  /** Options for `new Redis(options)`. */
  redis: RedisOptions;
  /** How many command connections to open. */
  connections: number;
  /** The `CLIENT SETNAME` of the command connections. */
  clientName: string;
  /** The URL with any password replaced, for messages. */
  description: string;
  /** The database every command connection must be in before anything is sent (undefined: 0). */
  db: number | undefined;
  /** Milliseconds an operation waits for a usable connection. */
  connectTimeout: number;
  /** Every password the URL and options carry, to remove from errors. */
  secrets: Secrets;
}

/**
 * The ioredis options for `url` and the package options. Reads the TLS files named by
 * `ssl_ca_certs`, `ssl_certfile` and `ssl_keyfile` (URL-decoded). `connectTimeout` (core's
 * option, in ms) applies unless `socket_connect_timeout` / `socketConnectTimeout` is given.
 */
export function resolveConnection(url: string, options: RedisBackendOptions = {}, connectTimeout = DEFAULT_CONNECT_TIMEOUT): ConnectionPlan {
  const parsed = parseRedisUrl(url);
  const q = parsed.query;
  const description = redactUrl(url);

  const unknown = Object.keys(q).filter((k) => !KNOWN_PARAMS.has(k));
  if (unknown.length) {
    throw new ConfigurationError(
      `Unknown query parameter${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} in ${description}. ` +
        `Known: ${[...KNOWN_PARAMS].sort().join(', ')}.`,
    );
  }

  const redis: RedisOptions = {};
  if (parsed.kind === 'socket') {
    redis.path = parsed.path!;
  } else if (parsed.kind === 'sentinel') {
    const name = q.master_name ?? options.masterName;
    if (!name) {
      throw new ConfigurationError(
        `A sentinel:// backend needs the master name: pass { redis: { masterName: 'mymaster' } } ` +
          `(Celery's result_backend_transport_options master_name). URL: ${description}`,
      );
    }
    redis.sentinels = parsed.sentinels!;
    redis.name = name;
    if (options.sentinelUsername !== undefined) redis.sentinelUsername = options.sentinelUsername;
    if (options.sentinelPassword !== undefined) redis.sentinelPassword = options.sentinelPassword;
  } else {
    redis.host = parsed.host;
    redis.port = parsed.port;
  }

  const username = q.username ?? parsed.username ?? options.username;
  const password = q.password ?? parsed.password ?? options.password;
  if (username !== undefined && username !== '') redis.username = username;
  if (password !== undefined && password !== '') redis.password = password;
  const db = q.db !== undefined ? toDb(q.db, url) : (parsed.db ?? options.db);
  if (db !== undefined) {
    if (!Number.isInteger(db) || db < 0) throw new ConfigurationError(`The Redis db must be a whole number >= 0, got ${db}.`);
    redis.db = db;
  }

  const tls = resolveTls(parsed, options, description);
  if (tls) redis.tls = tls;

  const socketTimeout = q.socket_timeout !== undefined ? toSeconds(q.socket_timeout, 'socket_timeout', url) : options.socketTimeout;
  // Celery's redis_socket_timeout defaults to 120 s: a command whose reply never comes (a
  // half-open connection) fails then and is retried on a fresh connection.
  redis.socketTimeout = Math.round((socketTimeout ?? 120) * 1000);
  const connectSeconds =
    q.socket_connect_timeout !== undefined ? toSeconds(q.socket_connect_timeout, 'socket_connect_timeout', url) : options.socketConnectTimeout;
  // One number for both: how long ioredis tries one connection, and how long an operation
  // waits for a usable one before failing with BackendUnavailableError.
  redis.connectTimeout = connectSeconds !== undefined ? Math.round(connectSeconds * 1000) : connectTimeout;
  // A command caught by a broken connection fails after one reconnect attempt instead of
  // twenty (about ten seconds); core retries it once the connection is usable again.
  redis.maxRetriesPerRequest = 1;
  const keepalive = q.socket_keepalive !== undefined ? toBoolean(q.socket_keepalive, 'socket_keepalive', url) : options.socketKeepalive;
  if (keepalive) redis.keepAlive = typeof keepalive === 'number' ? Math.round(keepalive * 1000) : 60_000;

  const maxConnections = q.max_connections !== undefined ? Number(q.max_connections) : (options.maxConnections ?? 1);
  if (!Number.isInteger(maxConnections) || maxConnections < 1) {
    throw new ConfigurationError(`max_connections must be a whole number >= 1, got ${String(maxConnections)}.`);
  }
  const clientName = q.client_name ?? options.clientName ?? 'resultkit';
  redis.connectionName = clientName;
  if (options.autoPipelining) redis.enableAutoPipelining = true;

  const resolved: RedisOptions = { ...redis, ...options.ioredis };
  const secrets = Secrets.fromUrl(url, password, resolved.password, resolved.sentinelPassword, options.password, options.sentinelPassword);
  return {
    redis: resolved,
    connections: maxConnections,
    clientName,
    description,
    db: resolved.db,
    connectTimeout: resolved.connectTimeout ?? connectTimeout,
    secrets,
  };
}

function resolveTls(parsed: ParsedRedisUrl, options: RedisBackendOptions, description: string): TlsOptions | undefined {
  const q = parsed.query;
  const inQuery = SSL_PARAMS.filter((p) => q[p] !== undefined);
  if (!parsed.tls) {
    if (inQuery.length) {
      throw new ConfigurationError(
        `${inQuery.join(', ')} ${inQuery.length > 1 ? 'are' : 'is'} only valid with rediss:// (TLS), not ${description}.`,
      );
    }
    return undefined;
  }
  const ssl = options.ssl ?? {};
  const reqs = q.ssl_cert_reqs ?? ssl.certReqs;
  const verify = certReqsVerify(reqs);
  if (verify === undefined) {
    throw new ConfigurationError(
      `A rediss:// backend needs ssl_cert_reqs: one of CERT_REQUIRED, CERT_OPTIONAL, CERT_NONE (or required, optional, none), ` +
        `in the URL query or in { redis: { ssl: { certReqs } } }${reqs === undefined ? '' : `; got ${JSON.stringify(reqs)}`}. URL: ${description}`,
    );
  }
  const tls: TlsOptions = { rejectUnauthorized: verify };
  const ca = q.ssl_ca_certs ?? ssl.caCerts;
  const cert = q.ssl_certfile ?? ssl.certFile;
  const key = q.ssl_keyfile ?? ssl.keyFile;
  if (ca) tls.ca = readTlsFile(ca, 'ssl_ca_certs');
  if (cert) tls.cert = readTlsFile(cert, 'ssl_certfile');
  if (key) tls.key = readTlsFile(key, 'ssl_keyfile');
  return tls;
}

/** true: verify the server certificate; false: accept any; undefined: not a valid value. */
export function certReqsVerify(value: string | undefined): boolean | undefined {
  // Python's CERT_OPTIONAL on a client socket verifies the server just like CERT_REQUIRED.
  switch (value?.toLowerCase() as Lowercase<SslCertReqs> | undefined) {
    case 'cert_required':
    case 'required':
    case 'cert_optional':
    case 'optional':
      return true;
    case 'cert_none':
    case 'none':
      return false;
    default:
      return undefined;
  }
}

function readTlsFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigurationError(`Cannot read ${what} file ${path}: ${(error as Error).message}`, { cause: scrubError(error, new Secrets()) });
  }
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

function toDb(text: string, url: string): number {
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

function toSeconds(text: string, name: string, url: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(`${name} must be a positive number of seconds, got ${JSON.stringify(text)} in ${redactUrl(url)}`);
  }
  return value;
}

function toBoolean(text: string, name: string, url: string): boolean {
  const lower = text.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
  if (['0', 'false', 'no', 'off'].includes(lower)) return false;
  throw new ConfigurationError(`${name} must be true or false, got ${JSON.stringify(text)} in ${redactUrl(url)}`);
}
