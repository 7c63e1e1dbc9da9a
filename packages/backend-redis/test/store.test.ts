import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { RemoteTaskError, states, ValueTooLargeError, type Compressor, type ResultBackend } from '@resultkit/core';
import type { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { classicScripts } from '../src/scripts.js';
import { readRedisCapture } from '../../core/test/fixtures.js';
import { adapterOf, openRedisBackend, rawClient, testId, until, useRawClient } from './support.js';

let raw: Redis;
useRawClient((client) => (raw = client));

async function open(options: Parameters<typeof openRedisBackend>[0] = {}): Promise<ResultBackend> {
  const backend = await openRedisBackend(options);
  onTestFinished(() => backend.close());
  return backend;
}

const key = (id: string): string => `celery-task-meta-${id}`;

/** Counts the commands one client sends (every command goes through `sendCommand`). */
function countCommands(client: Redis): { names: string[]; stop: () => void } {
  const names: string[] = [];
  const original = client.sendCommand.bind(client);
  client.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
    names.push(command.name.toLowerCase());
    return (original as (...args: unknown[]) => unknown)(command, ...rest);
  }) as typeof client.sendCommand;
  return { names, stop: () => void (client.sendCommand = original) };
}

// Bytes a Celery 5.2 worker writes with each serializer (generated with Debian's python3-celery:
// kombu.serialization.dumps(meta, serializer=...)); JSON and msgpack come from the captures.
const pickle4 = (status: string): Buffer =>
  Buffer.from(
    `\x80\x04\x95v\x00\x00\x00\x00\x00\x00\x00}\x94(\x8c\x06status\x94\x8c${String.fromCharCode(status.length)}${status}\x94\x8c\x06result\x94K\x05\x8c\ttraceback\x94N\x8c\x08children\x94]\x94\x8c\tdate_done\x94\x8c\x1a2026-11-23T20:20:46.124506\x94\x8c\x07task_id\x94\x8c\x03abc\x94u.`,
    'latin1',
  );
const pickle2 = (status: string): Buffer =>
  Buffer.from(
    `\x80\x02}q\x00(X\x06\x00\x00\x00statusq\x01X${String.fromCharCode(status.length)}\x00\x00\x00${status}q\x02X\x06\x00\x00\x00resultq\x03K\x05X\t\x00\x00\x00tracebackq\x04NX\x08\x00\x00\x00childrenq\x05]q\x06X\x07\x00\x00\x00task_idq\tX\x03\x00\x00\x00abcq\nu.`,
    'latin1',
  );
// PyYAML sorts keys, so `status` comes after a (possibly long) `result` that may itself hold
// an indented `status:`; only the top-level line counts.
const yaml = (status: string): Buffer =>
  Buffer.from(
    `children: []\ndate_done: '2026-11-23T20:20:46.124506'\nresult:\n  status: ${status === 'SUCCESS' ? 'FAILURE' : 'SUCCESS'}\n  x: '${'a'.repeat(600)}\n\n    status: SUCCESS\n\n    b'\nstatus: ${status}\ntask_id: abc\ntraceback: null\n`,
  );
const msgpack = (status: string): Buffer =>
  Buffer.concat([Buffer.from([0x82, 0xa6]), Buffer.from('status'), Buffer.from([0xa0 + status.length]), Buffer.from(status), Buffer.from([0xa7]), Buffer.from('task_id'), Buffer.from([0xa3]), Buffer.from('abc')]);
const json = (status: string): Buffer => Buffer.from(`{"status": "${status}", "result": 5, "traceback": null, "children": [], "date_done": null, "task_id": "abc"}`);

