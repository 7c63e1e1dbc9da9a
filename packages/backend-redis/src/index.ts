/**
 * @resultkit/backend-redis: Celery's Redis result backend for Node.js.
 *
 * ```ts
 * import { createBackend } from '@resultkit/core';
 * import { redisOptions } from '@resultkit/backend-redis';
 * const backend = await createBackend('redis://127.0.0.1:6379/0', { redis: redisOptions({ keyPrefix: 'myapp:' }) });
 * ```
 */
export { resultkitAdapter } from './factory.js';
export { redisOptions } from './options.js';
export type { RedisBackendOptions, RedisSslOptions, SslCertReqs } from './options.js';
export type { KeyPrefixStyle } from './keys.js';
export type { RedisClient } from './connect.js';
