/**
 * Celery's task message protocol 2, the transport-independent part: the headers and the body a
 * Node sender builds, whatever carries them (a Redis list envelope, an AMQP message).
 */
import { hostname } from 'node:os';
import { stringifyPython } from '@resultkit/core';

export interface TaskHeaderInit {
  task: string;
  id: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  rootId?: string;
  parentId?: string | null;
}

/** The headers `apply_async` sends: the task, its id, its place in the workflow and reprs of its arguments. */
export function taskHeaders({ task, id, args, kwargs, rootId = id, parentId = null }: TaskHeaderInit): Record<string, unknown> {
  return {
    lang: 'py',
    task,
    id,
    shadow: null,
    eta: null,
    expires: null,
    group: null,
    group_index: null,
    retries: 0,
    timelimit: [null, null],
    root_id: rootId,
    parent_id: parentId,
    argsrepr: stringifyPython(args),
    kwargsrepr: stringifyPython(kwargs),
    origin: `node@${hostname()}`,
    ignore_result: false,
  };
}

/** The body: `[args, kwargs, embed]` as JSON, with no callbacks, errbacks, chain or chord. */
export function taskBody(args: unknown[], kwargs: Record<string, unknown>): string {
  return stringifyPython([args, kwargs, { callbacks: null, errbacks: null, chain: null, chord: null }]);
}
