import { randomUUID } from 'node:crypto';

/**
 * The AMQP properties a task message for one task id must carry, as Celery sets them on every
 * task it sends (whatever the result backend): `reply_to` names the queue the worker publishes
 * the result to (used by `rpc://` only) and `correlation_id` is the task id.
 */
export interface TaskProperties {
  /** `reply_to`: over `rpc://` the sender's reply queue; elsewhere a stable per-process name. */
  replyTo: string;
  /** `correlation_id`: the task id. */
  correlationId: string;
}

let processReplyTo: string | undefined;

/**
 * The reply-to name of this process: Celery gives every app a uuid-shaped `oid` and puts it in
 * every task message's `reply_to`; backends other than `rpc://` never read it, so one random
 * UUID per process, made on first use, is what a Celery worker expects to see there.
 */
export function defaultReplyTo(): string {
  return (processReplyTo ??= randomUUID());
}
