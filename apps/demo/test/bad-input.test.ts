import { afterAll, beforeAll, expect, it } from 'vitest';
import { sqliteBackend } from './support/services.js';
import { startApp, type RunningApp } from './support/test-app.js';

// Bad requests on the default (SQLite) app: each gets a 4xx with a JSON message, and the app
// keeps serving afterwards.
const store = sqliteBackend();
let running: RunningApp;

beforeAll(async () => {
  running = await startApp(await store.setUp());
});
afterAll(async () => {
  await running.app.close();
  await store.tearDown();
});

const post = (path: string, body: string, contentType = 'application/json') =>
  fetch(`${running.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body }).then(async (response) => ({
    status: response.status,
    body: (await response.json()) as { error: string; message: string },
  }));

it('an unknown job kind is a 404 that lists the kinds', async () => {
  const { status, body } = await post('/api/jobs/mine-bitcoin', '{}');
  expect(status).toBe(404);
  expect(body).toEqual({ error: 'UNKNOWN_JOB_KIND', message: 'There is no job kind "mine-bitcoin". Kinds: divide, countdown, squares, sum-of-squares, celery-divide, celery-countdown.' });
});

it('a malformed JSON body is a 400', async () => {
  const { status, body } = await post('/api/jobs/divide', '{"a": 1, "b":');
  expect(status).toBe(400);
  expect(body.message).toMatch(/not valid JSON/);
});

it.each([
  ['a missing field', '/api/jobs/divide', { a: 1 }, "body must have required property 'b'"],
  ['a wrong type', '/api/jobs/divide', { a: 1, b: 'zero' }, 'body/b must be number'],
  ['an unknown field', '/api/jobs/squares', { n: 2, eval: 'x' }, 'body must NOT have additional properties'],
  ['a group too large', '/api/jobs/squares', { n: 100_000 }, 'body/n must be <= 50'],
  ['an array instead of an object', '/api/jobs/countdown', [1, 2], 'body must be object'],
])('%s is a 400 naming the problem', async (_name, path, input, message) => {
  const { status, body } = await post(path, JSON.stringify(input));
  expect(status).toBe(400);
  expect(body).toEqual({ error: 'INVALID_REQUEST', message: `Invalid body: ${message}` });
});

it('a Celery job while Celery mode is off is a 422 that says how to turn it on', async () => {
  const { status, body } = await post('/api/jobs/celery-divide', JSON.stringify({ a: 1, b: 2 }));
  expect(status).toBe(422);
  expect(body).toEqual({ error: 'UNSUPPORTED_JOB', message: expect.stringContaining('Celery mode is off: start the app with CELERY_BROKER_URL=redis://') });
});

it('a body over 64 KiB is a 413, refused unread', async () => {
  const { status, body } = await post('/api/jobs/divide', JSON.stringify({ a: 1, b: 2, padding: 'x'.repeat(200_000) }));
  expect(status).toBe(413);
  expect(body.error).toBe('FST_ERR_CTP_BODY_TOO_LARGE');
});

it('a body that is not JSON is a 415', async () => {
  const { status, body } = await post('/api/jobs/divide', 'a=1&b=2', 'application/x-www-form-urlencoded');
  expect(status).toBe(415);
  expect(body.message).toMatch(/Unsupported Media Type/i);
});

it('a bad query is a 400: an out-of-range wait timeout, a state filter that is not a state', async () => {
  expect((await running.request('GET', '/api/jobs/some-id/wait?timeout=3600')).status).toBe(400);
  const { status, body } = await running.request('GET', '/api/jobs?state=%3Cscript%3E');
  expect(status).toBe(400);
  expect(body.error).toBe('INVALID_REQUEST');
});

it('an unknown path is a JSON 404', async () => {
  const { status, body } = await running.request('GET', '/api/nothing-here');
  expect(status).toBe(404);
  expect(body.message).toBe('Nothing is served at GET /api/nothing-here.');
});

it('after all of that the app still runs jobs', async () => {
  const submitted = await running.request('POST', '/api/jobs/divide', { a: 8, b: 4 });
  expect(submitted.status).toBe(202);
  const { body } = await running.request('GET', `/api/jobs/${submitted.body.id}/wait?timeout=10`);
  expect(body.job).toMatchObject({ state: 'SUCCESS', result: 2 });
});
