import { NotSupportedError, states } from '@resultkit/core';
import { group, newId, openBackend, sleep } from '../harness.js';
import type { ResolvedConformanceOptions } from '../options.js';

/**
 * What `backend.capabilities` says is what the backend does: a feature declared missing is a
 * `NotSupportedError`, never a silent no-op, and a feature declared present works.
 */
export function registerCapabilityTests(suite: ResolvedConformanceOptions): void {
  const { it } = suite;
  group(suite, 'capabilities are honest', () => {
    it('groups: saved and restored when declared, NotSupportedError when not', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const groupId = newId('group');
      if (backend.capabilities.groups) {
        await backend.saveGroup(groupId, [newId()]);
        ctx.expect((await backend.restoreGroup(groupId))?.id).toBe(groupId);
        await backend.deleteGroup(groupId);
      } else {
        await ctx.expect(backend.saveGroup(groupId, [newId()])).rejects.toBeInstanceOf(NotSupportedError);
        await ctx.expect(backend.restoreGroup(groupId)).rejects.toBeInstanceOf(NotSupportedError);
        await ctx.expect(backend.deleteGroup(groupId)).rejects.toBeInstanceOf(NotSupportedError);
      }
    });

    it('chords: NotSupportedError for every chord step when not declared', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const groupId = newId('chord');
      if (backend.capabilities.chords) {
        await ctx.expect(backend.setChordSize(groupId, 1)).resolves.toBeUndefined();
        const progress = await backend.onChordPartReturn(newId(), states.SUCCESS, 1, { group: groupId, groupIndex: 0 });
        ctx.expect(progress).toEqual({ complete: true, results: [1] });
      } else {
        await ctx.expect(backend.setChordSize(groupId, 1)).rejects.toBeInstanceOf(NotSupportedError);
        await ctx.expect(backend.addToChord(groupId)).rejects.toBeInstanceOf(NotSupportedError);
        await ctx.expect(backend.onChordPartReturn(newId(), states.SUCCESS, 1, { group: groupId })).rejects.toBeInstanceOf(NotSupportedError);
      }
    });

    it('forget: removes the result when declared, NotSupportedError when not', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const id = newId();
      await backend.storeResult(id, 'kept?');
      if (backend.capabilities.forget) {
        await backend.forget(id);
        ctx.expect((await backend.getTaskMeta(id)).status).toBe(states.PENDING);
      } else {
        await ctx.expect(backend.forget(id)).rejects.toBeInstanceOf(NotSupportedError);
      }
    });

    it('selfExpiry: a store that does not expire entries itself offers cleanup()', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      // Otherwise results would live forever whatever `expires` says.
      if (!backend.capabilities.selfExpiry) ctx.expect(typeof backend.adapter.cleanup).toBe('function');
      else ctx.expect(await backend.cleanup()).toBe(0);
    });

    it('push: a result stored during a wait arrives without waiting for a poll', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const id = newId();
      // With a 20 s polling interval, only a push delivers the result within the 2 s timeout;
      // without push the first poll happens at once and the next one too late.
      const waiting = backend.asyncResult(id).get({ timeout: 2_000, interval: 20_000, maxInterval: 20_000 }).catch((e: unknown) => e);
      await sleep(100);
      await backend.storeResult(id, 'pushed');
      const outcome = await waiting;
      if (backend.capabilities.push) {
        ctx.expect(outcome).toBe('pushed');
        ctx.expect(typeof backend.adapter.openPush).toBe('function');
      } else {
        ctx.expect(outcome).toMatchObject({ code: 'ERR_RESULTKIT_TIMEOUT' });
      }
      ctx.expect(backend.pendingWaits).toBe(0);
    });
  });
}
