import { buildApp, type App } from '../../src/app.js';
import type { AppConfig } from '../../src/config.js';

/** A parsed JSON response: the tests check its shape with `expect`, so it is left untyped. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

export interface RunningApp {
  app: App;
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  /** JSON request to the app; resolves with the status and the parsed body. */
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
}

/** Starts the app on a free port with workers in the same process (unless `workers: 'remote'`), Celery mode with `celery`. */
export async function startApp(backendUrl: string, workers: 'in-process' | 'remote' = 'in-process', celery: AppConfig['celery'] = null): Promise<RunningApp> {
  const app = await buildApp({ backendUrl, workers, concurrency: 4, celery });
  const baseUrl = await app.server.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    baseUrl,
    async request(method, path, body) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : {} };
    },
  };
}
