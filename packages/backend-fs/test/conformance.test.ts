import { writeFile } from 'node:fs/promises';
import { registerConformanceTests } from '@resultkit/test-suite';
import { afterAll, describe, it } from 'vitest';
import { adapterOf, makeDir, openFsBackend, removeDir } from './support.js';

// One directory for the whole suite: its tests open several backends that must share a store.
const dir = makeDir();
afterAll(() => removeDir(dir));

registerConformanceTests({
  it,
  describe,
  factory: (options) => openFsBackend(dir, options),
  // A foreign writer puts bytes straight into the file, as Celery's own backend does.
  writeRaw: (backend, taskId, bytes) => writeFile(adapterOf(backend).taskFile(taskId), bytes),
  writeDocument: (backend, taskId, document) => writeFile(adapterOf(backend).taskFile(taskId), backend.codec.encode(document)),
  writeRawGroup: (backend, groupId, bytes) => writeFile(adapterOf(backend).groupFile(groupId), bytes),
  // cleanup() compares modification times, which have sub-millisecond resolution.
  ttlGranularity: 'milliseconds',
});
