import type { ConnectionOptions } from 'node:tls';
import { ConfigurationError } from '@resultkit/core';

/**
 * Options of the RPC backend, passed as `createBackend('rpc://', { rpc: { ... } })`. Each name
 * maps to the Celery setting in the README's table.
 */
export interface RpcBackendOptions {
  /**
   * The AMQP broker (`broker_url`): `amqp://user:password@host:5672/vhost` or `amqps://…`.
   * Default: the `CELERY_BROKER_URL` environment variable, as Celery reads it.
   */
  brokerUrl?: string;
  /** Results are published with `delivery_mode` 2 (`result_persistent`). Default false. */
  persistent?: boolean;
  /**
   * How many task ids' results this client keeps in memory once they arrived (Celery keeps
   * 8192 unasked results). The oldest are dropped first and then read as PENDING. Default 8192.
   */
  maxBuffered?: number;
  /**
   * `storeResult` resolves once the broker confirmed the message (publisher confirms,
   * `broker_transport_options.confirm_publish`). Default true.
   */
  confirmPublish?: boolean;
  /** Seconds between AMQP heartbeats (`broker_heartbeat`); 0 turns them off. Default 60. */
  heartbeat?: number;
  /** Seconds to connect before giving up (`broker_connection_timeout`). Default 4. */
  connectTimeout?: number;
  /** The connection's name as the broker shows it (`rabbitmqctl list_connections`, the management UI). Default `resultkit-rpc`. */
  connectionName?: string;
  /** TLS options for `amqps://` (`broker_use_ssl`): `ca`, `cert`, `key`, `servername`, `rejectUnauthorized`. */
  ssl?: ConnectionOptions;
}

declare module '@resultkit/core' {
  interface AdapterOptions {
    /** Options of `@resultkit/backend-rpc` (`rpc://`). */
    rpc?: RpcBackendOptions;
  }
}

/** Celery's limit on results buffered for ids nobody waits for (`_pending_messages`). */
export const DEFAULT_MAX_BUFFERED = 8192;

export type ResolvedRpcOptions = Required<Omit<RpcBackendOptions, 'ssl'>> & Pick<RpcBackendOptions, 'ssl'>;

/** Fills in the defaults; the broker URL falls back to `CELERY_BROKER_URL`. */
export function resolveRpcOptions(options: RpcBackendOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedRpcOptions {
  const brokerUrl = options.brokerUrl ?? env.CELERY_BROKER_URL;
  if (!brokerUrl) {
    throw new ConfigurationError(
      'rpc:// publishes results through the AMQP broker: pass { rpc: { brokerUrl: "amqp://user:password@host:5672//" } } ' +
        'or set CELERY_BROKER_URL.',
    );
  }
  const resolved: ResolvedRpcOptions = {
    brokerUrl,
    persistent: options.persistent ?? false,
    maxBuffered: options.maxBuffered ?? DEFAULT_MAX_BUFFERED,
    confirmPublish: options.confirmPublish ?? true,
    heartbeat: options.heartbeat ?? 60,
    connectTimeout: options.connectTimeout ?? 4,
    connectionName: options.connectionName ?? 'resultkit-rpc',
    ssl: options.ssl,
  };
  if (!Number.isInteger(resolved.maxBuffered) || resolved.maxBuffered < 1) throw new ConfigurationError('rpc.maxBuffered must be a positive integer.');
  if (!(resolved.connectTimeout > 0)) throw new ConfigurationError('rpc.connectTimeout must be a positive number of seconds.');
  if (!(resolved.heartbeat >= 0)) throw new ConfigurationError('rpc.heartbeat must be 0 or a positive number of seconds.');
  return resolved;
}
