import { RemoteTaskError, states } from '@resultkit/core';
import { group, newId, openBackend } from '../harness.js';
import type { ResolvedConformanceOptions } from '../options.js';

export function registerExceptionTests(suite: ResolvedConformanceOptions): void {
  const { it } = suite;
  group(suite, 'exceptions', () => {
    it('get() throws the stored exception as RemoteTaskError, type, module and args intact', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const id = newId();
      await backend.markAsFailure(id, new RemoteTaskError({ excType: 'InsufficientFunds', excModule: 'billing.errors', excArgs: ['acct-1', 12.5] }), {
        traceback: 'Traceback (most recent call last):\n  ...\nbilling.errors.InsufficientFunds: acct-1',
      });
      const error = await backend.asyncResult(id).get({ timeout: 5_000 }).catch((e: unknown) => e);
      ctx.expect(error).toBeInstanceOf(RemoteTaskError);
      const remote = error as RemoteTaskError;
      ctx.expect(remote.excType).toBe('InsufficientFunds');
      ctx.expect(remote.excModule).toBe('billing.errors');
      ctx.expect(remote.excArgs).toEqual(['acct-1', 12.5]);
      ctx.expect(remote.traceback).toContain('InsufficientFunds');
      ctx.expect(remote.taskId).toBe(id);
      ctx.expect(remote.message).toBe('acct-1, 12.5');
    });

    it('get({ propagate: false }) returns the exception instead of throwing', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const id = newId();
      await backend.markAsFailure(id, new TypeError('wrong type'));
      const value = await backend.asyncResult(id).get({ timeout: 5_000, propagate: false });
      ctx.expect(value).toBeInstanceOf(RemoteTaskError);
      ctx.expect((value as RemoteTaskError).excType).toBe('TypeError');
      ctx.expect((value as RemoteTaskError).excModule).toBe('builtins');
      ctx.expect((value as RemoteTaskError).excArgs).toEqual(['wrong type']);
    });

    it('a JavaScript error is stored with its stack as the traceback', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const id = newId();
      const error = new RangeError('out of range');
      await backend.markAsFailure(id, error);
      const meta = await backend.getTaskMeta(id);
      ctx.expect((meta.result as RemoteTaskError).excType).toBe('RangeError');
      ctx.expect(meta.traceback).toBe(error.stack);
    });

    it('REVOKED propagates like FAILURE; successful() and failed() tell them apart', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const revoked = newId();
      const failed = newId();
      await backend.markAsRevoked(revoked);
      await backend.markAsFailure(failed, new Error('x'));
      await ctx.expect(backend.asyncResult(revoked).get({ timeout: 5_000 })).rejects.toMatchObject({ excType: 'TaskRevokedError' });
      ctx.expect(await backend.asyncResult(revoked).failed()).toBe(false);
      ctx.expect(await backend.asyncResult(failed).failed()).toBe(true);
      ctx.expect(await backend.asyncResult(failed).successful()).toBe(false);
      ctx.expect(await backend.asyncResult(failed).state()).toBe(states.FAILURE);
    });
  });
}
