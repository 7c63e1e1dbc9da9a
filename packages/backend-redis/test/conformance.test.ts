import { Buffer } from 'node:buffer';
import { registerConformanceTests } from '@resultkit/test-suite';
import { afterAll, describe, it } from 'vitest';
import { adapterOf, cleanupTestKeys, openRedisBackend, rawClient } from './support.js';

registerConformanceTests({
  it,
  describe,
  factory: (options) => openRedisBackend(options),
  writeRaw: async (backend, taskId, bytes) => {
    await adapterOf(backend).client.set(adapterOf(backend).keys.task(taskId), Buffer.from(bytes));
  },
  writeDocument: async (backend, taskId, document) => {
    await adapterOf(backend).client.set(adapterOf(backend).keys.task(taskId), Buffer.from(backend.codec.encode(document)));
  },
  writeRawGroup: async (backend, groupId, bytes) => {
    await adapterOf(backend).client.set(adapterOf(backend).keys.group(groupId), Buffer.from(bytes));
  },
  ttlGranularity: 'seconds',
});

afterAll(async () => {
  const client = rawClient();
  await cleanupTestKeys(client);
  await client.quit();
});
