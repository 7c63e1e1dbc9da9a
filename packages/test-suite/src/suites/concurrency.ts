import { states } from '@resultkit/core';
import { group, newId, openBackend } from '../harness.js';
import type { ResolvedConformanceOptions } from '../options.js';

export function registerConcurrencyTests(suite: ResolvedConformanceOptions): void {
  const { it } = suite;
  group(suite, 'concurrency', () => {
    it('1,000 parallel stores: none is lost', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const ids = Array.from({ length: 1_000 }, () => newId('bulk'));
      await Promise.all(ids.map((id, i) => backend.storeResult(id, { i })));
      const metas = await Promise.all(ids.map((id) => backend.getTaskMeta(id)));
      ctx.expect(metas.every((m) => m.status === states.SUCCESS)).toBe(true);
      ctx.expect(metas.map((m) => (m.result as { i: number }).i)).toEqual(ids.map((_, i) => i));
    });
  });
}
