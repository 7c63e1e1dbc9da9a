import { AbortError, BackendClosedError, states, TimeoutError } from '@resultkit/core';
import { group, newId, openBackend, requireCapability, sleep } from '../harness.js';
import type { ResolvedConformanceOptions } from '../options.js';

export function registerWaitingTests(suite: ResolvedConformanceOptions): void {
  const { it } = suite;
  group(suite, 'waiting', () => {
    it('get() returns a result stored before the wait began', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const id = newId();
      await backend.storeResult(id, 'early');
      ctx.expect(await backend.asyncResult(id).get({ timeout: 5_000 })).toBe('early');
      ctx.expect(backend.pendingWaits).toBe(0);
    });

    it('get() returns a result stored while it waits, and ignores unready states on the way', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const id = newId();
      const waiting = backend.asyncResult(id).get({ timeout: 10_000 });
      await sleep(50);
      await backend.markAsStarted(id);
      await backend.updateState(id, 'PROGRESS', { step: 1 });
      await backend.markAsRetry(id, new Error('try again'));
      await sleep(50);
      await backend.storeResult(id, { late: true });
      ctx.expect(await waiting).toEqual({ late: true });
      ctx.expect(backend.pendingWaits).toBe(0);
    });

    it('a second backend on the same store sees results the first stores while it waits', async (ctx) => {
      await requireCapability(suite, ctx, 'sharedReads');
      const client = await openBackend(suite, ctx);
      const worker = await openBackend(suite, ctx);
      const id = newId();
      const waiting = client.asyncResult(id).get({ timeout: 10_000 });
      await sleep(30);
      await worker.storeResult(id, 'from the worker');
      ctx.expect(await waiting).toBe('from the worker');
    });

    it('get() times out with TimeoutError and leaves no wait behind', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const started = Date.now();
      const error = await backend.asyncResult(newId()).get({ timeout: 300 }).catch((e: unknown) => e);
      ctx.expect(error).toBeInstanceOf(TimeoutError);
      ctx.expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      ctx.expect(backend.pendingWaits).toBe(0);
    });

    it('get() is aborted by its AbortSignal with AbortError carrying the reason', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const controller = new AbortController();
      const waiting = backend.asyncResult(newId()).get({ signal: controller.signal, timeout: 10_000 });
      await sleep(30);
      controller.abort('user went away');
      const error = await waiting.catch((e: unknown) => e);
      ctx.expect(error).toBeInstanceOf(AbortError);
      ctx.expect((error as AbortError).cause).toBe('user went away');
      ctx.expect(backend.pendingWaits).toBe(0);
    });

    it('an already aborted signal rejects at once', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      await ctx.expect(backend.asyncResult(newId()).get({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
      ctx.expect(backend.pendingWaits).toBe(0);
    });

    it('1,000 concurrent waiters on distinct and shared ids all resolve', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const ids = Array.from({ length: 500 }, () => newId('many'));
      // Two waiters per id: 1,000 waits sharing 500 subscriptions.
      const waits = ids.flatMap((id) => [backend.asyncResult(id).get({ timeout: 30_000 }), backend.asyncResult(id).get({ timeout: 30_000 })]);
      await sleep(50);
      await Promise.all(ids.map((id, i) => backend.storeResult(id, i)));
      const values = await Promise.all(waits);
      ctx.expect(values).toEqual(ids.flatMap((_, i) => [i, i]));
      ctx.expect(backend.pendingWaits).toBe(0);
    });

    it('closing the backend ends pending waits with BackendClosedError', async (ctx) => {
      const backend = await suite.factory();
      const waiting = backend.asyncResult(newId()).get({ timeout: 10_000 }).catch((e: unknown) => e);
      await sleep(30);
      await backend.close();
      ctx.expect(await waiting).toBeInstanceOf(BackendClosedError);
    });

    it('ready() turns true and the ready meta is cached once the task finishes', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const id = newId();
      const result = backend.asyncResult(id);
      ctx.expect(await result.ready()).toBe(false);
      await backend.storeResult(id, 1);
      ctx.expect(await result.ready()).toBe(true);
      ctx.expect(result.cached?.status).toBe(states.SUCCESS);
    });
  });
}
