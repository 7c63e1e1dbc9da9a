import { Codec, CodecRegistry, ContentDisallowedError, createBackend, DecodeError, RemoteTaskError, states } from '@resultkit/core';
import { describe, expect, it } from 'vitest';

import { createPickleSerializer, loads, pickle, PickledObject } from '../src/index.js';
import { pk, su } from './helpers/bytes.js';

describe('the pickle serializer', () => {
  it("uses kombu's name, content type and encoding", () => {
    expect([pickle.name, pickle.contentType, pickle.contentEncoding]).toEqual(['pickle', 'application/x-python-serialize', 'binary']);
  });

  it("writes protocol 4 by default, as kombu's pickle serializer", () => {
    expect(Array.from(pickle.encode(1).subarray(0, 2))).toEqual([0x80, 4]);
    expect(Array.from(createPickleSerializer({ protocol: 5 }).encode(1).subarray(0, 2))).toEqual([0x80, 5]);
  });

  it('round-trips a Celery meta document', () => {
    const meta = {
      status: 'FAILURE',
      result: { exc_type: 'ValueError', exc_message: ['bad', 42], exc_module: 'builtins' },
      traceback: 'Traceback (most recent call last): ...',
      children: [],
      date_done: '2024-01-02T03:04:05.678900+00:00',
      task_id: 'f6b6c14e-dba2-5989-9b81-35bf4382d673',
    };
    expect(pickle.decode(pickle.encode(meta))).toEqual(meta);
  });

  it('refuses globals outside the allow-list by default, and passes reader options through', () => {
    const data = pk('cos\nsystem\n(S\'true\'\ntR.');
    expect(() => pickle.decode(data)).toThrow(/os\.system/);
    expect(() => createPickleSerializer({ strict: true }).decode(data)).toThrow(DecodeError);
    expect(createPickleSerializer({ strict: false }).decode(data)).toBeInstanceOf(PickledObject);
    const error = createPickleSerializer({ isException: (module) => module === 'app' }).decode(pk('capp\nBoom\n(tR.'));
    expect(error).toBeInstanceOf(RemoteTaskError);
  });

  it('works inside a core Codec, which enforces the accept whitelist', () => {
    const registry = new CodecRegistry({ serializers: [pickle] });
    const codec = new Codec({ registry, serializer: 'pickle', accept: ['pickle'] });
    const bytes = codec.encode({ status: 'SUCCESS', result: [1, 2n ** 64n] });
    expect(codec.decode(bytes)).toEqual({ status: 'SUCCESS', result: [1, 2n ** 64n] });
    expect(() => codec.decode(Uint8Array.of(0x80, 4, 0xff))).toThrow(DecodeError);
    const jsonOnly = new Codec({ registry, serializer: 'pickle', accept: ['json'] });
    expect(() => jsonOnly.decode(bytes)).toThrow(ContentDisallowedError);
  });

  it('refuses results that explode as a tree (shared 2^30 times, or cyclic), which loads still reads', () => {
    // {'exc_type': 'ValueError', 'exc_message': <2^30 references to 'leaf' through shared lists>}:
    // core would spend minutes formatting that message.
    const parts: number[] = [0x80, 4, 0x7d, ...su('exc_type'), ...su('ValueError'), 0x73, ...su('exc_message'), ...su('leaf'), 0x94, 0x30];
    for (let i = 0; i < 30; i++) parts.push(0x28, 0x68, i, 0x68, i, 0x6c, 0x94, 0x30);
    parts.push(0x68, 30, 0x73, 0x2e);
    const bomb = Uint8Array.from(parts);
    const started = performance.now();
    expect(() => pickle.decode(bomb)).toThrow(/shares references/);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(loads(bomb)).toMatchObject({ exc_type: 'ValueError' });

    const cyclic = pk(0x80, 4, ']', 0x94, 'h', 0, 'a', '.');
    expect(() => pickle.decode(cyclic)).toThrow(DecodeError);
    const shared = pk(0x80, 4, su('x'.repeat(100)), 0x94, '(', 'h', 0, 'h', 0, 'h', 0, 'l.');
    expect(pickle.decode(shared)).toEqual(['x'.repeat(100), 'x'.repeat(100), 'x'.repeat(100)]);
  });

  it('decodes the same bytes as loads', () => {
    const data = pickle.encode({ a: 1 });
    expect(pickle.decode(data)).toEqual(loads(data));
  });
});

describe('loading by name', () => {
  it('exports `serializer`, which createBackend imports for serializer: "pickle"', async () => {
    const mod = await import('../src/index.js');
    expect(mod.serializer).toBe(mod.pickle);
    const backend = await createBackend('memory://pickle-by-name', { serializer: 'pickle', accept: ['pickle'] });
    try {
      await backend.storeResult('t1', { when: new Date(0), big: 2n ** 70n }, states.SUCCESS);
      expect(await backend.asyncResult('t1').get({ timeout: 1000 })).toEqual({ when: new Date(0), big: 2n ** 70n });
      await backend.markAsFailure('t2', new RemoteTaskError({ excType: 'KeyError', excArgs: ['k'] }));
      await expect(backend.asyncResult('t2').get({ timeout: 1000 })).rejects.toMatchObject({ excType: 'KeyError', excArgs: ['k'] });
    } finally {
      await backend.close();
    }
  });
});
