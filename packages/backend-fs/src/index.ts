/**
 * @resultkit/backend-fs: Celery's file-system result backend for Node.js.
 *
 * ```ts
 * import { createBackend } from '@resultkit/core';
 * const backend = await createBackend('file:///var/lib/results', { fs: { fsync: true } });
 * ```
 */
export { resultkitAdapter } from './factory.js';
export type { FsBackendOptions } from './options.js';
