/**
 * Real Celery 5.2 (Debian's python3-celery) and @resultkit/backend-rpc on one RabbitMQ, with
 * `result_backend = 'rpc://'`:
 * - Node sends protocol-2 task messages with amqplib, carrying `backend.taskProperties(id)`,
 *   and a Celery worker's results (success, failures with tracebacks, a retry, STARTED) come
 *   back to this backend's reply queue;
 * - a Python client sends tasks that a Node worker (amqplib consumer + this backend) runs, and
 *   Python's AsyncResult.get() reads what it publishes, failures included.
 *
 * Fails (never skips) in CI when Python Celery is missing.
 */
import { randomUUID } from 'node:crypto';
import { createBackend, RemoteTaskError, states, type PushListener, type ResultBackend, type TaskMeta } from '@resultkit/core';
import type { RpcBackendOptions } from '@resultkit/backend-rpc';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { celeryAvailability, pyClient, registerCeleryPresenceTest, startWorker, withOutputOf, type CeleryWorker } from '../support/celery.js';
import { consumeTasks, sendTask } from './amqp-task.js';

const availability = celeryAvailability();

const BROKER = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672//';
const run = randomUUID().slice(0, 8);
const QUEUE = `rk-rpc-interop-${run}`;
const NODE_QUEUE = `rk-rpc-interop-node-${run}`;
const RPC: RpcBackendOptions = { brokerUrl: BROKER };
const ENV = { INTEROP_BROKER: BROKER, INTEROP_BACKEND: 'rpc://', INTEROP_QUEUE: QUEUE };

interface PyResult {
  id: string;
  state: string;
  result: unknown;
  exception: { type: string; module: string; args: unknown[]; repr: string } | null;
  traceback: string | null;
}

registerCeleryPresenceTest(availability);

