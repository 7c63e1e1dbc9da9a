import type { ResultBackend } from '@resultkit/core';
import type { TaskMessage } from '../task-message.js';
import { startWorkerPool, type WorkerPool } from '../worker-pool.js';
import { CeleryConsumer } from './celery-consumer.js';

export interface CeleryWorkersOptions {
  backend: ResultBackend;
  brokerUrl: string;
  /** The queue Python clients send the Node tasks to. */
  queue: string;
  concurrency: number;
  hostname: string;
  onTake?: (message: TaskMessage) => void;
}

/**
 * Node workers for tasks that Python Celery clients send: they take Celery messages from the
 * broker and store every state in the backend, where the Python client's `AsyncResult.get()`
 * reads it.
 */
export async function startCeleryWorkers({ backend, brokerUrl, queue, concurrency, hostname, onTake = () => {} }: CeleryWorkersOptions): Promise<WorkerPool> {
  const consumer = await CeleryConsumer.connect(brokerUrl, queue, onTake);
  const pool = startWorkerPool({ backend, take: (signal) => consumer.take(signal), concurrency, hostname });
  return {
    async stop() {
      await pool.stop();
      await consumer.close();
    },
  };
}
