import { RemoteTaskError, states, type ChordProgress, type ResultBackend } from '@resultkit/core';
import { group, newId, openBackend, requireCapability } from '../harness.js';
import type { ResolvedConformanceOptions } from '../options.js';

/** Runs one chord header part as a worker does: its own result first, then the chord step. */
async function runPart(backend: ResultBackend, groupId: string, groupIndex: number, value: unknown, failed = false): Promise<ChordProgress> {
  const id = newId(`part${groupIndex}`);
  const request = { group: groupId, groupIndex };
  if (failed) await backend.markAsFailure(id, value, { request });
  else await backend.storeResult(id, value, states.SUCCESS, { request });
  return backend.onChordPartReturn(id, failed ? states.FAILURE : states.SUCCESS, value, request);
}

const completions = (progress: ChordProgress[]): ChordProgress[] => progress.filter((p) => p.complete);

export function registerChordTests(suite: ResolvedConformanceOptions): void {
  const { it } = suite;
  group(suite, 'chords', () => {
    it('the last part to report gets the header results in order; the others see progress', async (ctx) => {
      await requireCapability(suite, ctx, 'chords');
      const backend = await openBackend(suite, ctx);
      const groupId = newId('chord');
      await backend.setChordSize(groupId, 3);
      const first = await runPart(backend, groupId, 2, 'c');
      const second = await runPart(backend, groupId, 0, 'a');
      const last = await runPart(backend, groupId, 1, { b: [1, 2] });
      ctx.expect(first.complete).toBe(false);
      ctx.expect(second.complete).toBe(false);
      ctx.expect(last).toEqual({ complete: true, results: ['a', { b: [1, 2] }, 'c'] });
    });

    it('of 20 parts reporting at once, exactly one completes the chord', async (ctx) => {
      await requireCapability(suite, ctx, 'chords');
      const backend = await openBackend(suite, ctx);
      const groupId = newId('chord');
      await backend.setChordSize(groupId, 20);
      const progress = await Promise.all(Array.from({ length: 20 }, (_, i) => runPart(backend, groupId, i, i * i)));
      const done = completions(progress);
      ctx.expect(done).toHaveLength(1);
      ctx.expect(done[0]).toEqual({ complete: true, results: Array.from({ length: 20 }, (_, i) => i * i) });
    });

    it('a failed part completes the chord with ChordError naming the dependency', async (ctx) => {
      await requireCapability(suite, ctx, 'chords');
      const backend = await openBackend(suite, ctx);
      const groupId = newId('chord');
      await backend.setChordSize(groupId, 2);
      const error = new RemoteTaskError({ excType: 'ValueError', excModule: 'builtins', excArgs: ['bad part'] });
      await runPart(backend, groupId, 0, error, true);
      const last = await runPart(backend, groupId, 1, 'fine');
      ctx.expect(last.complete).toBe(true);
      const chordError = (last as { error?: RemoteTaskError }).error;
      ctx.expect(chordError).toBeInstanceOf(RemoteTaskError);
      ctx.expect(chordError?.excType).toBe('ChordError');
      ctx.expect(String(chordError?.excArgs[0])).toContain('ValueError');
    });

    it('addToChord: the chord waits for the part added while it runs', async (ctx) => {
      await requireCapability(suite, ctx, 'chords');
      const backend = await openBackend(suite, ctx);
      const groupId = newId('chord');
      await backend.setChordSize(groupId, 2);
      await backend.addToChord(groupId);
      ctx.expect((await runPart(backend, groupId, 0, 'a')).complete).toBe(false);
      ctx.expect((await runPart(backend, groupId, 1, 'b')).complete).toBe(false);
      ctx.expect(await runPart(backend, groupId, 2, 'c')).toEqual({ complete: true, results: ['a', 'b', 'c'] });
    });
  });
}
