/**
 * Celery's database URLs (`db+<SQLAlchemy URL>`) turned into driver settings. The forms are
 * SQLAlchemy's, so the same string points the Python and the Node side at the same database:
 *
 *   db+postgresql://user:pass@host:5432/db?sslmode=require    (also postgres, postgresql+psycopg2, ...)
 *   db+mysql://user:pass@host:3306/db?ssl_ca=/path/ca.pem      (also mariadb, mysql+pymysql, ...)
 *   db+sqlite:///relative/path.db    three slashes: relative to the working directory
 *   db+sqlite:////absolute/path.db   four slashes: absolute
 *   db+sqlite://                     in memory (also db+sqlite:///:memory:)
 *
 * Nothing here reads files or touches the network; `resolveTls` does the file reads.
 */
import { readFileSync } from 'node:fs';
import { ConfigurationError, redactUrl } from '@resultkit/core';

export type DialectName = 'postgresql' | 'mysql' | 'sqlite';

/** TLS as the URL asks for it, before certificate files are read. */
export interface TlsRequest {
  /** `disable`: no TLS; `require`: encrypt without verifying; `verify-ca`: check the chain only; `verify-full`: chain and host name. */
  mode: 'disable' | 'require' | 'verify-ca' | 'verify-full';
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export interface ServerUrl {
  dialect: 'postgresql' | 'mysql';
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  /** Undefined when the URL says nothing about TLS. */
  tls?: TlsRequest;
  /** Other driver settings the URL carried (`connect_timeout`, `application_name`, `charset`...). */
  settings: Record<string, unknown>;
}

export interface SqliteUrl {
  dialect: 'sqlite';
  /** A file path, or `:memory:`. */
  filename: string;
}

export type ParsedDatabaseUrl = ServerUrl | SqliteUrl;

const DIALECTS: Record<string, DialectName> = {
  postgresql: 'postgresql',
  postgres: 'postgresql',
  mysql: 'mysql',
  mariadb: 'mysql',
  sqlite: 'sqlite',
};

/** The database a `db+` URL names: `postgresql`, `mysql` or `sqlite`. */
export function dialectOf(url: string): DialectName {
  const match = /^db\+([a-z0-9]+)(?:\+[a-z0-9_]+)?:\/\//i.exec(url);
  const dialect = match ? DIALECTS[match[1]!.toLowerCase()] : undefined;
  if (!dialect) {
    throw new ConfigurationError(
      `Not a database backend URL: ${redactUrl(url)}. Use db+postgresql://, db+mysql:// or db+sqlite:///path (Celery's forms).`,
    );
  }
  return dialect;
}

/** Parses a `db+` URL. Throws `ConfigurationError` (never showing the password) when it is malformed. */
export function parseDatabaseUrl(url: string): ParsedDatabaseUrl {
  const dialect = dialectOf(url);
  const rest = url.slice(url.indexOf('://') + 3);
  if (dialect === 'sqlite') return parseSqlite(rest, url);
  return parseServer(dialect, rest, url);
}

function parseSqlite(rest: string, url: string): SqliteUrl {
  const [path = '', query] = splitOnce(rest, '?');
  if (query) throw new ConfigurationError(`SQLite URLs take no query parameters (use the "sql.pool" option): ${redactUrl(url)}`);
  // After "sqlite://" comes the host part, empty for SQLite, then "/" and the path:
  // "" is in-memory, "/x.db" is relative, "//abs/x.db" is absolute.
  if (path === '' || path === '/' || path === '/:memory:') return { dialect: 'sqlite', filename: ':memory:' };
  if (!path.startsWith('/')) {
    throw new ConfigurationError(`A SQLite URL has no host: db+sqlite:///relative.db or db+sqlite:////absolute.db, not ${redactUrl(url)}`);
  }
  return { dialect: 'sqlite', filename: decodeURIComponent(path.slice(1)) };
}

function parseServer(dialect: 'postgresql' | 'mysql', rest: string, url: string): ServerUrl {
  const [beforeQuery = '', query = ''] = splitOnce(rest, '?');
  const slash = beforeQuery.indexOf('/');
  const authority = slash === -1 ? beforeQuery : beforeQuery.slice(0, slash);
  const path = slash === -1 ? '' : beforeQuery.slice(slash + 1);
  const at = authority.lastIndexOf('@');
  const credentials = at === -1 ? '' : authority.slice(0, at);
  const hostPort = at === -1 ? authority : authority.slice(at + 1);
  const parsed: ServerUrl = { dialect, settings: {} };
  const fail = (what: string): never => {
    throw new ConfigurationError(`Invalid ${what} in database URL ${redactUrl(url)}`);
  };
  const decode = (text: string, what: string): string => {
    try {
      return decodeURIComponent(text);
    } catch {
      return fail(what);
    }
  };
  if (credentials) {
    const [user = '', password] = splitOnce(credentials, ':');
    if (user) parsed.user = decode(user, 'user name');
    if (password !== undefined) parsed.password = decode(password, 'password');
  }
  if (hostPort) {
    const bracketed = /^\[([^\]]+)\](?::(\d*))?$/.exec(hostPort);
    const plain = /^([^:]*)(?::(\d*))?$/.exec(hostPort);
    const match = bracketed ?? plain ?? fail('host');
    if (match[1]) parsed.host = decode(match[1], 'host');
    if (match[2]) {
      const port = Number(match[2]);
      if (!Number.isInteger(port) || port < 1 || port > 65535) fail('port');
      parsed.port = port;
    }
  }
  if (path) parsed.database = decode(path, 'database name');
  for (const [key, value] of new URLSearchParams(query)) applyQuery(parsed, key, value, url);
  return parsed;
}

