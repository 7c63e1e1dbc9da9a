import { READY_STATES, RemoteTaskError, TimeoutError, type ResultSet } from '@resultkit/core';
import type { FastifyInstance } from 'fastify';
import { applyMeta, JOB_KINDS, type JobRecord } from '../job-record.js';
import type { JobService } from '../job-service.js';

/** Integers with bounds, so that no request can ask for a million-member group or an hour-long task. */
const int = (minimum: number, maximum: number) => ({ type: 'integer', minimum, maximum }) as const;
const body = (properties: Record<string, unknown>) => ({
  body: { type: 'object', required: Object.keys(properties), additionalProperties: false, properties },
});

/**
 * The jobs API: submit one job of each kind, read one, wait for one (a long poll), list the
 * recent ones. Every body is checked against its JSON schema before a handler runs.
 */
export function registerJobRoutes(app: FastifyInstance, jobs: JobService, closing: AbortSignal): void {
  app.post<{ Body: { a: number; b: number } }>('/api/jobs/divide', { schema: body({ a: { type: 'number' }, b: { type: 'number' } }) }, async (request, reply) =>
    reply.code(202).send(await jobs.divide(request.body)),
  );
  app.post<{ Body: { steps: number; delayMs: number } }>('/api/jobs/countdown', { schema: body({ steps: int(1, 50), delayMs: int(0, 5_000) }) }, async (request, reply) =>
    reply.code(202).send(await jobs.countdown(request.body)),
  );
  app.post<{ Body: { n: number } }>('/api/jobs/squares', { schema: body({ n: int(1, 50) }) }, async (request, reply) =>
    reply.code(202).send(await jobs.squares(request.body)),
  );
  app.post<{ Body: { n: number } }>('/api/jobs/sum-of-squares', { schema: body({ n: int(1, 50) }) }, async (request, reply) =>
    reply.code(202).send(await jobs.sumOfSquares(request.body)),
  );
  app.post<{ Body: { a: number; b: number } }>('/api/jobs/celery-divide', { schema: body({ a: { type: 'number' }, b: { type: 'number' } }) }, async (request, reply) =>
    reply.code(202).send(await jobs.celery('celery-divide', [request.body.a, request.body.b], request.body)),
  );
  app.post<{ Body: { steps: number; delayMs: number } }>('/api/jobs/celery-countdown', { schema: body({ steps: int(1, 50), delayMs: int(0, 5_000) }) }, async (request, reply) =>
    reply.code(202).send(await jobs.celery('celery-countdown', [request.body.steps, request.body.delayMs], request.body)),
  );
  app.post<{ Params: { kind: string } }>('/api/jobs/:kind', async (request, reply) =>
    reply.code(404).send({ error: 'UNKNOWN_JOB_KIND', message: `There is no job kind "${request.params.kind}". Kinds: ${JOB_KINDS.join(', ')}.` }),
  );

  app.get<{ Querystring: { state?: string; limit?: number } }>(
    '/api/jobs',
    { schema: { querystring: { type: 'object', additionalProperties: false, properties: { state: { type: 'string', pattern: '^[A-Z_]{1,32}$' }, limit: int(1, 500) } } } },
    async (request) => ({ jobs: jobs.index.list(request.query) }),
  );

  app.get<{ Params: { id: string } }>('/api/jobs/:id', async (request, reply) => {
    const record = await findJob(jobs, request.params.id);
    return record ? record : reply.code(404).send(unknownJob(request.params.id));
  });

  app.get<{ Params: { id: string }; Querystring: { timeout: number } }>(
    '/api/jobs/:id/wait',
    { schema: { querystring: { type: 'object', additionalProperties: false, properties: { timeout: { ...int(0, 60), default: 25 } } } } },
    async (request, reply) => {
      const { id } = request.params;
      // A client that hangs up ends the wait (and its subscription) at once.
      // So does the server closing: a long poll must not hold Ctrl-C up for its whole timeout.
      const gone = new AbortController();
      reply.raw.once('close', () => gone.abort());
      try {
        await waitForJob(jobs, id, request.query.timeout * 1000, AbortSignal.any([gone.signal, closing]));
      } catch (error) {
        if (!(error instanceof TimeoutError) && !closing.aborted) throw error;
      }
      const record = await findJob(jobs, id);
      if (!record) return reply.code(404).send(unknownJob(id));
      return { ready: READY_STATES.has(record.state), job: record };
    },
  );
}

/**
 * Waits through the backend, as any client would: `GroupResult.join()` for a group the backend
 * saved, `AsyncResult.get()` for a task (a chord's body). A failure is a result here, not an error.
 */
async function waitForJob(jobs: JobService, id: string, timeout: number, signal: AbortSignal): Promise<void> {
  const record = jobs.index.get(id);
  const taskId = record?.bodyId ?? id;
  let group: ResultSet | null = null;
  if (record?.parts && !record.bodyId) group = jobs.backend.resultSet(record.parts.map((part) => part.id));
  else if (!record && jobs.backend.capabilities.groups) group = await jobs.backend.restoreGroup(id);
  try {
    if (group) await group.join({ timeout, signal });
    else await jobs.backend.asyncResult(taskId).get({ timeout, signal, propagate: false });
  } catch (error) {
    if (!(error instanceof RemoteTaskError)) throw error;
  }
  // The tracker records the outcome too; waiting for it here keeps the answer and the
  // dashboard in agreement.
  if (record && !READY_STATES.has(record.state)) await recorded(jobs, record, signal);
}

function recorded(jobs: JobService, record: JobRecord, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      jobs.index.off('change', onChange);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const onChange = (changed: JobRecord) => {
      if (changed === record && READY_STATES.has(record.state)) done();
    };
    jobs.index.on('change', onChange);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A job this app submitted, or any task the backend has a state for (submitted elsewhere). */
async function findJob(jobs: JobService, id: string): Promise<JobRecord | null> {
  const known = jobs.index.get(id);
  if (known) return known;
  const meta = await jobs.backend.getTaskMeta(id);
  if (meta.status === 'PENDING') return null;
  const record: JobRecord = {
    id, kind: 'task', input: { name: meta.name ?? null, args: meta.args ?? null }, state: meta.status, submittedAt: meta.dateDone?.toISOString() ?? new Date().toISOString(),
    doneAt: null, durationMs: null, result: null, exception: null, traceback: null, worker: null, revision: 0,
  };
  applyMeta(record, meta);
  return record;
}

function unknownJob(id: string) {
  return { error: 'UNKNOWN_JOB', message: `No job or task "${id}" is known here or stored in the backend.` };
}
