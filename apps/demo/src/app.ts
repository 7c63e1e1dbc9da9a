import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { redactUrl, type ResultBackend } from '@resultkit/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerErrorHandler } from './api/error-handler.js';
import { registerEventStream } from './api/event-stream.js';
import { registerJobRoutes } from './api/job-routes.js';
import { registerWorkRoutes } from './api/work-routes.js';
import { CelerySender } from './celery/celery-sender.js';
import { startCeleryWorkers } from './celery/celery-workers.js';
import type { AppConfig } from './config.js';
import { JobIndex } from './job-index.js';
import { jsonReplacer } from './job-record.js';
import { JobService } from './job-service.js';
import { JobTracker } from './job-tracker.js';
import { openBackend } from './open-backend.js';
import { TaskQueue } from './task-queue.js';
import { startWorkerPool } from './worker-pool.js';

/** The dashboard: plain HTML, CSS and JavaScript modules, served as they are. */
const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

export interface App {
  server: FastifyInstance;
  backend: ResultBackend;
  /** Closes in order: no new requests, workers finish their tasks, waits end, the backend closes. */
  close(): Promise<void>;
}

/**
 * Assembles the app: one result backend, the job index and tracker, the in-memory task queue,
 * workers in this process (unless they run in their own), the Celery sender in Celery mode,
 * and the HTTP server.
 */
export async function buildApp(config: Pick<AppConfig, 'backendUrl' | 'workers' | 'concurrency'> & Partial<Pick<AppConfig, 'celery'>>, { logger = false } = {}): Promise<App> {
  const backend = await openBackend(config.backendUrl);
  const celery = config.celery ? await CelerySender.connect(config.celery.brokerUrl, config.celery.queue) : null;
  const index = new JobIndex();
  const tracker = new JobTracker(backend, index);
  const queue = new TaskQueue();
  const jobs = new JobService(backend, index, tracker, (message) => queue.push(message), celery);
  const inProcess = config.workers === 'in-process';
  const workerName = `demo@${hostname()}`;
  const workers = inProcess ? startWorkerPool({ backend, take: (signal) => queue.take(signal), concurrency: config.concurrency, hostname: workerName }) : null;
  // Celery mode: these workers also serve the tasks Python clients send to the Node queue.
  const celeryWorkers =
    inProcess && config.celery
      ? await startCeleryWorkers({
          backend, brokerUrl: config.celery.brokerUrl, queue: config.celery.nodeQueue, concurrency: config.concurrency, hostname: workerName,
          onTake: (message) => jobs.adopt(message),
        })
      : null;

  // 64 KiB is far more than any job's parameters: a larger body is refused with 413 unread.
  // Unknown fields are refused rather than silently dropped (fastify's default removes them).
  const server = Fastify({ logger, bodyLimit: 64 * 1024, ajv: { customOptions: { removeAdditional: false } } });
  server.setReplySerializer((payload) => JSON.stringify(payload, jsonReplacer));
  registerErrorHandler(server);
  await server.register(fastifyStatic, { root: PUBLIC_DIR });
  server.get('/api/info', async () => ({
    backend: redactUrl(config.backendUrl),
    adapter: backend.adapter.name,
    capabilities: backend.capabilities,
    workers: config.workers,
    concurrency: config.concurrency,
    celery: config.celery ? { broker: redactUrl(config.celery.brokerUrl), queue: config.celery.queue, nodeQueue: config.celery.nodeQueue } : null,
  }));
  // Long polls end when the server starts closing (they answer as on a timeout), so that
  // closing waits only for requests that are really being worked on.
  const closing = new AbortController();
  server.addHook('preClose', async () => closing.abort());
  registerJobRoutes(server, jobs, closing.signal);
  registerEventStream(server, index);
  registerWorkRoutes(server, queue, closing.signal);

  return {
    server,
    backend,
    async close() {
      await server.close();
      await Promise.all([workers?.stop(), celeryWorkers?.stop()]);
      await tracker.close();
      await celery?.close();
      await backend.close();
    },
  };
}
