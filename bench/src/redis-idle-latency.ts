/**
 * Store-to-resolved latency of one result on an idle connection, beside the floor raw ioredis
 * pub/sub sets in the same run.
 *
 * A real waiter mostly waits on a quiet connection: the process sleeps in the event loop, the
 * result arrives, the process wakes up. So before every sample both sides sit idle for
 * IDLE_GAP_MS, then:
 * - raw floor: one ioredis connection PUBLISHes the document bytes on a channel another ioredis
 *   connection is subscribed to; the time from the PUBLISH call to the `messageBuffer` event;
 * - resultkit: a client backend waits with `asyncResult(id).get()` (already subscribed), a
 *   worker backend calls `storeResult(id, value)`; the time from that call to `get()` resolving.
 * Rounds alternate (floor, ours, floor, ours...) so load on the machine falls on both alike; the
 * percentiles are over every sample of each side.
 */
import type { Buffer } from 'node:buffer';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResultBackend } from '@resultkit/core';
import { Redis } from 'ioredis';
import { percentiles } from './harness.ts';

export const IDLE_GAP_MS = 5;

export interface IdleLatencyResult {
  floor: number[];
  ours: number[];
}

/**
 * `open` opens a backend on the bench database; `raw` is a command connection used to see that a
 * subscription exists; ids and channels start with `prefix`.
 */
export async function idleGapLatency({
  url,
  prefix,
  raw,
  open,
  value,
  bytes,
  samples,
  rounds = 4,
}: {
  url: string;
  prefix: string;
  raw: Redis;
  open: () => Promise<ResultBackend>;
  value: unknown;
  bytes: Buffer;
  samples: number;
  rounds?: number;
}): Promise<IdleLatencyResult> {
  const perRound = Math.max(1, Math.ceil(samples / rounds));
  const publisher = new Redis(url);
  const listener = new Redis(url);
  const client = await open();
  const worker = await open();
  const floor: number[] = [];
  const ours: number[] = [];
  try {
    const channel = `${prefix}floor`;
    let arrived: (() => void) | null = null;
    listener.on('messageBuffer', () => arrived?.());
    // Not before the connection is ready: a SUBSCRIBE sent during ioredis' handshake breaks its
    // ready check (see the backend's subscriber.ts). A PING is held until then.
    await listener.ping();
    await listener.subscribe(channel);
    await publisher.ping();
    await worker.getTaskMeta(`${prefix}warm`);
    await client.getTaskMeta(`${prefix}warm`);
    let next = 0;
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < perRound; i++) {
        await sleep(IDLE_GAP_MS);
        const received = new Promise<number>((resolve) => (arrived = () => resolve(performance.now())));
        const sentAt = performance.now();
        void publisher.publish(channel, bytes);
        floor.push((await received) - sentAt);
      }
      for (let i = 0; i < perRound; i++) {
        const id = `${prefix}idle-${next++}`;
        const resolved = client.asyncResult(id).get({ timeout: 30_000 }).then(() => performance.now());
        await subscribed(raw, `celery-task-meta-${id}`);
        await sleep(IDLE_GAP_MS);
        const storedAt = performance.now();
        const store = worker.storeResult(id, value);
        ours.push((await resolved) - storedAt);
        await store;
      }
    }
  } finally {
    await client.close();
    await worker.close();
    listener.disconnect();
    await publisher.quit();
  }
  return { floor, ours };
}

/** One line per side: p50 and p99, and ours minus the floor. */
export function reportIdleLatency({ floor, ours }: IdleLatencyResult): void {
  const f = percentiles(floor, [50, 99]);
  const o = percentiles(ours, [50, 99]);
  console.log(`store -> resolved, one waiter, ${IDLE_GAP_MS} ms idle before each (${ours.length.toLocaleString('en-US')} results per side, alternating rounds):`);
  console.log(`  raw pub/sub floor (PUBLISH -> message)        p50 ${f.p50!.toFixed(3)} ms, p99 ${f.p99!.toFixed(3)} ms`);
  console.log(
    `  resultkit (storeResult -> get() resolved)     p50 ${o.p50!.toFixed(3)} ms, p99 ${o.p99!.toFixed(3)} ms` +
      `  | over the floor: p50 +${(o.p50! - f.p50!).toFixed(3)} ms, p99 +${(o.p99! - f.p99!).toFixed(3)} ms`,
  );
}

/** Resolves once Redis reports a subscriber on `channel`. */
export async function subscribed(raw: Redis, channel: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Number(((await raw.call('PUBSUB', 'NUMSUB', channel)) as [string, number])[1]) < 1) {
    if (Date.now() > deadline) throw new Error(`no subscriber on ${channel}`);
    await sleep(1);
  }
}
