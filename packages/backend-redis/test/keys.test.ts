import { randomUUID } from 'node:crypto';
import { states } from '@resultkit/core';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { globalKeyPrefix, RedisKeys } from '../src/keys.js';
import { deleteKeys, openRedisBackend, rawClient, testId, until } from './support.js';

describe('key names', () => {
  it("Celery's keys without a global prefix (5.2)", () => {
    const keys = new RedisKeys();
    expect(keys.task('abc')).toBe('celery-task-meta-abc');
    expect(keys.group('g')).toBe('celery-taskset-meta-g');
    expect([keys.chordJoin('g'), keys.chordSize('g'), keys.chordExtra('g')]).toEqual([
      'celery-taskset-meta-g.j',
      'celery-taskset-meta-g.s',
      'celery-taskset-meta-g.t',
    ]);
    expect(keys.taskIdOf('celery-task-meta-abc')).toBe('abc');
    expect(keys.taskIdOf('celery-taskset-meta-abc')).toBeNull();
  });

  it('5.5+: a `_` only when the prefix does not end in : _ - . (celery#9066)', () => {
    expect(new RedisKeys('myapp').task('id')).toBe('myapp_celery-task-meta-id');
    for (const sep of [':', '_', '-', '.']) expect(globalKeyPrefix(`myapp${sep}`, 'celery-5.5')).toBe(`myapp${sep}`);
    expect(new RedisKeys('myapp:', 'celery-5.5').group('g')).toBe('myapp:celery-taskset-meta-g');
  });

  it('5.3 and 5.4: always a `_`', () => {
    expect(new RedisKeys('celery:', 'celery-5.3').task('id')).toBe('celery:_celery-task-meta-id');
    expect(new RedisKeys('myapp', 'celery-5.3').chordSize('g')).toBe('myapp_celery-taskset-meta-g.s');
  });

  it('an empty id is refused (Celery 5.3+)', () => {
    expect(() => new RedisKeys().task('')).toThrow(TypeError);
    expect(() => new RedisKeys().group('')).toThrow(TypeError);
  });
});

describe('a global prefix applies to every key and channel', () => {
  const prefix = `rkt-${randomUUID().slice(0, 8)}:`;
  let raw: Redis;
  beforeAll(() => {
    raw = rawClient();
  });
  afterAll(async () => {
    await deleteKeys(raw, `${prefix}*`);
    await raw.quit();
  });

  it('results, channels, groups and chord keys', async () => {
    const backend = await openRedisBackend({ redis: { keyPrefix: prefix } });
    try {
      const id = testId('prefixed');
      const waiting = backend.asyncResult(id).get({ timeout: 5_000 });
      await until(async () => ((await raw.call('PUBSUB', 'NUMSUB', `${prefix}celery-task-meta-${id}`)) as [string, number])[1] === 1);
      await backend.storeResult(id, 'prefixed');
      expect(await waiting).toBe('prefixed');
      expect(await raw.exists(`${prefix}celery-task-meta-${id}`)).toBe(1);
      expect(await raw.exists(`celery-task-meta-${id}`)).toBe(0);

      const gid = testId('group');
      await backend.saveGroup(gid, [id]);
      expect(await raw.exists(`${prefix}celery-taskset-meta-${gid}`)).toBe(1);
      await backend.setChordSize(gid, 2);
      await backend.onChordPartReturn(id, states.SUCCESS, 1, { group: gid, groupIndex: 0 });
      expect(await raw.exists(`${prefix}celery-taskset-meta-${gid}.s`, `${prefix}celery-taskset-meta-${gid}.j`)).toBe(2);
    } finally {
      await backend.close();
    }
  });

  it('the 5.3 style writes the `_` Celery 5.3 and 5.4 expect', async () => {
    const backend = await openRedisBackend({ redis: { keyPrefix: prefix, keyPrefixStyle: 'celery-5.3' } });
    try {
      const id = testId('styled');
      await backend.storeResult(id, 1);
      expect(await raw.exists(`${prefix}_celery-task-meta-${id}`)).toBe(1);
    } finally {
      await backend.close();
    }
  });
});
