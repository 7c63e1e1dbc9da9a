import type { FastifyInstance } from 'fastify';
import type { TaskQueue } from '../task-queue.js';

/**
 * `GET /api/work/next`: how a worker process (`pnpm worker`) takes the next task: a long
 * poll that answers 200 with a task message, or 204 when none came within `wait` seconds.
 * The worker then stores every state in the backend itself; the app only hands out work.
 */
export function registerWorkRoutes(app: FastifyInstance, queue: TaskQueue, closing: AbortSignal): void {
  app.get<{ Querystring: { wait: number } }>(
    '/api/work/next',
    { schema: { querystring: { type: 'object', additionalProperties: false, properties: { wait: { type: 'integer', minimum: 0, maximum: 60, default: 20 } } } } },
    async (request, reply) => {
      const hungUp = closed(reply.raw);
      const message = await queue.take(AbortSignal.any([AbortSignal.timeout(request.query.wait * 1000), hungUp, closing]));
      // A worker that hung up while the message was being taken would lose it: put it back.
      if (message && hungUp.aborted) {
        queue.push(message);
        return reply.code(204).send();
      }
      return message ? message : reply.code(204).send();
    },
  );
}

/** Aborts when the response's connection closes (the worker hung up). */
function closed(stream: NodeJS.EventEmitter): AbortSignal {
  const controller = new AbortController();
  stream.once('close', () => controller.abort());
  return controller.signal;
}
