import { setTimeout as sleep } from 'node:timers/promises';
import type { ResultBackend, TaskRequest } from '@resultkit/core';
import { jobs, type JobName } from './jobs.js';

/**
 * Runs one job the way a Celery worker would: STARTED, then SUCCESS with the return value or
 * FAILURE with the error. The short delay stands in for real work, so the client really waits.
 */
export async function runJob(backend: ResultBackend, taskId: string, name: JobName, args: unknown[], request: TaskRequest = {}): Promise<void> {
  await backend.markAsStarted(taskId, undefined, { request });
  await sleep(20 + Math.random() * 80);
  try {
    const fn = jobs[name] as (...a: unknown[]) => unknown;
    await backend.storeResult(taskId, fn(...args), 'SUCCESS', { request: { ...request, name: `demo.${name}`, args } });
  } catch (error) {
    await backend.markAsFailure(taskId, error, { request: { ...request, name: `demo.${name}`, args } });
  }
}
