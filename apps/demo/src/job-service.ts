import { randomUUID } from 'node:crypto';
import { states, type ResultBackend, type ResultSet, type TaskRequest } from '@resultkit/core';
import type { CelerySender } from './celery/celery-sender.js';
import type { JobIndex } from './job-index.js';
import type { JobKind, JobRecord } from './job-record.js';
import type { JobTracker } from './job-tracker.js';
import type { TaskMessage } from './task-message.js';
import type { TaskName } from './tasks.js';

/** A job that this backend cannot run (a chord where chords are not supported). */
export class UnsupportedJobError extends Error {
  override name = 'UnsupportedJobError';
}

/**
 * The client side of the app: turns a job into task messages for the workers, records it in
 * the index, and has the tracker follow it through the backend.
 */
export class JobService {
  readonly backend: ResultBackend;
  readonly index: JobIndex;
  readonly #tracker: JobTracker;
  readonly #send: (message: TaskMessage) => void;
  readonly #celery: CelerySender | null;

  constructor(backend: ResultBackend, index: JobIndex, tracker: JobTracker, send: (message: TaskMessage) => void, celery: CelerySender | null = null) {
    this.backend = backend;
    this.index = index;
    this.#tracker = tracker;
    this.#send = send;
    this.#celery = celery;
  }

  /** `divide(a, b)`: one task, which fails when b is 0. */
  async divide(input: { a: number; b: number }): Promise<JobRecord> {
    return this.#single('divide', input, 'divide', [input.a, input.b]);
  }

  /** `countdown(steps, delayMs)`: one slow task reporting PROGRESS after each step. */
  async countdown(input: { steps: number; delayMs: number }): Promise<JobRecord> {
    return this.#single('countdown', input, 'countdown', [input.steps, input.delayMs]);
  }

  /**
   * `squares(n)`: a group of n `square` tasks. Saved as Celery's GroupResult where the backend
   * stores groups, so any client can restore it by id and join it.
   */
  async squares(input: { n: number }): Promise<JobRecord> {
    const groupId = randomUUID();
    const ids = Array.from({ length: input.n }, () => randomUUID());
    const group: ResultSet = this.backend.capabilities.groups ? await this.backend.saveGroup(groupId, ids) : this.backend.resultSet(ids);
    const record = this.#record(groupId, 'squares', input);
    this.#tracker.followGroup(record, group);
    for (const [position, id] of ids.entries()) {
      await this.#sendTask(id, 'square', [position], { group: groupId, groupIndex: position });
    }
    return record;
  }

  /**
   * `sum-of-squares(n)`: a chord, n `square` tasks whose values a `sum` task adds up once the
   * last one is done. The backend counts the finished parts (Celery's chord protocol).
   */
  async sumOfSquares(input: { n: number }): Promise<JobRecord> {
    if (!this.backend.capabilities.chords) {
      throw new UnsupportedJobError(`The ${this.backend.adapter.name} backend does not support chords; use redis:// for sum-of-squares.`);
    }
    const groupId = randomUUID();
    const ids = Array.from({ length: input.n }, () => randomUUID());
    const bodyId = randomUUID();
    // The size is written before the first part can finish, so the count never completes early.
    await this.backend.setChordSize(groupId, input.n);
    const record = this.#record(groupId, 'sum-of-squares', input);
    record.bodyId = bodyId;
    this.#tracker.followChord(record, this.backend.resultSet(ids), this.backend.asyncResult(bodyId));
    const bodyRequest = { ...(await this.#replyRequest(bodyId)), parentId: groupId };
    for (const [position, id] of ids.entries()) {
      await this.#sendTask(id, 'square', [position], { group: groupId, groupIndex: position }, { taskId: bodyId, task: 'sum', request: bodyRequest });
    }
    return record;
  }

  /**
   * Celery mode: the same computations, run by a Python Celery worker. The app only sends the
   * task message; the worker stores the result in the backend this app reads.
   */
  async celery(kind: 'celery-divide' | 'celery-countdown', args: unknown[], input: Record<string, unknown>): Promise<JobRecord> {
    if (!this.#celery) {
      throw new UnsupportedJobError('Celery mode is off: start the app with CELERY_BROKER_URL=redis://... and a Python worker (see the README).');
    }
    const id = randomUUID();
    const record = this.#record(id, kind, input);
    this.#tracker.followTask(record);
    const task = kind === 'celery-divide' ? 'demo_tasks.divide' : 'demo_tasks.countdown';
    await this.#celery.send(id, task, args, await this.backend.taskProperties(id));
    return record;
  }

  /** Lists a task another client sent (a Python Celery client) and follows it like the app's own. */
  adopt(message: TaskMessage): void {
    if (this.index.get(message.taskId)) return;
    const record = this.#record(message.taskId, 'task', { name: `demo.${message.task}`, args: message.args });
    this.#tracker.followTask(record);
  }

  async #single(kind: JobKind, input: Record<string, unknown>, task: TaskName, args: unknown[]): Promise<JobRecord> {
    const id = randomUUID();
    const record = this.#record(id, kind, input);
    this.#tracker.followTask(record);
    await this.#sendTask(id, task, args);
    return record;
  }

  #record(id: string, kind: JobRecord['kind'], input: Record<string, unknown>): JobRecord {
    const record: JobRecord = {
      id, kind, input, state: states.PENDING, submittedAt: new Date().toISOString(),
      doneAt: null, durationMs: null, result: null, exception: null, traceback: null, worker: null, revision: 0,
    };
    this.index.add(record);
    return record;
  }

  async #sendTask(taskId: string, task: TaskName, args: unknown[], request: TaskRequest = {}, chordBody?: TaskMessage['chordBody']): Promise<void> {
    this.#send({ taskId, task, args, request: { ...(await this.#replyRequest(taskId)), ...request }, ...(chordBody ? { chordBody } : {}) });
  }

  /** Where the worker sends the result over `rpc://` (a reply queue this client declared); unused elsewhere. */
  async #replyRequest(taskId: string): Promise<TaskRequest> {
    const { replyTo, correlationId } = await this.backend.taskProperties(taskId);
    return { replyTo, correlationId };
  }
}
