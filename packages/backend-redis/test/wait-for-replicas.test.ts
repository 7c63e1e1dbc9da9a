import { randomUUID } from 'node:crypto';
import { BackendUnavailableError, ConfigurationError, createBackend, states, type BackendOptions, type ResultBackend } from '@resultkit/core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { RedisBackendOptions } from '../src/options.js';
import { ask, freePorts, RedisServers, type RedisProcess } from './redis-servers.js';
import { until } from './support.js';

/**
 * `waitForReplicas` against a primary and one replica started on loopback by this file. The
 * replica is paused (SIGSTOP) to make it miss its acknowledgements: it stays connected, so only
 * a WAIT sent after the write can notice, which is what these tests look for.
 */
const servers = new RedisServers('replwait');
let primary: RedisProcess;
let replica: RedisProcess;

beforeAll(async () => {
  const [primaryPort, replicaPort] = (await freePorts(2)) as [number, number];
  primary = await servers.start(primaryPort, ['--repl-diskless-sync-delay', '0']);
  replica = await servers.start(replicaPort, ['--replicaof', '127.0.0.1', String(primaryPort), '--repl-diskless-sync-delay', '0']);
  await until(async () => String(await ask(replicaPort, ['INFO', 'replication'])).includes('master_link_status:up'), 20_000, 'the replica in sync');
  // The primary counts a replica for WAIT once it has sent its first acknowledgement.
  await until(async () => (await ask(primaryPort, ['WAIT', '1', '100'])) === 1, 10_000, 'the replica acknowledging');
}, 30_000);

afterAll(async () => {
  await servers.stop();
});

async function open(redis: RedisBackendOptions, options: BackendOptions = {}, query = ''): Promise<ResultBackend> {
  const backend = await createBackend(`redis://127.0.0.1:${primary.port}/0${query}`, { retry: { maxRetries: 0 }, ...options, redis });
  onTestFinished(() => backend.close());
  return backend;
}

/** Pauses the replica for the rest of the test. */
function pauseReplica(): void {
  replica.pause();
  onTestFinished(() => replica.resume());
}

const key = (id: string) => `celery-task-meta-${id}`;
// Long enough for a replica on a busy machine: the writes that must succeed use it. The writes
// meant to fail use a short one, so that the test does not wait long for what never comes.
const PATIENT = { count: 1, timeout: 5 };
const shortfall = expect.objectContaining({ name: 'BackendUnavailableError', message: expect.stringMatching(/only 0 of the 1 replica .*may not survive a failover/) });

