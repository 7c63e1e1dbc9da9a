import { buildApp } from './app.js';
import { readConfig } from './config.js';

// `pnpm demo`: the app on a SQLite file, or on the backend RESULT_BACKEND names.
const config = readConfig();
const app = await buildApp(config);
const address = await app.server.listen({ host: config.host, port: config.port });

console.log(`resultkit demo: results in ${app.backend.adapter.name} (${config.workers} workers)`);
if (config.celery) console.log(`celery mode: celery-* jobs go to Python workers on queue ${config.celery.queue}`);
console.log(`open ${address}`);

// The first Ctrl-C lets running tasks finish and closes the backend; a second one exits at once.
const stop = async () => {
  console.log('stopping: running tasks finish first');
  await app.close();
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
