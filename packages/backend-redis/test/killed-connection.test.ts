/**
 * A command connection killed from the server side while a command is in flight: the backend
 * reconnects and works, and once closed it leaves no timer behind (redis/ioredis#2147: the
 * killed socket's `socket_timeout` timer used to survive it, holding the process open for up to
 * that timeout after `close()` and later destroying the reconnected socket).
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { adapterOf, openRedisBackend, TEST_URL, testId, until, useRawClient } from './support.js';

let raw: Redis;
useRawClient((client) => (raw = client));

const timers = (): number => process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length;

async function connectionId(name: string): Promise<string> {
  const list = (await raw.client('LIST')) as string;
  const line = list.split('\n').find((l) => l.includes(` name=${name} `));
  return /(?:^|\s)id=(\d+)/.exec(line ?? '')?.[1] ?? '';
}

describe('a command connection killed with a command in flight', () => {
  it('reconnects, and after close() no socket-timeout timer of the killed socket is left', async () => {
    const name = `rkt-${randomUUID().slice(0, 8)}`;
    // A long socket timeout: a timer that survived would outlive the test by far.
    const backend = await openRedisBackend({ redis: { clientName: name } }, `${TEST_URL}?socket_timeout=60`);
    const id = testId('killed');
    await backend.storeResult(id, 'before');
    const before = timers();

    // BLPOP holds its reply on the server, so the kill lands while the command is in flight.
    const blocked = adapterOf(backend).client.blpop(`rkt-killed-list-${randomUUID()}`, 1).catch(() => null);
    await until(async () => ((await raw.client('LIST')) as string).split('\n').some((l) => l.includes(`name=${name} `) && l.includes('cmd=blpop')), 2_000, 'the BLPOP to reach the server');
    await raw.client('KILL', 'ID', await connectionId(name));
    await blocked;

    expect((await backend.getTaskMeta(id)).result).toBe('before');
    await backend.storeResult(id, 'after');
    expect((await backend.getTaskMeta(id)).result).toBe('before'); // a SUCCESS is final
    await raw.del(`celery-task-meta-${id}`);

    await backend.close();
    await until(() => timers() <= before, 1_000, 'the timers of the closed backend to be gone');
    expect(timers()).toBeLessThanOrEqual(before);
  });
});
