import { writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { states } from '@resultkit/core';
import { describe, expect, it, vi } from 'vitest';
import { adapterOf, ownFsBackend, sleep, testDir } from './support.js';

describe('waiting', () => {
  it('a wait is woken by the directory watch, not by polling', async () => {
    const dir = testDir();
    const client = await ownFsBackend(dir);
    const worker = await ownFsBackend(dir);
    expect(client.capabilities.push).toBe(true);
    const wait = client.asyncResult('pushed').get({ timeout: 5_000 });
    await sleep(50);
    expect(adapterOf(client).channel?.mode).toBe('watch');
    const stored = performance.now();
    await worker.storeResult('pushed', { via: 'watch' });
    expect(await wait).toEqual({ via: 'watch' });
    // Well under the polling fallback's interval (250 ms) and the safety resync (5 s).
    expect(performance.now() - stored).toBeLessThan(200);
  });

  it('a non-atomic write as Celery does it (truncate, then write) wakes the wait with the whole document', async () => {
    const dir = testDir();
    const client = await ownFsBackend(dir);
    const wait = client.asyncResult('celery-style').get({ timeout: 5_000 });
    await sleep(50);
    const document = client.codec.encode({ status: 'SUCCESS', result: 'whole', traceback: null, children: [], date_done: null, task_id: 'celery-style' });
    const file = join(dir, 'celery-task-meta-celery-style');
    // A reader woken by the first change sees half a document; the one after it sees it all.
    writeFileSync(file, document.subarray(0, 20));
    await sleep(10);
    await writeFile(file, document);
    expect(await wait).toBe('whole');
  });

  it('when the watch fails, waits fall back to core polling and still resolve', async () => {
    const dir = testDir();
    const client = await ownFsBackend(dir);
    const worker = await ownFsBackend(dir);
    const early = client.asyncResult('early').get({ timeout: 5_000, interval: 20 });
    await sleep(50);
    const channel = adapterOf(client).channel!;
    // What fs.watch reports when, say, the directory is removed and recreated.
    channel.watcher!.emit('error', new Error('watch broke'));
    expect(channel.mode).toBe('poll');
    const late = client.asyncResult('late').get({ timeout: 5_000, interval: 20 });
    // Stored without waking anything: only core's polling can find these now.
    await worker.storeResult('early', 1);
    await worker.storeResult('late', 2);
    expect(await Promise.all([early, late])).toEqual([1, 2]);
  });

  it('watch: false polls through core; a result is still found', async () => {
    const dir = testDir();
    const client = await ownFsBackend(dir, { fs: { watch: false } });
    const worker = await ownFsBackend(dir);
    expect(client.capabilities.push).toBe(false);
    const wait = client.asyncResult('polled').get({ timeout: 5_000, interval: 20 });
    await worker.storeResult('polled', 'found', states.SUCCESS);
    expect(await wait).toBe('found');
    expect(adapterOf(client).channel).toBeNull();
  });

  it('close() closes the one watcher of the backend', async () => {
    const dir = testDir();
    const client = await ownFsBackend(dir);
    const waits = [client.asyncResult('a').get({ timeout: 5_000 }), client.asyncResult('b').get({ timeout: 5_000 })].map((p) => p.catch((e: unknown) => e));
    await sleep(50);
    const channel = adapterOf(client).channel!;
    const watcher = channel.watcher!;
    const close = vi.spyOn(watcher, 'close');
    await client.close();
    expect(close).toHaveBeenCalledOnce();
    expect(channel.watcher).toBeNull();
    expect((await Promise.all(waits)).map((e) => (e as Error).name)).toEqual(['BackendClosedError', 'BackendClosedError']);
  });
});
