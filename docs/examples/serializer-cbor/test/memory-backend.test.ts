import { randomUUID } from 'node:crypto';
import { ContentDisallowedError, createBackend } from '@resultkit/core';
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

    // The memory store, like Redis, records no content type: a reader takes a value to be in its
    // own serializer's format, and refuses it when that format is not in its accept list.
    const jsonReader = await createBackend(url, { serializers: [serializer], serializer: 'cbor', accept: ['json'] });
    try {
      await expect(jsonReader.getTaskMeta(id)).rejects.toBeInstanceOf(ContentDisallowedError);
    } finally {
      await jsonReader.close();
    }
  } finally {
    await backend.close();
  }
});
