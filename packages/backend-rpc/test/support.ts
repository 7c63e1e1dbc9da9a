/**
 * Shared by the RPC tests: where the broker is, how to open a backend on it, and a raw amqplib
 * connection to look at queues with.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createBackend, type BackendOptions, type ResultBackend } from '@resultkit/core';
import { connect, type Channel, type ChannelModel } from 'amqplib';
import { onTestFinished } from 'vitest';
import type { RpcBackendOptions } from '../src/options.js';
import type { RpcAdapter } from '../src/rpc-adapter.js';

/** `AMQP_URL`, default RabbitMQ on loopback with Celery's default credentials and vhost. */
export const BROKER_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672//';

/** A backend on the test broker; the caller closes it (or passes `onTestFinished`). */
export function openRpcBackend(options: BackendOptions = {}, rpc: RpcBackendOptions = {}): Promise<ResultBackend> {
  return createBackend('rpc://', { ...options, rpc: { brokerUrl: BROKER_URL, ...options.rpc, ...rpc } });
}

/** A backend closed when the current test finishes. */
export async function useRpcBackend(options: BackendOptions = {}, rpc: RpcBackendOptions = {}): Promise<ResultBackend> {
  const backend = await openRpcBackend(options, rpc);
  onTestFinished(() => backend.close());
  return backend;
}

export function adapterOf(backend: ResultBackend): RpcAdapter {
  return backend.adapter as RpcAdapter;
}

/** A plain amqplib connection and channel, closed when the current test finishes. */
export async function useRawChannel(): Promise<{ connection: ChannelModel; channel: Channel }> {
  const connection = await connect(BROKER_URL);
  connection.on('error', () => {});
  const channel = await connection.createChannel();
  channel.on('error', () => {});
  onTestFinished(() => connection.close().catch(() => {}));
  return { connection, channel };
}

/** Resolves when `predicate` holds, polling every 20 ms; rejects after `timeout` ms. */
export async function until(predicate: () => boolean | Promise<boolean>, timeout = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Every state a backend's consumer hands to its waiters, per task id, in arrival order. */
export function recordPushedStates(backend: ResultBackend): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const adapter = adapterOf(backend);
  const openPush = adapter.openPush.bind(adapter);
  adapter.openPush = (listener) =>
    openPush({
      message: (taskId, meta) => {
        if (!(meta instanceof Error)) seen.set(taskId, [...(seen.get(taskId) ?? []), meta.status]);
        listener.message(taskId, meta);
      },
      resync: () => listener.resync(),
      pushUnavailable: () => listener.pushUnavailable(),
      pushRestored: () => listener.pushRestored(),
    });
  return seen;
}

const run = promisify(execFile);

/** Closes, from the broker's side, every connection whose client named itself `name` (async: timers keep running). */
export async function killConnections(name: string): Promise<number> {
  // One line per connection: its pid, a tab, its client properties as an Erlang term.
  const { stdout: out } = await run('rabbitmqctl', ['list_connections', 'pid', 'client_properties', '-q'], { encoding: 'utf8' });
  const pids = out
    .split('\n')
    .filter((line) => line.includes(`{"connection_name","${name}"}`))
    .map((line) => line.split('\t')[0]!);
  for (const pid of pids) await run('rabbitmqctl', ['close_connection', pid, 'resultkit test: broker-side close', '-q']);
  return pids.length;
}

interface ListedQueue {
  name: string;
  durable: boolean;
  auto_delete: boolean;
  exclusive: boolean;
  messages_unacknowledged: number;
  /** `[name, type, value]` triples, as rabbitmqctl prints them. */
  arguments: [string, string, unknown][];
}

/** A queue as `rabbitmqctl list_queues` shows it (the broker's view, not the client's), or undefined when there is none. */
export function listQueue(name: string): (Omit<ListedQueue, 'arguments'> & { arguments: Record<string, unknown> }) | undefined {
  const out = execFileSync('rabbitmqctl', ['list_queues', 'name', 'durable', 'auto_delete', 'exclusive', 'messages_unacknowledged', 'arguments', '--formatter', 'json', '-q'], {
    encoding: 'utf8',
  });
  const queue = (JSON.parse(out) as ListedQueue[]).find((q) => q.name === name);
  return queue && { ...queue, arguments: Object.fromEntries(queue.arguments.map(([key, , value]) => [key, value])) };
}
