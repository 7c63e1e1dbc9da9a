import { states } from '@resultkit/core';
import { group, newId, openBackend, sleep } from '../harness.js';
import type { ResolvedConformanceOptions } from '../options.js';

export function registerExpiryTests(suite: ResolvedConformanceOptions): void {
  const { it } = suite;
  // Whole-second stores (Redis SETEX) round the deadline; wait past the next second boundary.
  const expires = suite.ttlGranularity === 'seconds' ? 1 : 0.2;
  const past = suite.ttlGranularity === 'seconds' ? 2_100 : 400;
  group(suite, 'expiry', () => {
    it('a result disappears once `expires` has passed', async (ctx) => {
      const backend = await openBackend(suite, ctx, { expires });
      // Warm the connection first: a cold connect can take longer than the expiry itself,
      // and then the "still there" read below would race the deadline.
      await backend.getTaskMeta(newId());
      const id = newId();
      await backend.storeResult(id, 'short-lived');
      ctx.expect((await backend.getTaskMeta(id)).status).toBe(states.SUCCESS);
      await sleep(past);
      await backend.cleanup();
      ctx.expect((await backend.getTaskMeta(id)).status).toBe(states.PENDING);
    });

    it('`expires: null` keeps a result', async (ctx) => {
      const backend = await openBackend(suite, ctx, { expires: null });
      const id = newId();
      await backend.storeResult(id, 'kept');
      await sleep(past);
      await backend.cleanup();
      ctx.expect((await backend.getTaskMeta(id)).result).toBe('kept');
      // Nothing expires it: remove it where the store can (RPC cannot forget, and needs not).
      if (backend.capabilities.forget) await backend.forget(id);
    });
  });
}
