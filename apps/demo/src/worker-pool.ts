import type { ResultBackend } from '@resultkit/core';
import { runTask } from './run-task.js';
import type { TaskMessage } from './task-message.js';

export interface WorkerPoolOptions {
  backend: ResultBackend;
  /** Where tasks come from: the app's queue, or the app over HTTP. Resolves null when `signal` aborts. */
  take: (signal: AbortSignal) => Promise<TaskMessage | null>;
  /** Tasks run at the same time. */
  concurrency: number;
  /** Stored as each result's `worker` (Celery's `hostname`). */
  hostname: string;
  onError?: (error: unknown) => void;
}

export interface WorkerPool {
  /** Stops taking tasks and resolves when the running ones are stored. */
  stop(): Promise<void>;
}

/** Runs tasks concurrently: `concurrency` loops, each taking one task at a time. */
export function startWorkerPool({ backend, take, concurrency, hostname, onError = console.error }: WorkerPoolOptions): WorkerPool {
  const stopping = new AbortController();
  const loop = async () => {
    while (!stopping.signal.aborted) {
      const message = await take(stopping.signal);
      if (!message) return;
      // A task whose state cannot be stored (the backend is down) is reported and dropped;
      // the loop goes on with the next one.
      await runTask(backend, message, hostname).catch(onError);
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return {
    async stop() {
      stopping.abort();
      await Promise.all(loops);
    },
  };
}
