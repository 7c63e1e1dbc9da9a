import { DecodeError, states, type ResultBackend } from '@resultkit/core';
import type { TestContext } from 'vitest';
import { group, newId, openBackend, requireCapability } from '../harness.js';
import type { ResolvedConformanceOptions } from '../options.js';

/**
 * Values no backend can read as a result document, whatever its serializer: each must be
 * refused with a `DecodeError`. Written with the package's raw writer, as a broken or foreign
 * worker, a disk error or an operator's typo would leave them.
 */
const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
export const corruptValues: ReadonlyArray<readonly [string, Uint8Array]> = [
  ['garbage bytes', hex('dead beef 00ff 7b22 c1c1 9999'.replaceAll(' ', ''))],
  // pickle.dumps({'status': 'SUCCESS', 'result': 42, 'task_id': 'x'}, protocol=4), cut after 24 bytes.
  ['a truncated pickle', hex('80049531000000000000007d94288c06737461747573948c')],
  // msgpack.packb({'status': 'SUCCESS', 'result': 1}): another serializer's bytes, no content type to say so.
  ['msgpack bytes where another content type is expected', hex('82a6737461747573a753554343455353a6726573756c7401')],
  ['YAML text where another content type is expected', utf8('status: SUCCESS\nresult: 1\n')],
  ['a compression envelope cut inside its header', utf8('\0celery-compressed\0application/x-gz')],
  ['a compression envelope around garbage', utf8('\0celery-compressed\0application/x-gzip\0not deflate at all')],
];

// A refusal is a quick read of the stored value, not a wait: far below the wait's timeout.
const WAIT_TIMEOUT = 5_000;
const QUICKLY_MS = 2_000;

/** `promise` rejects with a DecodeError within QUICKLY_MS; returns the time it took. */
async function refusedQuickly(ctx: TestContext, promise: Promise<unknown>, what: string): Promise<number> {
  const started = performance.now();
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  const elapsed = performance.now() - started;
  ctx.expect('error' in outcome ? outcome.error : outcome, what).toBeInstanceOf(DecodeError);
  ctx.expect(elapsed, `${what} took ${elapsed.toFixed(0)} ms`).toBeLessThan(QUICKLY_MS);
  if (process.env.RESULTKIT_BAD_INPUT_TIMES) console.info(`${what}: refused in ${elapsed.toFixed(1)} ms`);
  return elapsed;
}

export function registerCorruptStoredTests(suite: ResolvedConformanceOptions): void {
  const { it } = suite;
  group(suite, 'corrupt stored values', () => {
    const writeRaw = suite.writeRaw;
    for (const [title, bytes] of corruptValues) {
      it.skipIf(!writeRaw)(`${title}: reads and waits fail with DecodeError quickly; the result beside it is untouched`, async (ctx) => {
        const backend = await openBackend(suite, ctx);
        const [good, bad] = [newId('good'), newId('bad')];
        await backend.storeResult(good, { untouched: true });
        await writeRaw!(backend, bad, bytes);
        await refusedQuickly(ctx, backend.getTaskMeta(bad), `${title}: getTaskMeta`);
        await refusedQuickly(ctx, backend.asyncResult(bad).get({ timeout: WAIT_TIMEOUT }), `${title}: get()`);
        ctx.expect(backend.pendingWaits).toBe(0);
        ctx.expect(await backend.asyncResult(good).get({ timeout: WAIT_TIMEOUT })).toEqual({ untouched: true });
      });

      it.skipIf(!writeRaw)(`${title} in a group member: join() fails with DecodeError quickly`, async (ctx) => {
        await requireCapability(suite, ctx, 'groups');
        const backend = await openBackend(suite, ctx);
        const [good, bad, groupId] = [newId('good'), newId('bad'), newId('group')];
        await backend.storeResult(good, 'fine', states.SUCCESS, { request: { group: groupId } });
        await writeRaw!(backend, bad, bytes);
        await backend.saveGroup(groupId, [good, bad]);
        const restored = await backend.restoreGroup(groupId);
        ctx.expect(restored?.ids).toEqual([good, bad]);
        await refusedQuickly(ctx, restored!.join({ timeout: WAIT_TIMEOUT }), `${title}: join()`);
        ctx.expect(backend.pendingWaits).toBe(0);
        ctx.expect((await backend.getTaskMeta(good)).result).toBe('fine');
      });

      it.skipIf(!suite.writeRawGroup)(`${title} as a saved group: restoreGroup fails with DecodeError quickly`, async (ctx) => {
        await requireCapability(suite, ctx, 'groups');
        const backend = await openBackend(suite, ctx);
        const [good, broken] = [newId('group'), newId('group')];
        await backend.saveGroup(good, [newId()]);
        await suite.writeRawGroup!(backend, broken, bytes);
        await refusedQuickly(ctx, backend.restoreGroup(broken), `${title}: restoreGroup`);
        ctx.expect((await backend.restoreGroup(good))?.id).toBe(good);
      });
    }

    // Where the date is part of the stored document, the package's document writer plants it.
    const writeDateDone =
      suite.writeDateDone ??
      (suite.writeDocument &&
        ((backend: ResultBackend, taskId: string, text: string) =>
          suite.writeDocument!(backend, taskId, { status: states.SUCCESS, result: 'late', traceback: null, children: [], date_done: text, task_id: taskId })));
    it.skipIf(!writeDateDone)('an unparseable date_done: reads and waits fail with DecodeError quickly', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const [good, bad] = [newId('good'), newId('bad')];
      await backend.storeResult(good, 'fine');
      await writeDateDone!(backend, bad, '2024-13-45T99:99:99');
      await refusedQuickly(ctx, backend.getTaskMeta(bad), 'an unparseable date_done: getTaskMeta');
      await refusedQuickly(ctx, backend.asyncResult(bad).get({ timeout: WAIT_TIMEOUT }), 'an unparseable date_done: get()');
      ctx.expect(backend.pendingWaits).toBe(0);
      ctx.expect(await backend.asyncResult(good).get({ timeout: WAIT_TIMEOUT })).toBe('fine');
    });
  });
}