describe.skipIf(!availability.ok)('Celery 5.2 and resultkit over rpc://', () => {
  let worker: CeleryWorker | undefined;
  let client: ResultBackend;
  let nodeWorker: ResultBackend;
  let amqp: ChannelModel;
  let channel: ConfirmChannel;
  // Every state the client's consumer delivered to its waiters, per task id, in arrival order.
  const seen = new Map<string, string[]>();

  const withWorkerOutput = withOutputOf(() => worker);
  const send = (task: string, args: unknown[], id = randomUUID()): Promise<string> =>
    sendTask(channel, client, { task, args, id, queue: QUEUE }).then(() => id);

  beforeAll(async () => {
    amqp = await connect(BROKER);
    channel = await amqp.createConfirmChannel();
    client = await createBackend('rpc://', { expires: 3600, rpc: RPC });
    nodeWorker = await createBackend('rpc://', { expires: 3600, rpc: RPC });
    // Record what reaches the waiters, non-final states included.
    const openPush = client.adapter.openPush!.bind(client.adapter);
    client.adapter.openPush = (listener: PushListener) =>
      openPush({
        message: (taskId: string, meta: TaskMeta | Error) => {
          if (!(meta instanceof Error)) seen.set(taskId, [...(seen.get(taskId) ?? []), meta.status]);
          listener.message(taskId, meta);
        },
        resync: () => listener.resync(),
        pushUnavailable: () => listener.pushUnavailable(),
        pushRestored: () => listener.pushRestored(),
      });
    worker = startWorker(QUEUE, ENV);
    // The worker declares its queue as it starts; until then the default exchange drops messages.
    await channel.assertQueue(QUEUE, { durable: true, autoDelete: false, exclusive: false });
    const ping = await send('interop_app.add', [1, 1]);
    expect(await client.asyncResult(ping).get({ timeout: 30_000 }).catch(withWorkerOutput)).toBe(2);
  }, 40_000);

  afterAll(async () => {
    await worker?.stop();
    await client?.close();
    await nodeWorker?.close();
    if (amqp) {
      const cleanup = await amqp.createChannel();
      for (const name of [QUEUE, NODE_QUEUE]) {
        await cleanup.deleteQueue(name);
        await cleanup.deleteExchange(name);
      }
      await amqp.close();
    }
  }, 20_000);

  // ---- Node client -> Celery worker --------------------------------------------------------

  it('awaits a success, a failure with its traceback, a custom exception and a retry', async () => {
    const add = await send('interop_app.add', [2, 3]);
    const typeError = await send('interop_app.add', [1, 'a']);
    const custom = await send('interop_app.fail_custom', ['over quota', 42]);
    // Waiting before the task is sent, so every state it goes through reaches the waiter.
    const retry = randomUUID();
    const retried = client.asyncResult(retry).get({ timeout: 10_000 });
    retried.catch(() => {}); // awaited below
    await send('interop_app.retry_once', ['v'], retry);
    try {
      expect(await client.asyncResult(add).get({ timeout: 10_000 })).toBe(5);

      const failure = await client.asyncResult(typeError).get({ timeout: 10_000 }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(RemoteTaskError);
      expect(failure).toMatchObject({ excType: 'TypeError', excModule: 'builtins', state: states.FAILURE });
      expect((failure as RemoteTaskError).traceback).toMatch(/^Traceback \(most recent call last\):[\s\S]*TypeError: unsupported operand/);

      const quota = await client.asyncResult(custom).get({ timeout: 10_000 }).catch((e: unknown) => e);
      expect(quota).toMatchObject({ excType: 'QuotaExceeded', excModule: 'interop_app', excArgs: ['over quota', 42] });
      expect((quota as RemoteTaskError).traceback).toMatch(/interop_app\.QuotaExceeded: \('over quota', 42\)/);
      expect(await client.asyncResult(custom).state()).toBe(states.FAILURE);

      expect(await retried).toEqual({ value: 'v', retries: 1 });
      // The RETRY went by on the way, and reached the waiter's listener as it arrived.
      expect(seen.get(retry)).toEqual([states.STARTED, states.RETRY, states.STARTED, states.SUCCESS]);
    } catch (error) {
      withWorkerOutput(error);
    }
  });

  it('sees STARTED (task_track_started) while the task runs, then its result', async () => {
    const slow = await send('interop_app.sleep_then_return', [0.8, 'slow']);
    let started: TaskMeta | undefined;
    const deadline = Date.now() + 10_000;
    while (!started && Date.now() < deadline) {
      const meta = await client.getTaskMeta(slow);
      if (meta.status === states.STARTED) started = meta;
      else if (meta.status === states.SUCCESS) break;
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(started?.result).toMatchObject({ hostname: `${QUEUE}@interop` });
    expect(typeof (started?.result as { pid?: unknown }).pid).toBe('number');
    expect(await client.asyncResult(slow).get({ timeout: 10_000 }).catch(withWorkerOutput)).toBe('slow');
    expect((await client.getTaskMeta(slow)).status).toBe(states.SUCCESS);
  });

  // ---- Python client -> Node worker --------------------------------------------------------

  it("a Node worker runs Python's tasks and Python's AsyncResult.get() reads the results, a failure included", async () => {
    const work = await amqp.createChannel();
    const consumerTag = await consumeTasks(work, NODE_QUEUE, async (task) => {
      await nodeWorker.markAsStarted(task.id, undefined, { request: task.request });
      if (task.args[0] === 'fail') {
        const error = new RemoteTaskError({ excType: 'ValueError', excModule: 'builtins', excArgs: ['node says no'] });
        await nodeWorker.markAsFailure(task.id, error, { request: task.request, traceback: 'Traceback (most recent call last):\nValueError: node says no' });
      } else {
        await nodeWorker.storeResult(task.id, { echo: task.args, from: 'node' }, states.SUCCESS, { request: task.request });
      }
    });
    try {
      const [called] = await pyClient<{ results: PyResult[] }>(
        'call',
        {
          tasks: [
            { task: 'interop_app.node_task', args: ['hello', 1], queue: NODE_QUEUE },
            { task: 'interop_app.node_task', args: ['fail'], queue: NODE_QUEUE },
          ],
          timeout: 15,
        },
        ENV,
        40_000,
      );
      const [ok, failed] = called!.results;
      expect(ok).toMatchObject({ state: states.SUCCESS, result: { echo: ['hello', 1], from: 'node' } });
      expect(failed).toMatchObject({ state: states.FAILURE, exception: { type: 'ValueError', args: ['node says no'] } });
      expect(failed!.traceback).toBe('Traceback (most recent call last):\nValueError: node says no');
    } finally {
      await work.cancel(consumerTag);
      await work.close();
    }
  }, 60_000);
});