describe('waitForReplicas (1 primary, 1 replica)', () => {
  it('a store resolves once the replica holds it, and fails with BackendUnavailableError when the replica does not acknowledge it in time', async () => {
    const backend = await open({ waitForReplicas: PATIENT });
    const impatient = await open({ waitForReplicas: { count: 1, timeout: 0.3 } });
    const id = `rkt-replwait-${randomUUID()}`;
    await backend.storeResult(id, 'replicated');
    // Read from the replica at once: the store resolved only after the replica acknowledged it.
    expect(await ask(replica.port, ['EXISTS', key(id)])).toBe(1);

    const late = `rkt-replwait-${randomUUID()}`;
    pauseReplica();
    const started = Date.now();
    const error: unknown = await impatient.storeResult(late, 'unreplicated').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error).toEqual(shortfall);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    // The primary did apply it: "not acknowledged" means "may be lost", not "not written".
    expect(await ask(primary.port, ['EXISTS', key(late)])).toBe(1);

    // Storing it again once the replica is back finds the SUCCESS already there and writes the
    // same bytes again so that WAIT covers them: it resolves, and the replica has the value.
    replica.resume();
    await backend.storeResult(late, 'unreplicated');
    expect(await ask(replica.port, ['EXISTS', key(late)])).toBe(1);
    expect(Number(await ask(primary.port, ['TTL', key(late)]))).toBeGreaterThan(86_000);
    await Promise.all([backend.forget(id), backend.forget(late)]);
    expect(await ask(replica.port, ['EXISTS', key(id)])).toBe(0);
  });

  it('core retries a store too few replicas acknowledged, so a short stall of the replica only delays it', async () => {
    const backend = await open({ waitForReplicas: { count: 1, timeout: 0.5 } }, { retry: { maxRetries: 20, baseDelay: 50, maxDelay: 200 } });
    const id = `rkt-replwait-${randomUUID()}`;
    pauseReplica();
    const storing = backend.storeResult(id, 'eventually');
    setTimeout(() => replica.resume(), 600);
    await storing;
    expect(await ask(replica.port, ['EXISTS', key(id)])).toBe(1);
    await backend.forget(id);
  });

  it('without the option nothing waits for replicas, as in Celery: a store succeeds while the replica is stalled', async () => {
    const backend = await open({});
    const id = `rkt-replwait-${randomUUID()}`;
    pauseReplica();
    await backend.storeResult(id, 'not waited for');
    expect(await ask(primary.port, ['EXISTS', key(id)])).toBe(1);
    await backend.forget(id);
  });

  it('group saves, chord sizes and counters, chord parts and forget wait for the replica too', async () => {
    const backend = await open({ waitForReplicas: PATIENT });
    // One retry allowed, to show that an INCR is not retried.
    const impatient = await open({ waitForReplicas: { count: 1, timeout: 0.15 } }, { retry: { maxRetries: 1, baseDelay: 10, maxDelay: 20 } });
    // A chord without a saved header group (a saved one would be joined instead of the parts).
    const gid = `rkt-replwait-chord-${randomUUID()}`;
    const groupId = `rkt-replwait-group-${randomUUID()}`;
    const member = `rkt-replwait-${randomUUID()}`;
    await backend.storeResult(member, 1);
    await backend.setChordSize(gid, 1);
    await backend.saveGroup(groupId, [member]);
    expect(await ask(replica.port, ['EXISTS', `celery-taskset-meta-${groupId}`])).toBe(1);

    pauseReplica();
    await expect(impatient.saveGroup(groupId, [member])).rejects.toEqual(shortfall);
    await expect(impatient.setChordSize(gid, 2)).rejects.toEqual(shortfall);
    // An INCR is not repeated when the replica misses it: it would count the part twice.
    await expect(impatient.addToChord(gid)).rejects.toEqual(shortfall);
    expect(await ask(primary.port, ['GET', `celery-taskset-meta-${gid}.t`])).toBe('1');
    await expect(impatient.forget(member)).rejects.toEqual(shortfall);
    replica.resume();

    // The size (2) and the counter (1) the failed calls wrote are there: a chord of 3.
    await backend.storeResult(member, 1);
    const request = { group: gid, groupIndex: 0 };
    expect(await backend.onChordPartReturn(member, states.SUCCESS, 1, request)).toEqual({ complete: false, count: 1, total: 3 });
    pauseReplica();
    // An incomplete part the replica does not hold fails; the part that completes the chord has
    // already taken the results out of Redis, so it returns them whatever the replica says.
    await expect(impatient.onChordPartReturn(`rkt-replwait-${randomUUID()}`, states.SUCCESS, 2, { group: gid, groupIndex: 1 })).rejects.toEqual(shortfall);
    expect(await impatient.onChordPartReturn(`rkt-replwait-${randomUUID()}`, states.SUCCESS, 3, { group: gid, groupIndex: 2 })).toEqual({
      complete: true,
      results: [1, 2, 3],
    });
    replica.resume();
    await backend.forget(member);
    await backend.deleteGroup(groupId);
    expect(await ask(replica.port, ['EXISTS', `celery-taskset-meta-${groupId}`])).toBe(0);
  });

  it('the URL sets it (wait_for_replicas, wait_for_replicas_timeout) over the option; malformed values are a ConfigurationError', async () => {
    const backend = await open({ waitForReplicas: { count: 1 } }, {}, '?wait_for_replicas=2&wait_for_replicas_timeout=0.1');
    await expect(backend.storeResult(`rkt-replwait-${randomUUID()}`, 'two replicas')).rejects.toEqual(
      expect.objectContaining({ name: 'BackendUnavailableError', message: expect.stringMatching(/only 1 of the 2 replicas .* within 100 ms/) }),
    );
    const off = await open({ waitForReplicas: { count: 1, timeout: 0.1 } }, {}, '?wait_for_replicas=0');
    pauseReplica();
    await off.storeResult(`rkt-replwait-${randomUUID()}`, 'off');
    for (const query of ['?wait_for_replicas=one', '?wait_for_replicas=1&wait_for_replicas_timeout=0', '?wait_for_replicas=-1']) {
      await expect(open({}, {}, query)).rejects.toBeInstanceOf(ConfigurationError);
    }
    await expect(open({ waitForReplicas: { count: 1, timeout: 0 } })).rejects.toBeInstanceOf(ConfigurationError);
    await expect(open({ waitForReplicas: { count: 1.5 } })).rejects.toBeInstanceOf(ConfigurationError);
  });
});
