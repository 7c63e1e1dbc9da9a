import { setTimeout as sleep } from 'node:timers/promises';

/** What a running task may do besides returning: report progress (Celery's `update_state`). */
export interface TaskContext {
  progress(meta: Record<string, unknown>): Promise<void>;
}

/** Python's name for it, so a Celery reader raises its own built-in `ZeroDivisionError`. */
export class ZeroDivisionError extends Error {
  override name = 'ZeroDivisionError';
}

/**
 * The code workers run, by task name. Each task gets its context first and the message's
 * arguments after it; what it returns is stored as SUCCESS, what it throws as FAILURE.
 */
export const tasks = {
  /** A computation that can fail: `divide(1, 0)` raises. */
  async divide(_context: TaskContext, a: number, b: number): Promise<number> {
    if (b === 0) throw new ZeroDivisionError(`cannot divide ${a} by zero`);
    return a / b;
  },

  /** A slow task that reports each step through the custom PROGRESS state. */
  async countdown(context: TaskContext, steps: number, delayMs: number): Promise<string> {
    for (let done = 0; done < steps; done++) {
      await context.progress({ current: done, total: steps });
      await sleep(delayMs);
    }
    return `counted ${steps} steps`;
  },

  /** One part of a fan-out. */
  async square(_context: TaskContext, n: number): Promise<number> {
    await sleep(30 + Math.random() * 120);
    return n * n;
  },

  /** A chord's body: runs once with every header part's value, in header order. */
  async sum(_context: TaskContext, values: number[]): Promise<number> {
    return values.reduce((total, value) => total + value, 0);
  },
};

export type TaskName = keyof typeof tasks;