describe('a SUCCESS is never overwritten, whoever wrote it', () => {
  const formats: [string, (status: string) => Buffer][] = [
    ['json (Celery field order)', json],
    ['msgpack', msgpack],
    ['pickle protocol 4 (kombu default)', pickle4],
    ['pickle protocol 2', pickle2],
    ['yaml (PyYAML, sorted keys)', yaml],
  ];

  for (const [name, bytes] of formats) {
    it(`a ${name} SUCCESS stays; a ${name} RETRY is replaced`, async () => {
      const backend = await open();
      const success = testId('fmt');
      const retry = testId('fmt');
      await raw.set(key(success), bytes('SUCCESS'));
      await raw.set(key(retry), bytes('RETRY'));
      await backend.getTaskMeta(testId('warm')); // connected and ready before counting
      const sent = countCommands(adapterOf(backend).client as Redis);
      await backend.markAsFailure(success, new Error('late failure'));
      await backend.storeResult(retry, 'ours');
      sent.stop();
      expect(await raw.getBuffer(key(success))).toEqual(bytes('SUCCESS'));
      expect((await backend.getTaskMeta(retry)).result).toBe('ours');
      // Decided inside Redis: one script call per store, no read before it.
      expect(sent.names.filter((n) => n !== 'evalsha' && n !== 'eval')).toEqual([]);
      expect(sent.names.filter((n) => n === 'evalsha').length).toBe(2);
    });
  }

  it('the SUCCESS a real Celery worker stored (capture) is kept, byte for byte', async () => {
    const backend = await open();
    for (const scenario of ['worker-add', 'success-json', 'msgpack']) {
      const capture = readRedisCapture(scenario);
      const id = testId('capture');
      await raw.set(key(id), Buffer.from(capture.bytes));
      await backend.markAsRetry(id, new Error('duplicate delivery'));
      await backend.storeResult(id, 'second');
      expect(Buffer.from((await raw.getBuffer(key(id)))!).equals(Buffer.from(capture.bytes))).toBe(true);
    }
  });

  it('a value the script cannot judge is decoded by the adapter: SUCCESS kept, anything else replaced', async () => {
    const backend = await open();
    const success = testId('odd');
    const retry = testId('odd');
    // Another writer's key order: `status` is not first, so Redis cannot tell cheaply.
    await raw.set(key(success), `{"task_id": "${success}", "result": 1, "status": "SUCCESS"}`);
    await raw.set(key(retry), `{"task_id": "${retry}", "result": 1, "status": "RETRY"}`);
    await backend.getTaskMeta(testId('warm'));
    const sent = countCommands(adapterOf(backend).client as Redis);
    await backend.storeResult(success, 'late');
    await backend.storeResult(retry, 'ours');
    sent.stop();
    expect(await raw.get(key(success))).toContain('"status": "SUCCESS"');
    expect((await backend.getTaskMeta(retry)).result).toBe('ours');
    // The value comes back and is judged here (SUCCESS: dropped, 1 call); anything else is then
    // written only if it is still exactly what was judged (2 calls).
    expect(sent.names.filter((n) => n === 'evalsha').length).toBe(3);
  });

  it('the compare-and-set round writes only if the judged bytes are still stored', async () => {
    const id = testId('cas');
    const odd = `{"task_id": "${id}", "status": "RETRY"}`;
    await raw.set(key(id), odd);
    const judged = createHash('sha1').update(odd).digest('hex');
    const reply = await classicScripts.store.run(raw, [key(id)], [Buffer.from('{"status": "SUCCESS"}'), '', '0', 'f'.repeat(40)]);
    // The bytes changed since they were judged (wrong hash): not written, handed back again.
    expect(Array.isArray(reply)).toBe(true);
    expect(await raw.get(key(id))).toBe(odd);
    expect(await classicScripts.store.run(raw, [key(id)], [Buffer.from('{"status": "SUCCESS"}'), '', '0', judged])).toBe(1);
    expect(await raw.get(key(id))).toBe('{"status": "SUCCESS"}');
  });

  it('compressed values (opaque to Redis) keep the rule through the adapter', async () => {
    const zlib: Compressor = {
      name: 'gzip',
      contentType: 'application/x-gzip',
      compress: (data) => deflateSync(data),
      decompress: (data) => inflateSync(data),
    };
    const backend = await open({ compression: 'gzip', compressors: [zlib] });
    const id = testId('frame');
    await backend.storeResult(id, { big: 'x'.repeat(1000) });
    await backend.markAsFailure(id, new Error('late'));
    await backend.markAsStarted(id);
    const meta = await backend.getTaskMeta(id);
    expect(meta.status).toBe(states.SUCCESS);
    expect((await raw.getBuffer(key(id)))![0]).toBe(0x00);
  });

  it('50 racing writers across 3 connections, one SUCCESS among them: SUCCESS always wins', async () => {
    const backends = [await open(), await open(), await open()];
    for (let round = 0; round < 10; round++) {
      const id = testId('race');
      const winnerAt = (round * 7) % 60;
      const writes: Promise<void>[] = [];
      for (let i = 0; i < 60; i++) {
        const b = backends[i % 3]!;
        if (i === winnerAt) writes.push(b.storeResult(id, 'winner'));
        else if (i % 2) writes.push(b.markAsRetry(id, new RemoteTaskError({ excType: 'KeyError', excArgs: [`r${i}`] })));
        else writes.push(b.updateState(id, 'PROGRESS', { i }));
      }
      await Promise.all(writes);
      const meta = await backends[0]!.getTaskMeta(id);
      expect(meta.status).toBe(states.SUCCESS);
      expect(meta.result).toBe('winner');
    }
  });
});

