/**
 * @resultkit/backend-rpc: Celery's rpc:// result backend for Node.js.
 *
 * ```ts
 * import { createBackend } from '@resultkit/core';
 * const backend = await createBackend('rpc://', { rpc: { brokerUrl: 'amqp://guest:guest@127.0.0.1:5672//' } });
 * ```
 */
export { resultkitAdapter } from './factory.js';
export type { RpcBackendOptions } from './options.js';
