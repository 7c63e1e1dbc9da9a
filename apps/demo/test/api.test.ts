import { fileURLToPath } from 'node:url';
import { createBackend } from '@resultkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from './support/event-stream.js';
import { fileBackend, mustRun, postgresBackend, redisBackend, sqliteBackend, type TestBackend } from './support/services.js';
import { startApp, type RunningApp } from './support/test-app.js';

const backends: TestBackend[] = [sqliteBackend(), fileBackend(), await redisBackend(), await postgresBackend()];

describe.each(backends)('the jobs API on $name', (backend) => {
  let url = '';
  let running: RunningApp;
  const run = mustRun(backend.available);

  beforeAll(async () => {
    if (!run) return;
    url = await backend.setUp();
    running = await startApp(url);
  });
  afterAll(async () => {
    if (!run) return;
    await running?.app.close();
    await backend.tearDown();
  });

  const submit = async (kind: string, input: Record<string, unknown>) => {
    const { status, body } = await running.request('POST', `/api/jobs/${kind}`, input);
    expect(status, JSON.stringify(body)).toBe(202);
    expect(body.state).toBe('PENDING');
    return body.id as string;
  };
  const wait = async (id: string) => {
    const { status, body } = await running.request('GET', `/api/jobs/${id}/wait?timeout=20`);
    expect(status).toBe(200);
    expect(body.ready).toBe(true);
    return body.job;
  };

  it.skipIf(!run)('a computation returns its value, stored in the backend for any client to read', async () => {
    const id = await submit('divide', { a: 7, b: 2 });
    const job = await wait(id);
    expect(job).toMatchObject({ id, kind: 'divide', state: 'SUCCESS', result: 3.5, exception: null });
    expect(job.worker).toMatch(/^demo@/);
    expect(job.durationMs).toBeGreaterThanOrEqual(0);

    // Another client of the same store sees the same result, and with `extended` the extended
    // fields (a SQL store reads them only then, as Celery's reader does).
    const other = await createBackend(url, { extended: true });
    try {
      expect(await other.asyncResult(id).get({ timeout: 5_000 })).toBe(3.5);
      expect((await other.getTaskMeta(id)).name).toBe('demo.divide');
    } finally {
      await other.close();
    }
  });

  it.skipIf(!run)('a failing computation is a FAILURE with its exception and traceback', async () => {
    const job = await wait(await submit('divide', { a: 1, b: 0 }));
    expect(job.state).toBe('FAILURE');
    expect(job.exception).toEqual({ type: 'ZeroDivisionError', module: 'builtins', message: 'cannot divide 1 by zero' });
    expect(job.traceback).toContain('ZeroDivisionError: cannot divide 1 by zero');
    // The stored traceback names the app's files relative to the app, not where the server keeps them.
    expect(job.traceback).toMatch(/at divide \(src\/tasks\.ts:\d+:\d+\)/);
    expect(job.traceback).not.toContain(fileURLToPath(new URL('..', import.meta.url)));
  });

  it.skipIf(!run)('a slow job reports PROGRESS with its meta before it succeeds', async () => {
    let id = '';
    // Subscribed before the job is submitted, so that no event of it is missed.
    const events = await readEvents(running.baseUrl, (job) => job.id === id && job.state === 'SUCCESS', async () => {
      id = await submit('countdown', { steps: 6, delayMs: 200 });
    });
    const progress = events.filter((job) => job.id === id && job.state === 'PROGRESS');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)!.result).toMatchObject({ total: 6 });
    expect(events.at(-1)!.result).toBe('counted 6 steps');
    // Every event of the job has a higher revision than the one before: a reader can tell an older copy.
    const revisions = events.filter((job) => job.id === id).map((job) => job.revision as number);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    expect(new Set(revisions).size).toBe(revisions.length);
  });

  it.skipIf(!run)('a group fans out and its parts are joined in order', async () => {
    const id = await submit('squares', { n: 6 });
    const job = await wait(id);
    expect(job.state).toBe('SUCCESS');
    expect(job.result).toEqual([0, 1, 4, 9, 16, 25]);
    expect(job.parts.map((part: { state: string }) => part.state)).toEqual(Array(6).fill('SUCCESS'));

    // Saved as Celery's GroupResult: restored by id from the store by another client.
    const other = await createBackend(url);
    try {
      const group = await other.restoreGroup<number>(id);
      expect(await group!.join({ timeout: 5_000 })).toEqual([0, 1, 4, 9, 16, 25]);
    } finally {
      await other.close();
    }
  });

  it.skipIf(!run)('a chord runs its body once with every part, where the backend supports chords', async (context) => {
    if (!running.app.backend.capabilities.chords) return context.skip('this backend has no chords');
    const job = await wait(await submit('sum-of-squares', { n: 5 }));
    expect(job).toMatchObject({ state: 'SUCCESS', result: 30 });
    expect(job.parts.map((part: { state: string }) => part.state)).toEqual(Array(5).fill('SUCCESS'));
    expect(job.bodyId).toEqual(expect.any(String));
  });

  it.skipIf(!run)('a chord is refused with 422 where the backend has no chords', async (context) => {
    if (running.app.backend.capabilities.chords) return context.skip('this backend has chords');
    const response = await running.request('POST', '/api/jobs/sum-of-squares', { n: 5 });
    expect(response.status).toBe(422);
    expect(response.body).toEqual({ error: 'UNSUPPORTED_JOB', message: expect.stringContaining('does not support chords') });
  });

  it.skipIf(!run)('the list shows recent jobs newest first, filtered by state', async () => {
    await wait(await submit('divide', { a: 9, b: 0 }));
    const newest = await submit('divide', { a: 9, b: 3 });
    await wait(newest);
    const all = (await running.request('GET', '/api/jobs')).body.jobs as { id: string; state: string }[];
    expect(all[0]!.id).toBe(newest);
    const failures = (await running.request('GET', '/api/jobs?state=FAILURE')).body.jobs as { state: string }[];
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(failures.every((job) => job.state === 'FAILURE')).toBe(true);
    expect((await running.request('GET', '/api/jobs?limit=1')).body.jobs).toHaveLength(1);
  });

  it.skipIf(!run)('a long poll that times out answers ready: false with the current state', async () => {
    const id = await submit('countdown', { steps: 3, delayMs: 400 });
    const started = Date.now();
    const { status, body } = await running.request('GET', `/api/jobs/${id}/wait?timeout=0`);
    expect(status).toBe(200);
    expect(body.ready).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await wait(id)).state).toBe('SUCCESS');
  });

  it.skipIf(!run)('a task id unknown to the app and the store is a 404; one stored by another client is found', async () => {
    const unknown = await running.request('GET', '/api/jobs/no-such-task');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('UNKNOWN_JOB');

    const other = await createBackend(url);
    try {
      await other.storeResult('stored-elsewhere', { total: 3 });
    } finally {
      await other.close();
    }
    const found = await running.request('GET', '/api/jobs/stored-elsewhere');
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ kind: 'task', state: 'SUCCESS', result: { total: 3 } });
  });
});