describe('the write, its expiry and its PUBLISH are one step', () => {
  it('the stored bytes are published on the key itself; a dropped write publishes nothing', async () => {
    const backend = await open();
    const id = testId('pub');
    const sub = rawClient();
    onTestFinished(() => void sub.disconnect());
    const messages: Buffer[] = [];
    sub.on('messageBuffer', (_channel: Buffer, message: Buffer) => messages.push(message));
    await sub.subscribe(key(id));
    await backend.storeResult(id, 42);
    await backend.markAsRetry(id, new Error('dropped'));
    await until(() => messages.length >= 1, 2_000, 'the SUCCESS message');
    await backend.getTaskMeta(id); // one more round trip for any stray message to arrive
    expect(messages).toHaveLength(1);
    expect(messages[0]!.equals((await raw.getBuffer(key(id)))!)).toBe(true);
  });

  it('expiry: SETEX with whole seconds (Celery: 86400 by default), none for null, milliseconds for fractions', async () => {
    const day = await open();
    const forever = await open({ expires: null });
    const fraction = await open({ expires: 1.5 });
    const [a, b, c] = [testId('ttl'), testId('ttl'), testId('ttl')];
    await day.storeResult(a, 1);
    await forever.storeResult(b, 1);
    await fraction.storeResult(c, 1);
    expect(await raw.ttl(key(a))).toBe(86_400);
    expect(await raw.ttl(key(b))).toBe(-1);
    const pttl = await raw.pttl(key(c));
    expect(pttl).toBeGreaterThan(1_000);
    expect(pttl).toBeLessThanOrEqual(1_500);
    await raw.del(key(b));
  });

  it('a value over maxValueSize is refused before any command is sent', async () => {
    const backend = await open({ maxValueSize: 1024 });
    await backend.getTaskMeta(testId('warm'));
    const sent = countCommands(adapterOf(backend).client as Redis);
    const id = testId('big');
    await expect(backend.storeResult(id, 'x'.repeat(2_000))).rejects.toBeInstanceOf(ValueTooLargeError);
    await expect(backend.saveGroup(testId('big-group'), Array.from({ length: 40 }, () => testId('member')))).rejects.toBeInstanceOf(
      ValueTooLargeError,
    );
    await expect(
      backend.onChordPartReturn(id, states.SUCCESS, 'y'.repeat(2_000), { group: testId('big-chord'), groupIndex: 0 }),
    ).rejects.toBeInstanceOf(ValueTooLargeError);
    sent.stop();
    expect(sent.names).toEqual([]);
  });
});
