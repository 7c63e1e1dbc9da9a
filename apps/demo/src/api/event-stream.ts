import type { FastifyInstance } from 'fastify';
import type { JobIndex } from '../job-index.js';
import { jsonReplacer, type JobRecord } from '../job-record.js';

/**
 * `GET /api/events`: every change of a job record as a server-sent event (`event: job`,
 * the record as data). The browser's `EventSource` reconnects by itself; the dashboard then
 * reloads the list, so nothing is missed in between.
 */
export function registerEventStream(app: FastifyInstance, index: JobIndex): void {
  const open = new Set<() => void>();

  app.get('/api/events', (_request, reply) => {
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    out.write('retry: 1000\n\n');
    const onChange = (record: JobRecord) => out.write(`event: job\ndata: ${JSON.stringify(record, jsonReplacer)}\n\n`);
    // A comment line now and then keeps proxies from closing an idle stream.
    const heartbeat = setInterval(() => out.write(': keep-alive\n\n'), 15_000);
    const end = () => {
      clearInterval(heartbeat);
      index.off('change', onChange);
      open.delete(end);
      out.end();
    };
    index.on('change', onChange);
    open.add(end);
    out.once('close', end);
  });

  // Open streams never end by themselves: end them so that the server can close.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });
}
