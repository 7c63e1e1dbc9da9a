import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from './support/event-stream.js';
import { answers, mustRun } from './support/services.js';
import { startApp, type RunningApp } from './support/test-app.js';

// Celery mode against a real Python Celery worker (Debian's python3-celery, as for the interop
// suites): broker on Redis database 13, results on 14, a queue of this file's own.
const PYTHON = process.env.CELERY_PYTHON ?? '/usr/bin/python3';
const CELERY_DIR = fileURLToPath(new URL('../celery/', import.meta.url));
const REDIS_BASE = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const withDb = (db: number) => Object.assign(new URL(REDIS_BASE), { pathname: `/${db}` }).toString();
const BROKER = withDb(13);
const RESULTS = withDb(14);
const QUEUE = 'demo-celery-test';
const NODE_QUEUE = 'demo-node-test';
const CELERY_ENV = { CELERY_BROKER_URL: BROKER, RESULT_BACKEND: RESULTS, CELERY_QUEUE: QUEUE, CELERY_NODE_QUEUE: NODE_QUEUE };

/** `send_to_node.py <task> <args...>`: a Python client sends a task to the Node workers and prints what `get()` gave it. */
async function sendFromPython(task: string, ...args: unknown[]): Promise<Record<string, unknown>> {
  const child = spawn(PYTHON, ['send_to_node.py', task, ...args.map((arg) => JSON.stringify(arg))], { cwd: CELERY_DIR, env: { ...process.env, ...CELERY_ENV } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [code] = await once(child, 'close');
  if (code !== 0) throw new Error(`send_to_node.py exited with ${code}: ${stderr}`);
  return JSON.parse(stdout) as Record<string, unknown>;
}

const celeryInstalled = spawnSync(PYTHON, ['-c', 'import celery, redis'], { timeout: 20_000 }).status === 0;
const run = mustRun(celeryInstalled && (await answers(REDIS_BASE, 6379)));

const flush = async () => {
  for (const url of [BROKER, RESULTS]) {
    const client = new Redis(url);
    await client.flushdb();
    client.disconnect();
  }
};

describe.skipIf(!run)('Celery mode', () => {
  let running: RunningApp;
  let worker: ChildProcess;
  let output = '';

  beforeAll(async () => {
    if (!celeryInstalled) throw new Error(`${PYTHON} cannot import celery and redis: apt-get install -y python3-celery python3-redis (or set CELERY_PYTHON)`);
    await flush();
    // Its own process group, so that stopping it also stops anything the worker started.
    worker = spawn(
      PYTHON,
      ['-m', 'celery', '-A', 'demo_tasks', 'worker', '--pool=solo', '-Q', QUEUE, '-n', `${QUEUE}@demo`, '--without-heartbeat', '--without-gossip', '--without-mingle', '-l', 'warning'],
      { cwd: CELERY_DIR, env: { ...process.env, ...CELERY_ENV }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    worker.stdout!.on('data', (chunk) => (output += chunk));
    worker.stderr!.on('data', (chunk) => (output += chunk));
    running = await startApp(RESULTS, 'in-process', { brokerUrl: BROKER, queue: QUEUE, nodeQueue: NODE_QUEUE });
  });

  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      const exited = once(worker, 'exit');
      process.kill(-worker.pid!, 'SIGTERM');
      const force = setTimeout(() => process.kill(-worker.pid!, 'SIGKILL'), 5_000);
      await exited;
      clearTimeout(force);
    }
    await running?.app.close();
    await flush();
  });

  const submit = async (kind: string, input: Record<string, unknown>) => {
    const { status, body } = await running.request('POST', `/api/jobs/${kind}`, input);
    expect(status, JSON.stringify(body)).toBe(202);
    return body.id as string;
  };
  const wait = async (id: string) => (await running.request('GET', `/api/jobs/${id}/wait?timeout=25`)).body.job;

  it('a task sent to the Python worker comes back through the result backend, beside a Node job', async () => {
    const python = await submit('celery-divide', { a: 6, b: 4 });
    const node = await submit('divide', { a: 6, b: 4 });
    expect(await wait(python), output).toMatchObject({ kind: 'celery-divide', state: 'SUCCESS', result: 1.5, worker: `${QUEUE}@demo` });
    expect(await wait(node)).toMatchObject({ kind: 'divide', state: 'SUCCESS', result: 1.5, worker: expect.stringMatching(/^demo@/) });
    const listed = (await running.request('GET', '/api/jobs?state=SUCCESS')).body.jobs.map((job: { id: string }) => job.id);
    expect(listed).toEqual(expect.arrayContaining([python, node]));
  });

  it("a Python failure shows Python's exception and traceback", async () => {
    const job = await wait(await submit('celery-divide', { a: 1, b: 0 }));
    expect(job.state).toBe('FAILURE');
    expect(job.exception).toEqual({ type: 'ZeroDivisionError', module: 'builtins', message: 'division by zero' });
    expect(job.traceback).toContain('Traceback (most recent call last)');
    expect(job.traceback).toContain('demo_tasks.py');
  });

  it("the Python task's PROGRESS reaches the event stream before its SUCCESS", async () => {
    let id = '';
    const events = await readEvents(running.baseUrl, (job) => job.id === id && job.state === 'SUCCESS', async () => {
      id = await submit('celery-countdown', { steps: 4, delayMs: 300 });
    });
    const mine = events.filter((job) => job.id === id);
    expect(mine.some((job) => job.state === 'PROGRESS' && job.result.total === 4)).toBe(true);
    expect(mine.at(-1)!.result).toBe('counted 4 steps in Python');
  });

  it('a task a Python client sends is run by the Node workers, and the client gets its value', async () => {
    const answer = await sendFromPython('divide', 9, 3);
    expect(answer).toMatchObject({ state: 'SUCCESS', result: 3 });
    // The app lists it too, as a task it did not submit.
    const job = (await running.request('GET', `/api/jobs/${answer.id}`)).body;
    expect(job).toMatchObject({ kind: 'task', input: { name: 'demo.divide', args: [9, 3] }, worker: expect.stringMatching(/^demo@/) });
  });

  it('a Node failure reaches the Python client as its own exception; an unknown task as NotRegistered', async () => {
    expect(await sendFromPython('divide', 1, 0)).toMatchObject({ state: 'FAILURE', exc_type: 'ZeroDivisionError', message: 'cannot divide 1 by zero' });
    expect(await sendFromPython('no_such_task')).toMatchObject({ state: 'FAILURE', exc_type: 'NotRegistered' });
    expect(await sendFromPython('toString')).toMatchObject({ state: 'FAILURE', exc_type: 'NotRegistered' });
  });
});
