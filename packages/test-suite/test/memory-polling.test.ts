import { randomUUID } from 'node:crypto';
import { createBackend, type MemoryAdapter } from '@resultkit/core';
import { describe, it } from 'vitest';
import { registerConformanceTests } from '../src/index.js';

// The memory backend with push turned off: every wait goes through core's batched polling,
// the path SQL stores without LISTEN/NOTIFY use.
const storeName = `conformance-polling-${randomUUID()}`;

registerConformanceTests({
  it,
  describe,
  factory: (options) => createBackend(`memory://${storeName}?push=false`, options),
  writeRaw: async (backend, taskId, bytes) => {
    (backend.adapter as MemoryAdapter).memory.set(`celery-task-meta-${taskId}`, bytes, null);
  },
  writeDocument: async (backend, taskId, document) => {
    (backend.adapter as MemoryAdapter).memory.set(`celery-task-meta-${taskId}`, backend.codec.encode(document), null);
  },
  writeRawGroup: async (backend, groupId, bytes) => {
    (backend.adapter as MemoryAdapter).memory.set(`celery-taskset-meta-${groupId}`, bytes, null);
  },
  ttlGranularity: 'milliseconds',
});
