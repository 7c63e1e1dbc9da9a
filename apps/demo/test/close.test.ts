import { createBackend } from '@resultkit/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sqliteBackend } from './support/services.js';
import { startApp, type RunningApp } from './support/test-app.js';

// Ctrl-C closes the app: open long polls answer at once (as on a timeout) instead of holding the
// close up for their whole timeout, while a task that is running still finishes first.
const store = sqliteBackend();
let running: RunningApp;
let url: string;

beforeAll(async () => {
  url = await store.setUp();
  running = await startApp(url);
});
afterAll(async () => {
  await store.tearDown();
});

it('closing answers open long polls at once and lets the running task finish', async () => {
  const submitted = await running.request('POST', '/api/jobs/countdown', { steps: 2, delayMs: 600 });
  expect(submitted.status).toBe(202);
  const id = submitted.body.id as string;
  const poll = running.request('GET', `/api/jobs/${id}/wait?timeout=60`);
  const work = fetch(`${running.baseUrl}/api/work/next?wait=60`);
  // Let both long polls reach their handlers before closing.
  await new Promise((resolve) => setTimeout(resolve, 200));

  const started = performance.now();
  const closed = running.app.close();
  const answer = await poll;
  const answeredAfter = performance.now() - started;
  expect(answer.status).toBe(200);
  expect(answer.body.ready).toBe(false);
  expect((await work).status).toBe(204);
  expect(answeredAfter).toBeLessThan(1_000);

  await closed;
  // The countdown ran to its end before the backend closed.
  const backend = await createBackend(url);
  try {
    expect((await backend.getTaskMeta(id)).status).toBe('SUCCESS');
  } finally {
    await backend.close();
  }
});
