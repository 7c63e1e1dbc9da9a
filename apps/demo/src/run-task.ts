import { RemoteTaskError, states, type ResultBackend, type State, type TaskRequest } from '@resultkit/core';
import type { TaskMessage } from './task-message.js';
import { tasks } from './tasks.js';
import { tracebackOf } from './traceback.js';

/**
 * Runs one task the way a Celery worker does, storing every state through the backend:
 * STARTED, PROGRESS while it reports, then SUCCESS with the value or FAILURE with the error and
 * its traceback. A chord part then reports to the chord, and the part that completes it runs
 * the body.
 */
export async function runTask(backend: ResultBackend, message: TaskMessage, hostname: string): Promise<void> {
  const request: TaskRequest = { ...message.request, name: `demo.${message.task}`, args: message.args, hostname };
  const id = message.taskId;
  await backend.markAsStarted(id, { pid: process.pid, hostname }, { request });

  let state: State = states.SUCCESS;
  let outcome: unknown;
  try {
    // Own properties only: a sender's `toString` is not a task.
    const run = (Object.hasOwn(tasks, message.task) ? tasks[message.task] : undefined) as ((context: unknown, ...args: unknown[]) => Promise<unknown>) | undefined;
    // A name this worker has no task for (sent by another client): Celery's own error for it.
    if (!run) throw new RemoteTaskError({ excType: 'NotRegistered', excModule: 'celery.exceptions', excArgs: [message.task] });
    const context = { progress: (meta: Record<string, unknown>) => backend.updateState(id, 'PROGRESS', meta, { request }) };
    outcome = await run(context, ...message.args);
    await backend.storeResult(id, outcome, states.SUCCESS, { request });
  } catch (error) {
    // The traceback is what the dashboard shows under the exception.
    state = states.FAILURE;
    outcome = error;
    await backend.markAsFailure(id, error, { request, traceback: tracebackOf(error) });
  }

  if (message.chordBody) {
    // Counted atomically by the backend: exactly one part sees `complete` and runs the body.
    const progress = await backend.onChordPartReturn(id, state, outcome, request);
    if (!progress.complete) return;
    const body = message.chordBody;
    if ('error' in progress) {
      await backend.markAsFailure(body.taskId, progress.error, { request: { ...body.request, hostname } });
      return;
    }
    await runTask(backend, { taskId: body.taskId, task: body.task, args: [progress.results], request: body.request }, hostname);
  }
}
