import { resolveConnectTimeout, type AdapterFactory } from '@resultkit/core';
import { connectRedis } from './connect.js';
import { resolveRedisOptions } from './options.js';
import { RedisAdapter } from './redis-adapter.js';
import { parseRedisUrl } from './url.js';

/** What `createBackend` loads for `redis://`, `rediss://`, `sentinel://` and `socket://` URLs. */
export const resultkitAdapter: AdapterFactory = {
  specificationVersion: 'v1',
  schemes: ['redis', 'rediss', 'sentinel', 'socket', 'redis+socket'],
  /**
   * Opens a `RedisAdapter` for a backend URL. Connections are opened at once and commands issued
   * before they are usable (connected, authenticated, in the URL's database) wait for them, at
   * most `connectTimeout`; nothing is read or written until the first operation.
   */
  async create(url, context) {
    const options = resolveRedisOptions(context.options.redis, resolveConnectTimeout(context.options));
    // The URL is checked even when a client is passed: it chose this package and must be one of ours.
    const parsed = parseRedisUrl(url);
    const connection = connectRedis(url, parsed, options);
    return new RedisAdapter({ codec: context.codec, options, connection });
  },
};
