import { randomUUID } from 'node:crypto';
import { ConfigurationError, ContentDisallowedError, createBackend, DecodeError, type MemoryAdapter } from '@resultkit/core';
import { expect, it } from 'vitest';
import { serializer } from '../src/index.js';

it('stores and reads results in CBOR, registered by content type and accepted by name', async () => {
  const url = `memory://cbor-${randomUUID()}`;
  const backend = await createBackend(url, { serializers: [serializer], serializer: 'application/cbor', accept: ['cbor'] });
  try {
    const id = randomUUID();
    const value = { bytes: new Uint8Array([0, 255]), big: 2n ** 60n + 1n, text: 'héllo' };
    await backend.storeResult(id, value);
    expect(await backend.asyncResult(id).get({ timeout: 1_000 })).toEqual(value);

    // A reader left at the default accept (JSON only) never decodes CBOR: where a content type
    // travels with the value (an RPC reply) it is refused unread; where none does (the memory
    // store, like Redis) the bytes are read as JSON, which they are not.
    const jsonReader = await createBackend(url, { serializers: [serializer] });
    try {
      const stored = (jsonReader.adapter as MemoryAdapter).memory.get(`celery-task-meta-${id}`)!;
      expect(() => jsonReader.codec.decode(stored, 'application/cbor')).toThrow(ContentDisallowedError);
      await expect(jsonReader.getTaskMeta(id)).rejects.toBeInstanceOf(DecodeError);
    } finally {
      await jsonReader.close();
    }
    // A backend that could not read back what it writes is refused before it opens.
    await expect(createBackend(url, { serializers: [serializer], serializer: 'cbor', accept: ['json'] })).rejects.toBeInstanceOf(ConfigurationError);
  } finally {
    await backend.close();
  }
});
