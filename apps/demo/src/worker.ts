import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCeleryWorkers } from './celery/celery-workers.js';
import { readConfig } from './config.js';
import { openBackend } from './open-backend.js';
import type { TaskMessage } from './task-message.js';
import { startWorkerPool } from './worker-pool.js';

// `pnpm --filter @resultkit/demo worker`: runs tasks in this process, taken from the app over
// HTTP (DEMO_URL) and stored in the same backend (RESULT_BACKEND) the app reads. Start the app
// with WORKERS=remote so that it leaves every task to processes like this one.
const config = readConfig();
const appUrl = process.env.DEMO_URL || `http://127.0.0.1:${config.port || 3000}`;
const backend = await openBackend(config.backendUrl);

/** The next task, by long poll; while the app is unreachable, ask again every second. */
async function take(signal: AbortSignal): Promise<TaskMessage | null> {
  while (!signal.aborted) {
    try {
      const response = await fetch(`${appUrl}/api/work/next?wait=20`, { signal });
      if (response.status === 200) return (await response.json()) as TaskMessage;
      if (response.status !== 204) throw new Error(`the app answered ${response.status}`);
    } catch (error) {
      if (signal.aborted) break;
      console.warn(`cannot take work from ${appUrl}: ${(error as Error).message}`);
      await sleep(1000, undefined, { signal }).catch(() => undefined);
    }
  }
  return null;
}

const workerName = `demo-worker-${process.pid}@${hostname()}`;
const pool = startWorkerPool({ backend, take, concurrency: config.concurrency, hostname: workerName });
console.log(`worker: ${config.concurrency} at a time, taking tasks from ${appUrl}, results in ${backend.adapter.name}`);
// Celery mode: also the tasks Python clients send to the Node queue.
const celery = config.celery
  ? await startCeleryWorkers({ backend, brokerUrl: config.celery.brokerUrl, queue: config.celery.nodeQueue, concurrency: config.concurrency, hostname: workerName })
  : null;
if (config.celery) console.log(`worker: taking Celery tasks from queue ${config.celery.nodeQueue}`);

const stop = async () => {
  await Promise.all([pool.stop(), celery?.stop()]);
  await backend.close();
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
