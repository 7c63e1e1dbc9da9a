import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, ContentDisallowedError, createBackend, createCodec, DecodeError, DEFAULT_ACCEPT, states, type MemoryAdapter, type Serializer } from '../src/index.js';
import { msgpack } from '../../serializer-msgpack/src/index.js';
import { pickle } from '../../serializer-pickle/src/index.js';
import { yaml } from '../../serializer-yaml/src/index.js';

// The formats whose decoding means trusting the writer: passed in `serializers` because core's
// tests run without the packages installed beside it.
const FORMATS: ReadonlyArray<readonly [string, Serializer]> = [
  ['pickle', pickle],
  ['msgpack', msgpack],
  ['yaml', yaml],
];
const serializers = FORMATS.map(([, s]) => s);

const freshUrl = (label: string): string => `memory://default-accept-${label}-${randomUUID()}`;

describe('accept defaults to JSON only, as Celery\'s accept_content', () => {
  it('a backend opened without accept reads JSON and nothing else', async () => {
    const backend = await createBackend(freshUrl('json'));
    try {
      expect(DEFAULT_ACCEPT).toEqual(['json']);
      expect(backend.codec.accept).toEqual(['application/json']);
    } finally {
      await backend.close();
    }
  });

  for (const [name, serializer] of FORMATS) {
    it(`a ${name} value is refused unread by default, and stays stored for a backend that accepts ${name}`, async () => {
      const url = freshUrl(name);
      const writer = await createBackend(url, { serializer: name, accept: [name], serializers });
      const reader = await createBackend(url, { serializers });
      try {
        const id = randomUUID();
        const value = { kept: name, n: 7 };
        await writer.storeResult(id, value, states.SUCCESS);
        const key = `celery-task-meta-${id}`;
        const stored = (writer.adapter as MemoryAdapter).memory.get(key);
        expect(stored).toBeInstanceOf(Uint8Array);

        // Where the content type travels with the value (an RPC reply), it is refused before any
        // decoding: the default codec has no business with it.
        const defaultCodec = await createCodec({ serializers });
        expect(() => defaultCodec.decode(stored!, serializer.contentType)).toThrow(ContentDisallowedError);
        // Where it does not (this store, Redis, files), the bytes are read as JSON, which they are not.
        await expect(reader.getTaskMeta(id)).rejects.toBeInstanceOf(DecodeError);

        // Refusing lost nothing: the bytes are unchanged and a backend that accepts them reads them.
        expect((writer.adapter as MemoryAdapter).memory.get(key)).toEqual(stored);
        await expect(writer.asyncResult(id).get({ timeout: 1_000 })).resolves.toEqual(value);
      } finally {
        await reader.close();
        await writer.close();
      }
    });

    it(`serializer "${name}" without accept is a ConfigurationError at creation that names the fix`, async () => {
      const error = await createBackend(freshUrl(`${name}-unaccepted`), { serializer: name, serializers }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toContain(`accept: ['${name}']`);
      await expect(createCodec({ serializer: name, serializers })).rejects.toBeInstanceOf(ConfigurationError);
    });
  }

  it('an accept list that leaves the serializer out is a ConfigurationError, by name or content type', async () => {
    await expect(createCodec({ serializer: 'pickle', accept: ['json', 'msgpack'], serializers })).rejects.toThrow(/accept \[json, msgpack\]/);
    await expect(createCodec({ serializer: 'application/x-python-serialize', accept: ['json'], serializers })).rejects.toBeInstanceOf(ConfigurationError);
    await expect(createCodec({ serializer: 'json', accept: ['pickle'], serializers })).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('an explicit accept reads every format it names, given as names or content types', async () => {
    const url = freshUrl('explicit');
    const writers = await Promise.all(FORMATS.map(([name]) => createBackend(url, { serializer: name, accept: [name], serializers })));
    const reader = await createBackend(url, { serializer: 'pickle', accept: ['json', 'application/x-python-serialize', 'msgpack', 'yaml'], serializers });
    try {
      const ids = FORMATS.map(() => randomUUID());
      await Promise.all(writers.map((w, i) => w.storeResult(ids[i]!, { from: FORMATS[i]![0] }, states.SUCCESS)));
      expect(await reader.asyncResult(ids[0]!).get({ timeout: 1_000 })).toEqual({ from: 'pickle' });
      // A store without content types reads as the reader's serializer; a recorded type picks the format.
      for (const [i, [name, serializer]] of FORMATS.entries()) {
        const bytes = (reader.adapter as MemoryAdapter).memory.get(`celery-task-meta-${ids[i]!}`)!;
        expect(reader.codec.decode(bytes, serializer.contentType)).toMatchObject({ result: { from: name } });
      }
    } finally {
      await reader.close();
      await Promise.all(writers.map((w) => w.close()));
    }
  });
});
