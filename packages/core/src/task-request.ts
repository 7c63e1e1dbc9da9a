/**
 * What a worker knows about the task it runs. The group and parent ids go into every stored
 * document; the rest is stored only with `extended: true` (Celery's `result_extended`).
 */
export interface TaskRequest {
  /** The task's name, e.g. `tasks.add`. */
  name?: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  /** The worker's hostname, e.g. `celery@host`. */
  hostname?: string;
  retries?: number;
  /** The routing key the task was delivered with (Celery stores it as `queue`). */
  routingKey?: string;
  /** The group (or chord header) the task belongs to. */
  group?: string;
  /** The task's position in its group (`group_index`), which orders chord results. */
  groupIndex?: number;
  parentId?: string;
  /** Result tuples of the tasks this task started. */
  children?: unknown[];
  /**
   * The task message's `reply_to` property: over `rpc://` the queue the result is published to
   * (Celery's `request.reply_to`). Other backends ignore it.
   */
  replyTo?: string;
  /** The task message's `correlation_id` (Celery's `request.correlation_id`); defaults to the task id. */
  correlationId?: string;
}
