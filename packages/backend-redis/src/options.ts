import { DEFAULT_CONNECT_TIMEOUT } from '@resultkit/core';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import type { KeyPrefixStyle } from './keys.js';
import type { WaitForReplicasOptions } from './replica-wait.js';

/** `ssl_cert_reqs` as Celery spells it, in either form. */
export type SslCertReqs = 'CERT_REQUIRED' | 'CERT_OPTIONAL' | 'CERT_NONE' | 'required' | 'optional' | 'none';

/** TLS settings for `rediss://` (Celery's `redis_backend_use_ssl`); URL query parameters override them. */
export interface RedisSslOptions {
  /**
   * Whether the server certificate is verified (`ssl_cert_reqs`). Required for `rediss://`, as
   * in Celery. `required` and `optional` verify it (a Python client treats both the same way);
   * `none` accepts any certificate.
   */
  certReqs?: SslCertReqs;
  /** Path of the CA bundle that signs the server certificate (`ssl_ca_certs`). */
  caCerts?: string;
  /** Path of the client certificate, for mutual TLS (`ssl_certfile`). */
  certFile?: string;
  /** Path of the client certificate's private key (`ssl_keyfile`). */
  keyFile?: string;
}

/**
 * Options of the Redis backend, passed as `createBackend(url, { redis: { ... } })`. Every name
 * maps to a Celery setting (see the README's table); the URL's query parameters, which use
 * Celery's names (`?socket_timeout=5&ssl_cert_reqs=required`), override them, as in Celery.
 */
export interface RedisBackendOptions {
  /**
   * Use this ioredis client (a `Redis` or a `Cluster`) instead of connecting from the URL; the
   * URL then only selects this package. The client stays yours: `close()` does not close it.
   * The pub/sub connection is a `duplicate()` of it and is closed by `close()`.
   */
  client?: Redis | Cluster;
  /** Prepended to every key and channel (`result_backend_transport_options.global_keyprefix`, Celery 5.3+). */
  keyPrefix?: string;
  /** How `keyPrefix` is joined to Celery's prefixes: `celery-5.5` (default) or `celery-5.3` (also 5.4). */
  keyPrefixStyle?: KeyPrefixStyle;
  /** Chord results are kept in header order in a ZSET (`result_chord_ordered`, default true) or in a LIST in arrival order. */
  chordOrdered?: boolean;
  /**
   * Seconds to wait for the members of a saved (nested) chord header group when the last part
   * arrives (`result_chord_join_timeout`, default 3).
   */
  chordJoinTimeout?: number;
  /** The Sentinel master name, required for `sentinel://` (`result_backend_transport_options.master_name`). */
  masterName?: string;
  /** Username for the Sentinels themselves (`sentinel_kwargs.username`). */
  sentinelUsername?: string;
  /** Password for the Sentinels themselves (`sentinel_kwargs.password`). */
  sentinelPassword?: string;
  /** Username when the URL has none (`redis_username`). */
  username?: string;
  /** Password when the URL has none (`redis_password`). */
  password?: string;
  /** Database number when the URL has none (`redis_db`). */
  db?: number;
  /** TLS settings (`redis_backend_use_ssl`). */
  ssl?: RedisSslOptions;
  /** Seconds a command may wait for its reply before the connection is dropped and the command retried (`redis_socket_timeout`). */
  socketTimeout?: number;
  /** Seconds to establish a connection (`redis_socket_connect_timeout`; default 10). */
  socketConnectTimeout?: number;
  /** TCP keep-alive (`redis_socket_keepalive`): true, or the idle seconds before the first probe. */
  socketKeepalive?: boolean | number;
  /**
   * Command connections, used in turn (`redis_max_connections`; default 1). ioredis pipelines
   * every command on a connection, so one is enough for most processes. The pub/sub
   * connection is opened only when something waits, and is not counted.
   */
  maxConnections?: number;
  /** `CLIENT SETNAME` of the connections (`redis_client_name`); the pub/sub one gets `:pubsub` appended. Default `resultkit`. */
  clientName?: string;
  /**
   * Commands issued in the same tick leave in one socket write (the socket is corked until
   * the end of the tick). Default true: with many requests in flight it roughly halves the
   * CPU spent per store or read. Replies and ordering are unchanged.
   */
  coalesceWrites?: boolean;
  /** ioredis auto-pipelining instead (default false; slower than `coalesceWrites` in our benchmark). */
  autoPipelining?: boolean;
  /**
   * Every write (store, group save, chord size and counter, forget) is followed by `WAIT count
   * timeout` on the same connection and succeeds only once `count` replicas acknowledged it; a
   * write fewer replicas acknowledged in `timeout` seconds fails with `BackendUnavailableError`.
   * Default off, as in Celery. URL: `?wait_for_replicas=1&wait_for_replicas_timeout=1`. Not
   * strong consistency: see the README for what it does and does not guarantee.
   */
  waitForReplicas?: WaitForReplicasOptions;
  /** Any other ioredis option, applied last (for example `retryStrategy` or `tls.servername`). */
  ioredis?: RedisOptions;
}

/**
 * Returns `options` unchanged, typed as this package's options:
 * `createBackend('redis://…', { redis: redisOptions({ keyPrefix: 'myapp:' }) })`.
 *
 * The import is what matters: the `redis` key of `createBackend`'s options is added by the
 * declaration merging below, and TypeScript only sees it in a program that imports something
 * from this package. An application usually never does (`createBackend` loads the package by
 * itself), so the options would not type-check; importing this helper brings the declarations
 * in through an import that also says what it is for, and types an options object built away
 * from the call too.
 */
export function redisOptions(options: RedisBackendOptions): RedisBackendOptions {
  return options;
}

declare module '@resultkit/core' {
  interface AdapterOptions {
    /** Options of `@resultkit/backend-redis` (`redis://`, `rediss://`, `sentinel://`, `socket://`). */
    redis?: RedisBackendOptions;
  }
}

/**
 * The options with every default filled in: what the connections and the adapter are built
 * from. The URL's query parameters still override the connection settings among them (see
 * `connect.ts`), as in Celery.
 */
export interface ResolvedRedisOptions extends RedisBackendOptions {
  keyPrefixStyle: KeyPrefixStyle;
  chordOrdered: boolean;
  chordJoinTimeout: number;
  socketTimeout: number;
  maxConnections: number;
  clientName: string;
  coalesceWrites: boolean;
  autoPipelining: boolean;
  /** Core's `connectTimeout` (ms): how long an operation waits for a usable connection, unless `socketConnectTimeout` says otherwise. */
  connectTimeout: number;
}

/** The one place the defaults of the Redis options live. */
export function resolveRedisOptions(options: RedisBackendOptions = {}, connectTimeout = DEFAULT_CONNECT_TIMEOUT): ResolvedRedisOptions {
  return {
    ...options,
    keyPrefixStyle: options.keyPrefixStyle ?? 'celery-5.5',
    chordOrdered: options.chordOrdered ?? true,
    chordJoinTimeout: options.chordJoinTimeout ?? 3,
    // Celery's redis_socket_timeout defaults to 120 s: a command whose reply never comes (a
    // half-open connection) fails then and is retried on a fresh connection.
    socketTimeout: options.socketTimeout ?? 120,
    maxConnections: options.maxConnections ?? 1,
    clientName: options.clientName ?? 'resultkit',
    coalesceWrites: options.coalesceWrites ?? true,
    autoPipelining: options.autoPipelining ?? false,
    connectTimeout,
  };
}
