import type { TaskRequest } from '@resultkit/core';
import type { TaskName } from './tasks.js';

/**
 * What the app hands a worker: which task to run with which arguments, and the request the
 * worker stores with each state (group, position in the group, the `rpc://` reply queue).
 */
export interface TaskMessage {
  taskId: string;
  task: TaskName;
  args: unknown[];
  request: TaskRequest;
  /** Set on the header parts of a chord: the part that completes it runs this body task. */
  chordBody?: { taskId: string; task: TaskName; request: TaskRequest };
}
