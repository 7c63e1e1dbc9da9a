/**
 * @resultkit/backend-rpc against raw amqplib moving the same bytes the same way, in the same run:
 * - round trips (a client waits with `get()`, a worker backend publishes the result to the
 *   client's reply queue, the wait resolves) vs a raw publish of the same document to a raw
 *   consumer's queue, resolved by correlation id; 64 in flight, transient and persistent
 *   (`delivery_mode` 1 and 2), both with publisher confirms as the backend uses by default;
 * - the Node CPU time per round trip of both (steadier than throughput on a shared machine);
 * - store-to-resolved latency, one result at a time (p50/p99), vs the raw publish -> delivery floor.
 *
 * Uses AMQP_URL (default RabbitMQ on loopback); every queue it declares is auto-delete.
 */
import { randomUUID } from 'node:crypto';
import { createBackend, type BackendOptions, type ResultBackend } from '@resultkit/core';
import { resultkitAdapter, type RpcBackendOptions } from '@resultkit/backend-rpc';
import { connect, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { alternate, measure, percentiles } from './harness.ts';
import { typicalPayload } from './payloads.ts';

const BROKER = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672//';
const OPS = Number(process.env.BENCH_RPC_OPS ?? 10_000);
const IN_FLIGHT = 64;
const LATENCY_SAMPLES = Number(process.env.BENCH_RPC_LATENCY ?? 2_000);

// Passed explicitly: core's import() of the package resolves from core's own directory.
const open = (options: BackendOptions, rpc: RpcBackendOptions = {}): Promise<ResultBackend> =>
  createBackend('rpc://', { adapter: resultkitAdapter, ...options, rpc: { brokerUrl: BROKER, ...rpc } });

/** A raw publisher and a raw consumer on two connections, as the backends have. */
interface Raw {
  publisher: ChannelModel;
  consumer: ChannelModel;
  channel: ConfirmChannel;
  queue: string;
  /** Publishes `bytes` and resolves once it is confirmed and delivered to the consumer. */
  roundTrip(bytes: Buffer, deliveryMode: 1 | 2): Promise<void>;
}

export async function openRaw(): Promise<Raw> {
  const publisher = await connect(BROKER);
  const consumer = await connect(BROKER);
  const channel = await publisher.createConfirmChannel();
  const consuming = await consumer.createChannel();
  const { queue } = await consuming.assertQueue(randomUUID(), { durable: false, autoDelete: true, arguments: { 'x-expires': 86_400_000 } });
  const waiting = new Map<string, () => void>();
  await consuming.consume(queue, (message: ConsumeMessage | null) => {
    const id = message?.properties.correlationId as string | undefined;
    if (id === undefined) return;
    // The raw consumer decodes nothing: the bytes arrive, the waiter for the id resolves.
    waiting.get(id)?.();
    waiting.delete(id);
  }, { noAck: true });
  return {
    publisher,
    consumer,
    channel,
    queue,
    roundTrip(bytes, deliveryMode) {
      const id = randomUUID();
      const delivered = new Promise<void>((resolve) => waiting.set(id, resolve));
      const confirmed = new Promise<void>((resolve, reject) => {
        channel.publish('', queue, bytes, { correlationId: id, contentType: 'application/json', contentEncoding: 'utf-8', deliveryMode, priority: 0, headers: {} }, (error: unknown) =>
          error ? reject(error as Error) : resolve(),
        );
      });
      return Promise.all([delivered, confirmed]).then(() => undefined);
    },
  };
}

export async function run(): Promise<void> {
  const client = await open({ expires: 86_400 });
  const transient = await open({ expires: 86_400 });
  const persistent = await open({ expires: 86_400 }, { persistent: true });
  const raw = await openRaw();
  try {
    const run = `rkb-${randomUUID().slice(0, 8)}-`;
    const sample = `${run}00000000-0000-0000-0000-000000000000`;
    // The same bytes the backend publishes, so the raw baseline moves the same payload.
    const bytes = Buffer.from(
      client.codec.encode({ status: 'SUCCESS', result: typicalPayload, traceback: null, children: [], date_done: '2026-11-23T19:38:53.971539+00:00', task_id: sample }),
    );
    const { replyTo } = await client.taskProperties(sample);
    console.log(`${OPS.toLocaleString('en-US')} round trips per run, ${IN_FLIGHT} in flight, median of 3 alternating runs; ${bytes.length} bytes per result`);

    const roundTrip = (worker: ResultBackend) => (i: number): Promise<unknown> => {
      const id = `${run}${i}-${randomUUID()}`;
      const waiting = client.asyncResult(id).get({ timeout: 60_000 });
      return Promise.all([waiting, worker.storeResult(id, typicalPayload, 'SUCCESS', { request: { replyTo, correlationId: id } })]);
    };
    await alternate(
      { label: 'round trip, transient (get + storeResult)', op: roundTrip(transient) },
      { label: 'raw publish -> consume, dm 1', op: () => raw.roundTrip(bytes, 1) },
      { ops: OPS, concurrency: IN_FLIGHT, target: 0.7 },
    );
    await alternate(
      { label: 'round trip, persistent (get + storeResult)', op: roundTrip(persistent) },
      { label: 'raw publish -> consume, dm 2', op: () => raw.roundTrip(bytes, 2) },
      { ops: OPS, concurrency: IN_FLIGHT, target: 0.7 },
    );

    // On a shared machine throughput swings with what else runs; the CPU time this process
    // spends per round trip does not, so it is printed too (the broker's CPU is not counted).
    const cpuPerOp = async (op: (i: number) => unknown): Promise<number> => {
      const before = process.cpuUsage();
      await measure('', op, { ops: OPS, concurrency: IN_FLIGHT, warmup: 0 });
      const used = process.cpuUsage(before);
      return (used.user + used.system) / OPS;
    };
    const oursCpu = await cpuPerOp(roundTrip(transient));
    const rawCpu = await cpuPerOp(() => raw.roundTrip(bytes, 1));
    console.log(`Node CPU per round trip, transient: ours ${oursCpu.toFixed(1)} µs | raw ${rawCpu.toFixed(1)} µs | raw/ours ${(rawCpu / oursCpu).toFixed(2)}x`);

    // ---- latency: one result at a time, the client already waiting ------------------------
    const ours: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const id = `${run}lat-${i}`;
      let resolvedAt = 0;
      const waiting = client.asyncResult(id).get({ timeout: 60_000 }).then(() => (resolvedAt = performance.now()));
      // Let the wait subscribe and do its first read before the store starts the clock.
      while (client.pendingWaits === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setTimeout(resolve, 0));
      const storedAt = performance.now();
      await transient.storeResult(id, typicalPayload, 'SUCCESS', { request: { replyTo, correlationId: id } });
      await waiting;
      ours.push(resolvedAt - storedAt);
      const rawStart = performance.now();
      await raw.roundTrip(bytes, 1);
      floor.push(performance.now() - rawStart);
    }
    const p = percentiles(ours);
    const f = percentiles(floor);
    console.log(
      `store-to-resolved latency over ${LATENCY_SAMPLES.toLocaleString('en-US')} results: p50 ${p.p50!.toFixed(3)} ms, p99 ${p.p99!.toFixed(3)} ms ` +
        `| raw publish -> delivery floor: p50 ${f.p50!.toFixed(3)} ms, p99 ${f.p99!.toFixed(3)} ms ` +
        `| ratio p50 ${(p.p50! / f.p50!).toFixed(2)}x, p99 ${(p.p99! / f.p99!).toFixed(2)}x`,
    );
  } finally {
    await client.close();
    await transient.close();
    await persistent.close();
    await raw.publisher.close();
    await raw.consumer.close();
  }
}
