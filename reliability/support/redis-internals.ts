/**
 * What the Redis load tests look at inside a backend, structurally (the adapter class is not
 * exported): the command connection and the shared pub/sub subscriber.
 */
import type { EventEmitter } from 'node:events';
import type { ResultBackend } from '@resultkit/core';
import type { Redis } from 'ioredis';

export interface RedisInternals {
  client: EventEmitter;
  subscriber: { channelCount: number; connection: EventEmitter | null } | null;
}

export function redisInternals(backend: ResultBackend): RedisInternals {
  return backend.adapter as unknown as RedisInternals;
}

/** `sub=` of every connection that has subscriptions, from the server's CLIENT LIST. */
export async function serverSubscriptions(raw: Redis): Promise<number[]> {
  const list = (await raw.client('LIST')) as string;
  return list
    .split('\n')
    .map((line) => Number(/(?:^|\s)sub=(\d+)/.exec(line)?.[1] ?? 0))
    .filter((count) => count > 0);
}
