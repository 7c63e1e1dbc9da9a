import type { FastifyError, FastifyInstance } from 'fastify';
import { UnsupportedJobError } from '../job-service.js';

/**
 * Every error answers with `{ error, message }` JSON. Bad requests (schema, malformed JSON, a
 * body over the limit, a wrong content type) keep fastify's 4xx status and message; a job the
 * backend cannot run is 422; anything else is a 500 without internals, logged in full.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) {
      return reply.code(400).send({ error: 'INVALID_REQUEST', message: `Invalid ${error.validationContext ?? 'request'}: ${error.message}` });
    }
    if (error instanceof UnsupportedJobError) return reply.code(422).send({ error: 'UNSUPPORTED_JOB', message: error.message });
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send({ error: error.code ?? 'BAD_REQUEST', message: error.message });
    request.log.error(error);
    return reply.code(500).send({ error: 'INTERNAL', message: 'The request failed; the server log has the details.' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'NOT_FOUND', message: `Nothing is served at ${request.method} ${request.url.split('?')[0]}.` }),
  );
}
