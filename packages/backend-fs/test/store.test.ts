import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NotSupportedError, states } from '@resultkit/core';
import { describe, expect, it } from 'vitest';
import { lockPathOf } from '../src/file-lock.js';
import { adapterOf, ownFsBackend, sleep, testDir } from './support.js';

describe('files', () => {
  it('one file per result, named and encoded as Celery writes it', async () => {
    const dir = testDir();
    const backend = await ownFsBackend(dir);
    await backend.storeResult('abc', 5);
    await backend.saveGroup('g1', ['abc']);
    expect(readdirSync(dir).sort()).toEqual(['celery-task-meta-abc', 'celery-taskset-meta-g1']);
    const text = readFileSync(join(dir, 'celery-task-meta-abc'), 'utf8');
    expect(text).toMatch(/^\{"status": "SUCCESS", "result": 5, "traceback": null, "children": \[\], "date_done": "[\d-]+T[\d:]+\.\d{6}\+00:00", "task_id": "abc"\}$/);
    expect(readFileSync(join(dir, 'celery-taskset-meta-g1'), 'utf8')).toBe('{"result": [["g1", null], [[["abc", null], null]]]}');
  });

  it('a reader polling hard while a writer rewrites a large value never sees a partial document', async () => {
    const dir = testDir();
    const backend = await ownFsBackend(dir, { fs: { fsync: false } });
    const file = adapterOf(backend).taskFile('big');
    await backend.updateState('big', 'PROGRESS', { step: 0, blob: 'a'.repeat(4 << 20) });
    let writing = true;
    let reads = 0;
    const reader = (async () => {
      while (writing) {
        const doc = JSON.parse(await readFile(file, 'utf8')) as { result: { step: number; blob: string } };
        expect(doc.result.blob).toHaveLength(4 << 20);
        reads++;
      }
    })();
    for (let step = 1; step <= 30; step++) {
      await backend.updateState('big', 'PROGRESS', { step, blob: String.fromCharCode(97 + (step % 26)).repeat(4 << 20) });
    }
    writing = false;
    await reader;
    expect(reads).toBeGreaterThan(5);
    // Nothing but the result itself is left: no temporary or lock files.
    expect(readdirSync(dir)).toEqual(['celery-task-meta-big']);
  });

  it('a SUCCESS is never overwritten by writers racing from separate backends', async () => {
    const dir = testDir();
    // Separate backends do not share an in-memory queue: only the lock file orders them.
    const writers = await Promise.all(Array.from({ length: 6 }, () => ownFsBackend(dir, { fs: { fsync: false } })));
    for (let round = 0; round < 10; round++) {
      const id = `race-${round}`;
      const winner = round % writers.length;
      await Promise.all(
        writers.map(async (w, i) => {
          for (let n = 0; n < 5; n++) {
            if (i === winner && n === 2) await w.storeResult(id, 'done');
            else await w.storeResult(id, { n }, n % 2 ? states.STARTED : 'PROGRESS');
          }
        }),
      );
      const meta = await writers[0]!.getTaskMeta(id);
      expect(meta).toMatchObject({ status: states.SUCCESS, result: 'done' });
    }
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('a held lock makes a store wait; an abandoned one is taken over after staleLockTimeout', async () => {
    const dir = testDir();
    const backend = await ownFsBackend(dir, { fs: { staleLockTimeout: 300 } });
    const lock = lockPathOf(adapterOf(backend).taskFile('locked'));
    writeFileSync(lock, 'another process\n');
    const started = Date.now();
    await backend.storeResult('locked', 1);
    // Fresh at first, so the store waited for it to become stale.
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect((await backend.getTaskMeta('locked')).result).toBe(1);
    expect(readdirSync(dir)).toEqual(['celery-task-meta-locked']);
  });

  it('an id with a path separator is refused, for writes and reads', async () => {
    const backend = await ownFsBackend(testDir());
    await expect(backend.storeResult('../escape', 1)).rejects.toBeInstanceOf(NotSupportedError);
    await expect(backend.getTaskMeta('a/b')).rejects.toBeInstanceOf(NotSupportedError);
  });

  it('an empty file (a Celery worker half-way through a write) reads as PENDING, as Celery reads it', async () => {
    const dir = testDir();
    const backend = await ownFsBackend(dir);
    writeFileSync(join(dir, 'celery-task-meta-empty'), '');
    expect((await backend.getTaskMeta('empty')).status).toBe(states.PENDING);
  });
});

describe('cleanup', () => {
  it('removes result and group files last written before the cutoff, and writers\' leftovers, by mtime', async () => {
    const dir = testDir();
    const backend = await ownFsBackend(dir, { expires: 60 });
    await backend.storeResult('old', 1);
    await backend.markAsStarted('old-started');
    await backend.saveGroup('old-group', ['old']);
    await backend.storeResult('new', 2);
    writeFileSync(join(dir, '.celery-task-meta-x.abc123.tmp'), 'partial');
    writeFileSync(join(dir, 'unrelated.txt'), 'not ours');
    const past = new Date(Date.now() - 120_000);
    for (const name of ['celery-task-meta-old', 'celery-task-meta-old-started', 'celery-taskset-meta-old-group', '.celery-task-meta-x.abc123.tmp', 'unrelated.txt']) {
      utimesSync(join(dir, name), past, past);
    }
    expect(await backend.cleanup()).toBe(3);
    expect(readdirSync(dir).sort()).toEqual(['celery-task-meta-new', 'unrelated.txt']);
  });

  it('with expires: null nothing is removed', async () => {
    const dir = testDir();
    const backend = await ownFsBackend(dir, { expires: null });
    await backend.storeResult('kept', 1);
    const past = new Date(Date.now() - 10 * 86_400_000);
    utimesSync(join(dir, 'celery-task-meta-kept'), past, past);
    expect(await backend.cleanup()).toBe(0);
    await sleep(1);
    expect((await backend.getTaskMeta('kept')).result).toBe(1);
  });
});
