/**
 * Opening the connections of a Redis backend: the ioredis settings a URL and the options give
 * (TLS files read, the query overriding the options as in Celery), the command connections made
 * from them, or the user's own client adopted instead. Each connection is then guarded by a
 * `ConnectionGate` (connection.ts) so nothing is sent before it is usable.
 */
import type { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { ConfigurationError, DEFAULT_CONNECT_TIMEOUT, Secrets, redactUrl, scrubError } from '@resultkit/core';
import { Redis, type Cluster, type RedisOptions } from 'ioredis';
import { resolveRedisOptions, type RedisBackendOptions, type ResolvedRedisOptions, type SslCertReqs } from './options.js';
import { resolveReplicaWait, type ReplicaWait } from './replica-wait.js';
import { clearSocketTimeoutOnClose } from './socket-timeout.js';
import { KNOWN_PARAMS, SSL_PARAMS, parseRedisUrl, toBoolean, toDb, toSeconds, type ParsedRedisUrl } from './url.js';

/** A connected ioredis client: a single server, a Sentinel-managed one, or a Cluster. */
export type RedisClient = Redis | Cluster;

/** The command connections of one backend, and what its errors and gates need to know about them. */
export interface RedisConnection {
  /** The command connections, used in turn (at least one). */
  clients: readonly RedisClient[];
  /** Whether `close()` closes `clients` (false when the user passed their own client). */
  ownsClients: boolean;
  /** `CLIENT SETNAME` of the pub/sub connection. */
  subscriberName: string;
  /** The database the URL named: every command connection must be in it before anything is sent. */
  db: number | undefined;
  /** Milliseconds an operation waits for a usable connection. */
  connectTimeout: number;
  /** The URL with its password replaced, for messages. */
  description: string;
  /** Passwords to remove from every error (see core's `Secrets`). */
  secrets: Secrets;
  /** How many replicas must hold each write before it counts as done (`waitForReplicas`); null: none. */
  replicaWait: ReplicaWait | null;
}

/**
 * Opens the command connections for `url` (or adopts `options.client`). They connect at once;
 * nothing is read or written until the first operation, which waits for them to be usable
 * (connected, authenticated, in the URL's database) at most `connectTimeout`.
 */
export function connectRedis(url: string, parsed: ParsedRedisUrl, options: ResolvedRedisOptions): RedisConnection {
  const replicaWait = resolveReplicaWait(parsed.query, options.waitForReplicas, url);
  if (options.client) return { ...adoptClient(url, options.client, options), replicaWait };
  const plan = connectionPlan(url, parsed, options);
  const clients: RedisClient[] = [];
  for (let i = 0; i < plan.connections; i++) {
    const client = new Redis(plan.redis);
    // Connection errors reach callers, typed and scrubbed, through the operations that wait
    // for the connection (see ConnectionGate); without a listener ioredis would also print
    // every one of them, password included.
    client.on('error', () => {});
    clearSocketTimeoutOnClose(client);
    clients.push(client);
  }
  return {
    clients,
    ownsClients: true,
    subscriberName: `${plan.clientName}:pubsub`,
    db: plan.db,
    connectTimeout: plan.connectTimeout,
    description: plan.description,
    secrets: plan.secrets,
    replicaWait,
  };
}

/** The user's own client: used as it is, never closed; the URL only chose this package. */
function adoptClient(url: string, client: RedisClient, options: ResolvedRedisOptions): Omit<RedisConnection, 'replicaWait'> {
  const ioredisPrefix = (client as { options?: { keyPrefix?: string } }).options?.keyPrefix;
  if (ioredisPrefix) {
    throw new ConfigurationError(
      `The ioredis client has keyPrefix "${ioredisPrefix}", which ioredis applies to keys but not to pub/sub channels. ` +
        `Pass a client without it and use { redis: { keyPrefix } } instead (Celery's global_keyprefix).`,
    );
  }
  const clientOptions = (client as { options?: { db?: number; password?: string } }).options;
  return {
    clients: [client],
    ownsClients: false,
    subscriberName: `${options.clientName}:pubsub`,
    db: client.isCluster ? undefined : clientOptions?.db,
    connectTimeout: options.connectTimeout,
    description: redactUrl(url),
    secrets: Secrets.fromUrl(url, clientOptions?.password, options.password),
  };
}

/** The ioredis settings a URL and the options give, and what the adapter needs to know about them. */
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
  return connectionPlan(url, parseRedisUrl(url), resolveRedisOptions(options, connectTimeout));
}

/** `resolveConnection` for a parsed URL and resolved options (the URL's query still overrides them). */
function connectionPlan(url: string, parsed: ParsedRedisUrl, options: ResolvedRedisOptions): ConnectionPlan {
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
  redis.socketTimeout = Math.round(socketTimeout * 1000);
  const connectSeconds =
    q.socket_connect_timeout !== undefined ? toSeconds(q.socket_connect_timeout, 'socket_connect_timeout', url) : options.socketConnectTimeout;
  // One number for both: how long ioredis tries one connection, and how long an operation
  // waits for a usable one before failing with BackendUnavailableError.
  redis.connectTimeout = connectSeconds !== undefined ? Math.round(connectSeconds * 1000) : options.connectTimeout;
  // A command caught by a broken connection fails after one reconnect attempt instead of
  // twenty (about ten seconds); core retries it once the connection is usable again.
  redis.maxRetriesPerRequest = 1;
  const keepalive = q.socket_keepalive !== undefined ? toBoolean(q.socket_keepalive, 'socket_keepalive', url) : options.socketKeepalive;
  if (keepalive) redis.keepAlive = typeof keepalive === 'number' ? Math.round(keepalive * 1000) : 60_000;

  const maxConnections = q.max_connections !== undefined ? Number(q.max_connections) : options.maxConnections;
  if (!Number.isInteger(maxConnections) || maxConnections < 1) {
    throw new ConfigurationError(`max_connections must be a whole number >= 1, got ${String(maxConnections)}.`);
  }
  const clientName = q.client_name ?? options.clientName;
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
    connectTimeout: resolved.connectTimeout ?? options.connectTimeout,
    secrets,
  };
}

function resolveTls(parsed: ParsedRedisUrl, options: ResolvedRedisOptions, description: string): TlsOptions | undefined {
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
