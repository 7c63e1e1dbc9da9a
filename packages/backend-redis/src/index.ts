/**
 * @resultkit/backend-redis: Celery's Redis result backend for Node.js.
 *
 * ```ts
 * import { createBackend } from '@resultkit/core';
 * import { redisOptions } from '@resultkit/backend-redis';
 * const backend = await createBackend('redis://127.0.0.1:6379/0', { redis: redisOptions({ keyPrefix: 'myapp:' }) });
 * ```
 */
export { resultkitAdapter, createRedisAdapter } from './factory.js';
export { RedisAdapter } from './redis-adapter.js';
export type { RedisAdapterInit, RedisClient } from './redis-adapter.js';
export { redisOptions } from './options.js';
export type { RedisBackendOptions, RedisSslOptions, SslCertReqs } from './options.js';
export { RedisKeys, globalKeyPrefix, TASK_KEY_PREFIX, GROUP_KEY_PREFIX } from './keys.js';
export type { KeyPrefixStyle } from './keys.js';
export { parseRedisUrl, resolveConnection } from './connection-options.js';
export type { ParsedRedisUrl, ConnectionPlan } from './connection-options.js';
export { isRetryableRedisError } from './errors.js';
export { RedisSubscriber } from './subscriber.js';
