import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sqliteBackend } from './support/services.js';
import { startApp, type RunningApp } from './support/test-app.js';

// `pnpm --filter @resultkit/demo worker` is `node dist/worker.js`: the built worker, as a
// user starts it (the test command builds every package first).
const WORKER = fileURLToPath(new URL('../dist/worker.js', import.meta.url));

const store = sqliteBackend();
let running: RunningApp;
let worker: ChildProcess;
let output = '';

beforeAll(async () => {
  if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: build the demo first (pnpm exec turbo run build --filter=@resultkit/demo...)`);
  const url = await store.setUp();
  running = await startApp(url, 'remote');
  worker = spawn(process.execPath, [WORKER], {
    env: { ...process.env, RESULT_BACKEND: url, DEMO_URL: running.baseUrl, CONCURRENCY: '3' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout!.on('data', (chunk) => (output += chunk));
  worker.stderr!.on('data', (chunk) => (output += chunk));
});

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill('SIGKILL');
    await once(worker, 'exit');
  }
  await running?.app.close();
  await store.tearDown();
});

it('a worker process started with one command runs the jobs and stores their states in the shared backend', async () => {
  const single = await running.request('POST', '/api/jobs/divide', { a: 10, b: 4 });
  const group = await running.request('POST', '/api/jobs/squares', { n: 4 });
  const failing = await running.request('POST', '/api/jobs/divide', { a: 1, b: 0 });

  const waited = async (id: string) => (await running.request('GET', `/api/jobs/${id}/wait?timeout=20`)).body.job;
  expect(await waited(single.body.id), output).toMatchObject({ state: 'SUCCESS', result: 2.5, worker: expect.stringMatching(/^demo-worker-\d+@/) });
  expect(await waited(group.body.id)).toMatchObject({ state: 'SUCCESS', result: [0, 1, 4, 9] });
  const failure = await waited(failing.body.id);
  expect(failure.state).toBe('FAILURE');
  expect(failure.traceback).toContain('ZeroDivisionError');
  expect(output).toContain('worker: 3 at a time');
});

it('the worker process stops cleanly on SIGTERM', async () => {
  worker.kill('SIGTERM');
  const [code] = await once(worker, 'exit');
  expect(code, output).toBe(0);
});
