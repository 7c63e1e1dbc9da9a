import { RemoteTaskError, states, type BackendOptions, type ChordProgress, type ResultBackend } from '@resultkit/core';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { pythonRepr } from '../src/python-repr.js';
import { cleanupTestKeys, deleteKeys, openRedisBackend, rawClient, testId } from './support.js';

let raw: Redis;
beforeAll(() => {
  raw = rawClient();
});
afterAll(async () => {
  await deleteKeys(raw, 'celery-taskset-meta-rkt-chord-*');
  await cleanupTestKeys(raw);
  await raw.quit();
});

async function open(options: BackendOptions = {}): Promise<ResultBackend> {
  const backend = await openRedisBackend(options);
  onTestFinished(() => backend.close());
  return backend;
}

const gkey = (gid: string, suffix = ''): string => `celery-taskset-meta-${gid}${suffix}`;

/** Runs one header part the way a worker does: its own result first, then the chord step. */
async function part(backend: ResultBackend, gid: string, index: number | undefined, value: unknown, state = states.SUCCESS): Promise<ChordProgress> {
  const id = testId(`p${index ?? 'x'}`);
  const request = { group: gid, ...(index === undefined ? {} : { groupIndex: index }) };
  if (state === states.SUCCESS) await backend.storeResult(id, value, state, { request });
  else await backend.markAsFailure(id, value, { request });
  return backend.onChordPartReturn(id, state, value, request);
}

describe('chords: the .s/.t/.j protocol', () => {
  it('the last part gets the results in header order, every other part gets the progress; the keys are then gone', async () => {
    const backend = await open();
    const gid = testId('chord');
    await backend.setChordSize(gid, 3);
    expect(await raw.get(gkey(gid, '.s'))).toBe('3');
    expect(await part(backend, gid, 2, 'c')).toEqual({ complete: false, count: 1, total: 3 });
    expect(await part(backend, gid, 0, 'a')).toEqual({ complete: false, count: 2, total: 3 });
    expect(await raw.type(gkey(gid, '.j'))).toBe('zset');
    expect(await part(backend, gid, 1, { b: [1, 2] })).toEqual({ complete: true, results: ['a', { b: [1, 2] }, 'c'] });
    expect(await raw.exists(gkey(gid, '.j'), gkey(gid, '.s'), gkey(gid, '.t'))).toBe(0);
  });

  it("entries are Celery's bytes: [1, tid, state, result], exceptions as the three-key dict", async () => {
    const backend = await open();
    const gid = testId('chord');
    await backend.setChordSize(gid, 3);
    await backend.onChordPartReturn('a516739e-446d-48c7-9b18-79f5efb8beb1', states.SUCCESS, 2, { group: gid, groupIndex: 0 });
    const error = new RemoteTaskError({ excType: 'ValueError', excModule: 'builtins', excArgs: ['x'] });
    await backend.onChordPartReturn('tid-2', states.FAILURE, error, { group: gid, groupIndex: 1 });
    const members = await raw.zrange(gkey(gid, '.j'), 0, -1, 'WITHSCORES');
    // The first line is the member captured from a Celery 5.2 worker (wire-format notes §3.7).
    expect(members).toEqual([
      '[1, "a516739e-446d-48c7-9b18-79f5efb8beb1", "SUCCESS", 2]',
      '0',
      '[1, "tid-2", "FAILURE", {"exc_type": "ValueError", "exc_message": ["x"], "exc_module": "builtins"}]',
      '1',
    ]);
    expect(await raw.ttl(gkey(gid, '.j'))).toBe(86_400);
    expect(await raw.ttl(gkey(gid, '.s'))).toBe(86_400);
  });

  it('a FAILURE member turns the chord into ChordError("Dependency <id> raised <repr>")', async () => {
    const backend = await open();
    const gid = testId('chord');
    await backend.setChordSize(gid, 2);
    const failing = testId('failing');
    const error = new RemoteTaskError({ excType: 'QuotaExceeded', excModule: 'user_errors', excArgs: ['over quota', 42] });
    await backend.markAsFailure(failing, error, { request: { group: gid, groupIndex: 0 } });
    await backend.onChordPartReturn(failing, states.FAILURE, error, { group: gid, groupIndex: 0 });
    const last = await part(backend, gid, 1, 'fine');
    expect(last.complete).toBe(true);
    const chordError = (last as { error: RemoteTaskError }).error;
    expect(chordError).toBeInstanceOf(RemoteTaskError);
    expect(chordError.excType).toBe('ChordError');
    expect(chordError.excModule).toBe('celery.exceptions');
    expect(chordError.excArgs).toEqual([`Dependency ${failing} raised QuotaExceeded('over quota', 42)`]);
  });

  it('a REVOKED member is a ChordError too', async () => {
    const backend = await open();
    const gid = testId('chord');
    await backend.setChordSize(gid, 1);
    const revoked = new RemoteTaskError({ excType: 'TaskRevokedError', excModule: 'celery.exceptions', excArgs: ['revoked'] });
    const progress = await backend.onChordPartReturn('t-rev', states.REVOKED, revoked, { group: gid, groupIndex: 0 });
    expect((progress as { error: RemoteTaskError }).error.excArgs).toEqual(["Dependency t-rev raised TaskRevokedError('revoked')"]);
  });

  it('unordered chords (result_chord_ordered=False) use a LIST and keep arrival order', async () => {
    const backend = await open({ redis: { chordOrdered: false } });
    const gid = testId('chord');
    await backend.setChordSize(gid, 3);
    await part(backend, gid, 2, 'c');
    expect(await raw.type(gkey(gid, '.j'))).toBe('list');
    await part(backend, gid, 0, 'a');
    expect(await part(backend, gid, 1, 'b')).toEqual({ complete: true, results: ['c', 'a', 'b'] });
  });

  it('a part without group_index sorts last (score +inf)', async () => {
    const backend = await open();
    const gid = testId('chord');
    await backend.setChordSize(gid, 2);
    await part(backend, gid, undefined, 'unknown position');
    expect(await part(backend, gid, 5, 'five')).toEqual({ complete: true, results: ['five', 'unknown position'] });
  });

  it('without a chord size the chord never completes, as in Celery', async () => {
    const backend = await open();
    const gid = testId('chord');
    expect(await part(backend, gid, 0, 'a')).toEqual({ complete: false, count: 1, total: null });
    expect(await raw.ttl(gkey(gid, '.j'))).toBe(86_400);
    await raw.del(gkey(gid, '.j'));
  });

  it('addToChord (Task.add_to_chord) raises the total by one', async () => {
    const backend = await open();
    const gid = testId('chord');
    await backend.setChordSize(gid, 1);
    await backend.addToChord(gid);
    expect(await raw.get(gkey(gid, '.t'))).toBe('1');
    expect(await part(backend, gid, 0, 'a')).toEqual({ complete: false, count: 1, total: 2 });
    expect(await part(backend, gid, 1, 'b')).toEqual({ complete: true, results: ['a', 'b'] });
  });

  it('20 parts racing from 4 connections: exactly one caller sees the chord complete, every time', async () => {
    const backends = [await open(), await open(), await open(), await open()];
    for (let round = 0; round < 5; round++) {
      const gid = testId('chord');
      await backends[0]!.setChordSize(gid, 20);
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, i) => backends[i % 4]!.onChordPartReturn(`t${i}`, states.SUCCESS, i * i, { group: gid, groupIndex: i })),
      );
      const complete = outcomes.filter((o) => o.complete);
      expect(complete).toHaveLength(1);
      expect(complete[0]).toEqual({ complete: true, results: Array.from({ length: 20 }, (_, i) => i * i) });
      expect(await raw.exists(gkey(gid, '.j'), gkey(gid, '.s'))).toBe(0);
    }
  });

  it('a saved (nested) header group is joined, so the body gets nested lists', async () => {
    const backend = await open();
    const gid = testId('chord');
    const inner = testId('inner');
    const [a, b, c] = [testId('a'), testId('b'), testId('c')];
    // What apply_chord saves when a header member is itself a group.
    await raw.set(gkey(gid), JSON.stringify({ result: [[gid, null], [[[a, null], null], [[inner, null], [[[b, null], null], [[c, null], null]]]]] }));
    await backend.setChordSize(gid, 3);
    for (const [i, id] of [a, b, c].entries()) {
      await backend.storeResult(id, `v${i}`, states.SUCCESS, { request: { group: gid, groupIndex: i } });
    }
    await backend.onChordPartReturn(a, states.SUCCESS, 'v0', { group: gid, groupIndex: 0 });
    await backend.onChordPartReturn(b, states.SUCCESS, 'v1', { group: gid, groupIndex: 1 });
    expect(await backend.onChordPartReturn(c, states.SUCCESS, 'v2', { group: gid, groupIndex: 2 })).toEqual({
      complete: true,
      results: ['v0', ['v1', 'v2']],
    });
    await raw.del(gkey(gid));
  });
});

