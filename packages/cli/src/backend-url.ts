import { UsageError } from './usage-error.js';

/**
 * Where a command's backend URL comes from: the argument, else `RESULTKIT_URL`, else Celery's
 * own `CELERY_RESULT_BACKEND`, so a shell that already runs Celery needs nothing more. Keeping
 * the URL in the environment also keeps its password out of the shell history and `ps`.
 */
export function resolveBackendUrl(argument: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const url = argument || env.RESULTKIT_URL || env.CELERY_RESULT_BACKEND;
  if (!url) {
    throw new UsageError('No backend URL: pass one (e.g. redis://127.0.0.1:6379/0), or set RESULTKIT_URL or CELERY_RESULT_BACKEND.');
  }
  return url;
}