const PG_SSLMODES: Record<string, TlsRequest['mode']> = {
  disable: 'disable',
  // node-postgres cannot try TLS and fall back to plain text as libpq does for allow/prefer;
  // they connect without TLS (ask for `require` to encrypt).
  allow: 'disable',
  prefer: 'disable',
  require: 'require',
  'verify-ca': 'verify-ca',
  'verify-full': 'verify-full',
};

// mysqlclient's ssl_mode; PyMySQL's ssl_* keys are handled beside it.
const MYSQL_SSLMODES: Record<string, TlsRequest['mode']> = {
  disabled: 'disable',
  preferred: 'disable',
  required: 'require',
  verify_ca: 'verify-ca',
  verify_identity: 'verify-full',
};

function applyQuery(parsed: ServerUrl, key: string, value: string, url: string): void {
  const tls = (): TlsRequest => (parsed.tls ??= { mode: 'require' });
  const bad = (): never => {
    throw new ConfigurationError(`Unsupported value for ${key} in database URL ${redactUrl(url)}`);
  };
  if (parsed.dialect === 'postgresql') {
    switch (key) {
      case 'sslmode':
        tls().mode = PG_SSLMODES[value] ?? bad();
        return;
      case 'sslrootcert':
        tls().caFile = value;
        return;
      case 'sslcert':
        tls().certFile = value;
        return;
      case 'sslkey':
        tls().keyFile = value;
        return;
      case 'host':
        // libpq: a host in the query, e.g. a Unix socket directory.
        parsed.host = value;
        return;
      case 'port':
        parsed.port = Number(value) || bad();
        return;
      case 'connect_timeout':
        parsed.settings.connectionTimeoutMillis = Math.round((Number(value) || bad()) * 1000);
        return;
      case 'application_name':
        parsed.settings.application_name = value;
        return;
      case 'options':
        parsed.settings.options = value;
        return;
      default:
        throw new ConfigurationError(`Unsupported query parameter ${key} in database URL ${redactUrl(url)}; pass driver settings in the "sql.pool" option.`);
    }
  }
  switch (key) {
    case 'ssl_mode':
      tls().mode = MYSQL_SSLMODES[value.toLowerCase()] ?? bad();
      return;
    case 'ssl':
      if (/^(true|1|yes)$/i.test(value)) tls();
      else if (/^(false|0|no)$/i.test(value)) parsed.tls = { mode: 'disable' };
      else bad();
      return;
    case 'ssl_ca':
      tls().caFile = value;
      // PyMySQL verifies the chain when a CA is given.
      if (parsed.tls!.mode === 'require') parsed.tls!.mode = 'verify-ca';
      return;
    case 'ssl_cert':
      tls().certFile = value;
      return;
    case 'ssl_key':
      tls().keyFile = value;
      return;
    case 'ssl_check_hostname':
    case 'ssl_verify_identity':
      if (/^(true|1|yes)$/i.test(value)) tls().mode = 'verify-full';
      return;
    case 'ssl_verify_cert':
      if (/^(false|0|no)$/i.test(value)) tls().mode = 'require';
      else if (/^(true|1|yes)$/i.test(value) && tls().mode === 'require') tls().mode = 'verify-ca';
      return;
    case 'charset':
      parsed.settings.charset = value;
      return;
    case 'connect_timeout':
      parsed.settings.connectTimeout = Math.round((Number(value) || bad()) * 1000);
      return;
    case 'unix_socket':
      parsed.settings.socketPath = value;
      return;
    default:
      throw new ConfigurationError(`Unsupported query parameter ${key} in database URL ${redactUrl(url)}; pass driver settings in the "sql.pool" option.`);
  }
}

/**
 * Node `tls` options for a TLS request, reading the certificate files it names. `false` means
 * no TLS. `verify-ca` checks the certificate chain but not the host name, as libpq does.
 */
export function resolveTls(request: TlsRequest | undefined, read: (path: string) => Buffer = readFileSync): false | Record<string, unknown> | undefined {
  if (!request) return undefined;
  if (request.mode === 'disable') return false;
  const options: Record<string, unknown> = { rejectUnauthorized: request.mode !== 'require' };
  if (request.caFile) options.ca = read(request.caFile);
  if (request.certFile) options.cert = read(request.certFile);
  if (request.keyFile) options.key = read(request.keyFile);
  if (request.mode === 'verify-ca') options.checkServerIdentity = () => undefined;
  return options;
}

/** The final `ssl` setting: the option (when given) merged over what the URL asked for. */
export function mergeTls(fromUrl: false | Record<string, unknown> | undefined, option: boolean | Record<string, unknown> | undefined): false | Record<string, unknown> | undefined {
  if (option === undefined) return fromUrl;
  if (option === false) return false;
  if (option === true) return fromUrl || { rejectUnauthorized: true };
  return { ...(fromUrl || {}), ...option };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const i = text.indexOf(separator);
  return i === -1 ? [text, undefined] : [text.slice(0, i), text.slice(i + 1)];
}