describe("Python's repr, for ChordError messages", () => {
  const cases: [unknown, string][] = [
    ['x', "'x'"],
    ["it's", '"it\'s"'],
    ['both \' and "', "'both \\' and \"'"],
    ['tab\tnew\nline\\', "'tab\\tnew\\nline\\\\'"],
    ['héllo ✓ 🚀', "'héllo ✓ 🚀'"],
    ['\u0000\u007f', "'\\x00\\x7f'"],
    [42, '42'],
    [2.5, '2.5'],
    [1e-7, '1e-07'],
    [0.0001, '0.0001'],
    [1e16, '1e+16'],
    [123456789012345680000, '1.2345678901234568e+20'],
    [10n ** 30n, '1000000000000000000000000000000'],
    [true, 'True'],
    [null, 'None'],
    [[1, 'a', [null]], "[1, 'a', [None]]"],
    [{ k: 'v', n: 1 }, "{'k': 'v', 'n': 1}"],
    [new Uint8Array([0, 65, 0x27]), 'b"\\x00A\'"'],
  ];
  for (const [value, expected] of cases) {
    it(`gives ${expected}`, () => {
      expect(pythonRepr(value)).toBe(expected);
    });
  }

  it('an exception prints as Name(args)', () => {
    expect(pythonRepr(new RemoteTaskError({ excType: 'ValueError', excArgs: ['bad', 42] }))).toBe("ValueError('bad', 42)");
    expect(pythonRepr(new RemoteTaskError({ excType: 'Outer.Inner', excArgs: ['one'] }))).toBe("Inner('one')");
    expect(pythonRepr(new RemoteTaskError({ excType: 'KeyError', excArgs: [] }))).toBe('KeyError()');
  });
});
