import { states } from '@resultkit/core';
import { group, newId, openBackend, requireCapability } from '../harness.js';
import type { ResolvedConformanceOptions } from '../options.js';

export function registerForgetTests(suite: ResolvedConformanceOptions): void {
  const { it } = suite;
  group(suite, 'forget', () => {
    it('a forgotten result reads as PENDING again', async (ctx) => {
      await requireCapability(suite, ctx, 'forget');
      const backend = await openBackend(suite, ctx);
      const id = newId();
      await backend.storeResult(id, 'gone soon');
      const result = backend.asyncResult(id);
      ctx.expect(await result.get({ timeout: 5_000 })).toBe('gone soon');
      await result.forget();
      ctx.expect((await backend.getTaskMeta(id)).status).toBe(states.PENDING);
      ctx.expect(await result.state()).toBe(states.PENDING);
    });

    it('forgetting an unknown id is not an error', async (ctx) => {
      await requireCapability(suite, ctx, 'forget');
      const backend = await openBackend(suite, ctx);
      await ctx.expect(backend.forget(newId())).resolves.toBeUndefined();
    });
  });
}
