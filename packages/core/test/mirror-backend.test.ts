import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, createBackend, mirrorBackend, MirrorWriteError, ResultBackend, states, type BackendAdapter, type MirrorWriteError as MWE } from '../src/index.js';

let n = 0;
const fresh = () => `memory://mirror-${process.pid}-${++n}`;

// A store that is down: every write and read fails the way a lost connection does.
function downAdapter(): BackendAdapter {
  const fail = async (): Promise<never> => {
    throw new BackendUnavailableError('The store is down.');
  };
  return {
    specificationVersion: 'v1',
    name: 'down',
    capabilities: { push: false, groups: true, chords: false, selfExpiry: true, durable: true, preservesSuccess: true, forget: true, sharedReads: true },
    store: fail,
    load: fail,
    remove: fail,
    saveGroup: fail,
    loadGroup: fail,
    removeGroup: fail,
    close: async () => {},
  };
}

describe('mirrorBackend (dual-write)', () => {
  it('writes to both sides and reads from the primary, falling back to the secondary', async () => {
    const primary = await createBackend(fresh());
    const secondary = await createBackend(fresh());
    const mirror = mirrorBackend(primary, secondary);
    await mirror.storeResult('a', 1);
    expect((await primary.getTaskMeta('a')).result).toBe(1);
    expect((await secondary.getTaskMeta('a')).result).toBe(1);
    await secondary.storeResult('only-secondary', 2);
    expect((await mirror.getTaskMeta('only-secondary')).result).toBe(2);
    await mirror.saveGroup('g', ['a']);
    expect((await secondary.restoreGroup('g'))?.results.map((r) => r.id)).toEqual(['a']);
    await mirror.close();
  });

  it('a write that fails on one side rejects with the side that failed, and is reported', async () => {
    const primary = await createBackend(fresh());
    const secondary = new ResultBackend(downAdapter(), primary.codec, { ...primary.config, retry: { ...primary.config.retry, maxRetries: 0 } });
    const reported: MWE[] = [];
    const mirror = mirrorBackend(primary, secondary, { onWriteError: (e) => reported.push(e) });
    const error = await mirror.storeResult('b', 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MirrorWriteError);
    expect((error as MWE).failed).toEqual(['secondary']);
    expect((error as MWE).errors[0]).toBeInstanceOf(BackendUnavailableError);
    expect(reported).toHaveLength(1);
    // The primary has it: nothing is lost, and the caller knows the secondary lacks it.
    expect((await primary.getTaskMeta('b')).status).toBe(states.SUCCESS);
    await mirror.close();
  });

  it('with secondaryFailures: report, a secondary failure resolves after onWriteError', async () => {
    const primary = await createBackend(fresh());
    const secondary = new ResultBackend(downAdapter(), primary.codec, primary.config);
    const reported: MWE[] = [];
    expect(() => mirrorBackend(primary, secondary, { secondaryFailures: 'report' })).toThrow(/onWriteError/);
    const mirror = mirrorBackend(primary, secondary, { secondaryFailures: 'report', onWriteError: (e) => reported.push(e) });
    await mirror.storeResult('c', 1);
    expect(reported.map((e) => e.failed)).toEqual([['secondary']]);
    await mirror.close();
  });

  it('a wait is served by push from whichever side pushes', async () => {
    const primary = await createBackend(`${fresh()}?push=false`);
    const secondary = await createBackend(fresh());
    const mirror = mirrorBackend(primary, secondary);
    expect(mirror.capabilities.push).toBe(true);
    const started = Date.now();
    const waiting = mirror.asyncResult('w').get({ timeout: 5_000, interval: 10_000 });
    setTimeout(() => void mirror.storeResult('w', 'done'), 50);
    expect(await waiting).toBe('done');
    expect(Date.now() - started).toBeLessThan(1_000);
    await mirror.close();
  });
});
