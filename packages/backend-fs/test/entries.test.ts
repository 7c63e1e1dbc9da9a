import { createBackend, migrate, states } from '@resultkit/core';
import { describe, expect, it } from 'vitest';
import { fileUrl, makeDir, removeDir } from './support.js';

describe('file-system entries and migrate', () => {
  it('copies one directory into another byte for byte, resumable by file name', async () => {
    const dir = makeDir();
    const other = makeDir();
    const from = await createBackend(fileUrl(dir));
    const to = await createBackend(fileUrl(other));
    try {
      for (let i = 0; i < 120; i++) await from.storeResult(`t${String(i).padStart(3, '0')}`, { i }, i % 2 ? states.SUCCESS : states.STARTED);
      await from.saveGroup('g', ['t000']);
      let cursor: string | null = null;
      await expect(
        migrate(from, to, { pageSize: 50, onProgress: (p) => { cursor = p.cursor; if (p.scanned === 50) throw new Error('cut off'); } }),
      ).rejects.toThrow('cut off');
      const resumed = await migrate(from, to, { pageSize: 50, resumeFrom: cursor });
      expect(resumed.raw).toBe(true);
      expect(resumed.written + resumed.skipped).toBe(71);
      expect(resumed.verification).toMatchObject({ ok: true, sourceCount: 121, targetCount: 121 });
      expect((await to.restoreGroup('g'))?.results.map((r) => r.id)).toEqual(['t000']);
    } finally {
      await Promise.all([from.close(), to.close()]);
      removeDir(dir);
      removeDir(other);
    }
  });
});
