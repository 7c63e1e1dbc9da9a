import { randomUUID } from 'node:crypto';
import { createBackend, type MemoryAdapter } from '@resultkit/core';
import { describe, it } from 'vitest';
import { registerConformanceTests } from '../src/index.js';

// One named in-process store for this file: ids are unique per test, and two backends opened
// by one test share it, like a worker and a client in one process.
const storeName = `conformance-${randomUUID()}`;

registerConformanceTests({
  it,
  describe,
  factory: (options) => createBackend(`memory://${storeName}`, options),
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
