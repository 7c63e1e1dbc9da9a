import { states, type TaskMeta } from '@resultkit/core';
import { group, newId, openBackend, requireCapability, sleep } from '../harness.js';
import type { ResolvedConformanceOptions } from '../options.js';

export function registerGroupTests(suite: ResolvedConformanceOptions): void {
  const { it } = suite;
  group(suite, 'groups', () => {
    it('a saved group is restored with its members in order and joins in order', async (ctx) => {
      await requireCapability(suite, ctx, 'groups');
      const backend = await openBackend(suite, ctx);
      const groupId = newId('group');
      const ids = [newId('m0'), newId('m1'), newId('m2')];
      await backend.saveGroup(groupId, ids);
      const restored = await backend.restoreGroup(groupId);
      ctx.expect(restored?.id).toBe(groupId);
      ctx.expect(restored?.ids).toEqual(ids);
      // Stored in reverse order; join still answers in member order.
      for (const [i, id] of [...ids.entries()].reverse()) await backend.storeResult(id, i * 10, states.SUCCESS, { request: { group: groupId } });
      ctx.expect(await restored!.join({ timeout: 10_000 })).toEqual([0, 10, 20]);
      ctx.expect(await restored!.ready()).toBe(true);
      ctx.expect(await restored!.successful()).toBe(true);
      ctx.expect(await restored!.completedCount()).toBe(3);
      ctx.expect((await backend.getTaskMeta(ids[0]!)).groupId).toBe(groupId);
    });

    it('restoring a group that was never saved gives null', async (ctx) => {
      await requireCapability(suite, ctx, 'groups');
      const backend = await openBackend(suite, ctx);
      ctx.expect(await backend.restoreGroup(newId('group'))).toBeNull();
    });

    it('a deleted group is gone', async (ctx) => {
      await requireCapability(suite, ctx, 'groups');
      const backend = await openBackend(suite, ctx);
      const groupId = newId('group');
      await backend.saveGroup(groupId, [newId()]);
      await backend.deleteGroup(groupId);
      ctx.expect(await backend.restoreGroup(groupId)).toBeNull();
    });

    it('join() rejects with the first failure and ends the other waits', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const ids = [newId(), newId(), newId()];
      const set = backend.resultSet(ids);
      const joining = set.join({ timeout: 10_000 }).catch((e: unknown) => e);
      await sleep(30);
      await backend.markAsFailure(ids[1]!, new Error('member failed'));
      ctx.expect(await joining).toMatchObject({ excType: 'Exception', excArgs: ['member failed'] });
      await sleep(10);
      ctx.expect(backend.pendingWaits).toBe(0);
    });

    it('join() times out as a whole with TimeoutError', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const ids = [newId(), newId()];
      await backend.storeResult(ids[0]!, 'done');
      await ctx.expect(backend.resultSet(ids).join({ timeout: 300 })).rejects.toMatchObject({ code: 'ERR_RESULTKIT_TIMEOUT' });
      ctx.expect(backend.pendingWaits).toBe(0);
    });

    it('iterating a group yields members in completion order', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const ids = [newId('a'), newId('b'), newId('c')];
      const set = backend.resultSet(ids);
      const seen: string[] = [];
      const iterating = (async () => {
        for await (const meta of set) seen.push((meta as TaskMeta).taskId);
      })();
      await sleep(30);
      for (const id of [ids[2]!, ids[0]!, ids[1]!]) {
        await backend.storeResult(id, id);
        await sleep(150);
      }
      await iterating;
      ctx.expect(seen).toEqual([ids[2], ids[0], ids[1]]);
      ctx.expect(backend.pendingWaits).toBe(0);
    });
  });
}
