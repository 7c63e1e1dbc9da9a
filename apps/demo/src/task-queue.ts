import type { TaskMessage } from './task-message.js';

/**
 * The hand-off between the API and the workers: a first-in first-out queue in the app's memory.
 * Workers in this process take from it directly; a worker process takes through
 * `GET /api/work/next`. A task not yet taken is lost when the app stops: the results are what
 * the backend keeps, the queue is the broker's job in a real deployment.
 */
export class TaskQueue {
  readonly #messages: TaskMessage[] = [];
  readonly #takers: ((message: TaskMessage) => void)[] = [];

  push(message: TaskMessage): void {
    const taker = this.#takers.shift();
    if (taker) taker(message);
    else this.#messages.push(message);
  }

  /** The next message, waiting for one; null when `signal` aborts first. */
  take(signal: AbortSignal): Promise<TaskMessage | null> {
    const queued = this.#messages.shift();
    if (queued) return Promise.resolve(queued);
    if (signal.aborted) return Promise.resolve(null);
    return new Promise((resolve) => {
      const taker = (message: TaskMessage) => {
        signal.removeEventListener('abort', onAbort);
        resolve(message);
      };
      const onAbort = () => {
        this.#takers.splice(this.#takers.indexOf(taker), 1);
        resolve(null);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#takers.push(taker);
    });
  }

  get length(): number {
    return this.#messages.length;
  }
}
