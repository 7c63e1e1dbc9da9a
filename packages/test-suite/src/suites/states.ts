import { RemoteTaskError, states } from '@resultkit/core';
import { group, newId, openBackend, requireCapability } from '../harness.js';
import type { ResolvedConformanceOptions } from '../options.js';

export function registerStateTests(suite: ResolvedConformanceOptions): void {
  const { it } = suite;
  group(suite, 'states', () => {
    it('an id nothing was stored for is PENDING', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const meta = await backend.getTaskMeta(newId());
      ctx.expect(meta.status).toBe(states.PENDING);
      ctx.expect(meta.result).toBeNull();
      ctx.expect(meta.dateDone).toBeNull();
    });

    it('SUCCESS is stored with its value and a date_done', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const id = newId();
      const before = Date.now();
      await backend.storeResult(id, { sum: 5, items: [1, 'two', null, true] });
      const meta = await backend.getTaskMeta(id);
      ctx.expect(meta.status).toBe(states.SUCCESS);
      ctx.expect(meta.taskId).toBe(id);
      ctx.expect(meta.result).toEqual({ sum: 5, items: [1, 'two', null, true] });
      ctx.expect(meta.traceback).toBeNull();
      ctx.expect(meta.dateDone).toBeInstanceOf(Date);
      // Some stores keep whole seconds only (MySQL DATETIME); allow for that.
      ctx.expect(meta.dateDone!.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
      ctx.expect(meta.dateDone!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    });

    it('STARTED is stored with pid and hostname and no date_done', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const id = newId();
      await backend.markAsStarted(id, { pid: 4242, hostname: 'celery@node' });
      const meta = await backend.getTaskMeta(id);
      ctx.expect(meta.status).toBe(states.STARTED);
      ctx.expect(meta.result).toEqual({ pid: 4242, hostname: 'celery@node' });
      ctx.expect(meta.dateDone).toBeNull();
    });

    it('FAILURE is stored as an exception with its traceback', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const id = newId();
      const error = new RemoteTaskError({ excType: 'ValueError', excModule: 'builtins', excArgs: ['bad', 42] });
      await backend.markAsFailure(id, error, { traceback: 'Traceback (most recent call last):\nValueError: bad' });
      const meta = await backend.getTaskMeta(id);
      ctx.expect(meta.status).toBe(states.FAILURE);
      ctx.expect(meta.result).toBeInstanceOf(RemoteTaskError);
      const stored = meta.result as RemoteTaskError;
      ctx.expect(stored.excType).toBe('ValueError');
      ctx.expect(stored.excModule).toBe('builtins');
      ctx.expect(stored.excArgs).toEqual(['bad', 42]);
      ctx.expect(meta.traceback).toBe('Traceback (most recent call last):\nValueError: bad');
      ctx.expect(meta.dateDone).toBeInstanceOf(Date);
    });

    it('RETRY is stored with the exception that caused it, or with none', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const withExc = newId();
      const withoutExc = newId();
      await backend.markAsRetry(withExc, new RemoteTaskError({ excType: 'KeyError', excModule: 'builtins', excArgs: ['k'] }), {
        traceback: 'Traceback ...',
      });
      await backend.markAsRetry(withoutExc);
      const a = await backend.getTaskMeta(withExc);
      ctx.expect(a.status).toBe(states.RETRY);
      ctx.expect((a.result as RemoteTaskError).excType).toBe('KeyError');
      ctx.expect(a.traceback).toBe('Traceback ...');
      ctx.expect(a.dateDone).toBeNull();
      const b = await backend.getTaskMeta(withoutExc);
      ctx.expect(b.status).toBe(states.RETRY);
      ctx.expect(b.result).toBeNull();
    });

    it("REVOKED is stored as Celery's TaskRevokedError with the reason", async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const id = newId();
      await backend.markAsRevoked(id, 'terminated');
      const meta = await backend.getTaskMeta(id);
      ctx.expect(meta.status).toBe(states.REVOKED);
      const error = meta.result as RemoteTaskError;
      ctx.expect(error.excType).toBe('TaskRevokedError');
      ctx.expect(error.excModule).toBe('celery.exceptions');
      ctx.expect(error.excArgs).toEqual(['terminated']);
      ctx.expect(meta.dateDone).toBeInstanceOf(Date);
    });

    it('a custom state is stored verbatim with its meta and is not ready', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const id = newId();
      await backend.updateState(id, 'PROGRESS', { current: 3, total: 10 });
      const result = backend.asyncResult(id);
      ctx.expect(await result.state()).toBe('PROGRESS');
      ctx.expect((await result.meta()).result).toEqual({ current: 3, total: 10 });
      ctx.expect(await result.ready()).toBe(false);
    });

    it('a later state replaces an earlier unready one', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const id = newId();
      await backend.markAsStarted(id);
      await backend.updateState(id, 'PROGRESS', { done: 1 });
      await backend.storeResult(id, 'finished');
      const meta = await backend.getTaskMeta(id);
      ctx.expect(meta.status).toBe(states.SUCCESS);
      ctx.expect(meta.result).toBe('finished');
    });

    it('group and parent ids and extended fields are stored when the store keeps them', async (ctx) => {
      const backend = await openBackend(suite, ctx, { extended: true });
      const id = newId();
      await backend.storeResult(id, 7, states.SUCCESS, {
        request: { name: 'tasks.add', args: [3, 4], kwargs: { z: 0 }, hostname: 'celery@node', retries: 1, routingKey: 'celery' },
      });
      const meta = await backend.getTaskMeta(id);
      ctx.expect(meta.result).toBe(7);
      ctx.expect(meta.name).toBe('tasks.add');
      ctx.expect(meta.args).toEqual([3, 4]);
      ctx.expect(meta.kwargs).toEqual({ z: 0 });
      ctx.expect(meta.worker).toBe('celery@node');
      ctx.expect(meta.retries).toBe(1);
      ctx.expect(meta.queue).toBe('celery');
    });

    it('a SUCCESS is never overwritten by a later RETRY or FAILURE', async (ctx) => {
      await requireCapability(suite, ctx, 'preservesSuccess');
      const backend = await openBackend(suite, ctx);
      const id = newId();
      await backend.storeResult(id, 'first');
      await backend.markAsRetry(id, new Error('late retry'));
      await backend.markAsFailure(id, new Error('late failure'));
      await backend.storeResult(id, 'second');
      const meta = await backend.getTaskMeta(id);
      ctx.expect(meta.status).toBe(states.SUCCESS);
      ctx.expect(meta.result).toBe('first');
    });

    it('a SUCCESS racing many other writes of the same id always wins', async (ctx) => {
      await requireCapability(suite, ctx, 'preservesSuccess');
      const backend = await openBackend(suite, ctx);
      const id = newId();
      // Whatever the order the writes land in, the SUCCESS either overwrites an earlier
      // unready state or is never overwritten: the final state must be SUCCESS.
      const writes: Promise<void>[] = [];
      for (let i = 0; i < 25; i++) writes.push(backend.markAsRetry(id, new Error(`retry ${i}`)));
      writes.push(backend.storeResult(id, 'winner'));
      for (let i = 0; i < 25; i++) writes.push(backend.markAsStarted(id, { pid: i, hostname: 'h' }));
      await Promise.all(writes);
      const meta = await backend.getTaskMeta(id);
      ctx.expect(meta.status).toBe(states.SUCCESS);
      ctx.expect(meta.result).toBe('winner');
    });
  });
}
