import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

/** How the app is started: everything comes from the environment, with defaults that need no server. */
export interface AppConfig {
  /** The result backend URL (Celery's `result_backend`). */
  backendUrl: string;
  host: string;
  /** 0 lets the system pick a free port. */
  port: number;
  /** Tasks run concurrently in this process (`in-process`), or only by `pnpm worker` processes (`remote`). */
  workers: 'in-process' | 'remote';
  /** How many tasks one worker runs at the same time. */
  concurrency: number;
  /**
   * Celery mode (null when off): the Redis broker, the queue Python workers take the `celery-*`
   * jobs from, and the queue Node workers take the tasks Python clients send.
   */
  celery: { brokerUrl: string; queue: string; nodeQueue: string } | null;
}

/**
 * Reads the configuration. Without `RESULT_BACKEND` the results go to a SQLite file in
 * `DATA_DIR` (default `./data`), created here: the app runs without any server.
 */
export function readConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  return {
    backendUrl: env.RESULT_BACKEND || defaultBackendUrl(env.DATA_DIR || 'data'),
    host: env.HOST || '127.0.0.1',
    port: integer(env.PORT, 3000, 'PORT', 0, 65_535),
    workers: env.WORKERS === 'remote' ? 'remote' : 'in-process',
    concurrency: integer(env.CONCURRENCY, 4, 'CONCURRENCY', 1, 64),
    celery: env.CELERY_BROKER_URL?.startsWith('redis')
      ? { brokerUrl: env.CELERY_BROKER_URL, queue: env.CELERY_QUEUE || 'demo-celery', nodeQueue: env.CELERY_NODE_QUEUE || 'demo-node' }
      : null,
  };
}

/** `db+sqlite:///` followed by the absolute path (four slashes in all): the form SQLAlchemy, and so Celery, reads. */
export function defaultBackendUrl(dataDir: string): string {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  return `db+sqlite:///${resolve(dir, 'results.sqlite')}`;
}

function integer(text: string | undefined, fallback: number, name: string, min: number, max: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${name} must be an integer from ${min} to ${max}, not "${text}"`);
  return value;
}
