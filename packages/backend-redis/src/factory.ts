import { ConfigurationError, Secrets, redactUrl, resolveConnectTimeout, type AdapterContext, type AdapterFactory } from '@resultkit/core';
import { Redis } from 'ioredis';
import { resolveConnection, parseRedisUrl } from './connection-options.js';
import { RedisKeys } from './keys.js';
import type { RedisBackendOptions } from './options.js';
import { RedisAdapter, type RedisClient } from './redis-adapter.js';

/**
 * Opens a `RedisAdapter` for a backend URL (what `createBackend` calls). Connections are
 * opened at once and commands issued before they are usable (connected, authenticated, in the
 * URL's database) wait for them, at most `connectTimeout`; nothing is read or written until the
 * first operation.
 */
export function createRedisAdapter(url: string, context: AdapterContext): RedisAdapter {
  const options: RedisBackendOptions = context.options.redis ?? {};
  const connectTimeout = resolveConnectTimeout(context.options);
  const keys = new RedisKeys(options.keyPrefix, options.keyPrefixStyle ?? 'celery-5.5');
  const common = {
    codec: context.codec,
    keys,
    chordOrdered: options.chordOrdered ?? true,
    chordJoinTimeout: options.chordJoinTimeout ?? 3,
    coalesceWrites: options.coalesceWrites ?? true,
  };

  if (options.client) {
    // The URL only chose this package; it must still be one of ours.
    parseRedisUrl(url);
    const client = options.client;
    const ioredisPrefix = (client as { options?: { keyPrefix?: string } }).options?.keyPrefix;
    if (ioredisPrefix) {
      throw new ConfigurationError(
        `The ioredis client has keyPrefix "${ioredisPrefix}", which ioredis applies to keys but not to pub/sub channels. ` +
          `Pass a client without it and use { redis: { keyPrefix } } instead (Celery's global_keyprefix).`,
      );
    }
    const name = options.clientName ?? 'resultkit';
    const clientOptions = (client as { options?: { db?: number; password?: string } }).options;
    return new RedisAdapter({
      ...common,
      clients: [client],
      ownsClients: false,
      subscriberName: `${name}:pubsub`,
      db: client.isCluster ? undefined : clientOptions?.db,
      connectTimeout,
      description: redactUrl(url),
      secrets: Secrets.fromUrl(url, clientOptions?.password, options.password),
    });
  }

  const plan = resolveConnection(url, options, connectTimeout);
  const clients: RedisClient[] = [];
  for (let i = 0; i < plan.connections; i++) {
    const client = new Redis(plan.redis);
    // Connection errors reach callers, typed and scrubbed, through the operations that wait
    // for the connection (see ConnectionGate); without a listener ioredis would also print
    // every one of them, password included.
    client.on('error', () => {});
    clients.push(client);
  }
  return new RedisAdapter({
    ...common,
    clients,
    ownsClients: true,
    subscriberName: `${plan.clientName}:pubsub`,
    db: plan.db,
    connectTimeout: plan.connectTimeout,
    description: plan.description,
    secrets: plan.secrets,
  });
}

/** What `createBackend` loads for `redis://`, `rediss://`, `sentinel://` and `socket://` URLs. */
export const resultkitAdapter: AdapterFactory = {
  specificationVersion: 'v1',
  schemes: ['redis', 'rediss', 'sentinel', 'socket', 'redis+socket'],
  create: createRedisAdapter,
};
