import { ConfigurationError, DecodeError, states, ValueTooLargeError } from '@resultkit/core';
import { group, newId, openBackend } from '../harness.js';
import type { ResolvedConformanceOptions } from '../options.js';

export function registerBadInputTests(suite: ResolvedConformanceOptions): void {
  const { it } = suite;
  group(suite, 'bad input', () => {
    // Only a package that can write raw bytes where the backend reads them can run these.
    const writeRaw = suite.writeRaw ?? unavailable;
    it.skipIf(!suite.writeRaw)('corrupt stored bytes are a DecodeError, for reads and for waits', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const id = newId();
      await writeRaw(backend, id, new Uint8Array([0x7b, 0x22, 0x73, 0x74, 0xff, 0xfe, 0x00]));
      await ctx.expect(backend.getTaskMeta(id)).rejects.toBeInstanceOf(DecodeError);
      await ctx.expect(backend.asyncResult(id).get({ timeout: 5_000 })).rejects.toBeInstanceOf(DecodeError);
      ctx.expect(backend.pendingWaits).toBe(0);
    });

    it.skipIf(!suite.writeRaw)('a stored document that is not a result document is a DecodeError', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const id = newId();
      await writeRaw(backend, id, new TextEncoder().encode('[1, 2, 3]'));
      await ctx.expect(backend.getTaskMeta(id)).rejects.toBeInstanceOf(DecodeError);
    });

    const writeDocument = suite.writeDocument ?? unavailable;
    it.skipIf(!suite.writeDocument)('a malformed exception written by someone else is a DecodeError, not a crash', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const id = newId();
      // celery#5179: update_state(state=FAILURE, meta={...}) stores a FAILURE without exc_type.
      await writeDocument(backend, id, { status: 'FAILURE', result: { progress: 3 }, traceback: null, task_id: id });
      const error = await backend.getTaskMeta(id).catch((e: unknown) => e);
      ctx.expect(error).toBeInstanceOf(DecodeError);
      ctx.expect((error as Error).message).toMatch(/exc_type/);
      await ctx.expect(backend.asyncResult(id).get({ timeout: 5_000 })).rejects.toBeInstanceOf(DecodeError);
    });

    it.skipIf(!suite.writeDocument)('a document with an unknown custom state and extra fields reads as written', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const id = newId();
      await writeDocument(backend, id, { status: 'PROGRESS', result: { done: 1, of: 4 }, traceback: null, task_id: id });
      const meta = await backend.getTaskMeta(id);
      ctx.expect(meta.status).toBe('PROGRESS');
      ctx.expect(meta.result).toEqual({ done: 1, of: 4 });
    });

    it('a serializer outside `accept` is a ConfigurationError at creation: the backend could not read back what it writes', async (ctx) => {
      const error = await openBackend(suite, ctx, { accept: ['msgpack'] }).catch((e: unknown) => e);
      ctx.expect(error).toBeInstanceOf(ConfigurationError);
      ctx.expect((error as Error).message).toContain("accept: ['json']");
    });

    it('a value over the size limit is refused before anything is stored', async (ctx) => {
      const backend = await openBackend(suite, ctx, { maxValueSize: 4096 });
      const id = newId();
      await ctx.expect(backend.storeResult(id, 'x'.repeat(10_000))).rejects.toBeInstanceOf(ValueTooLargeError);
      ctx.expect((await backend.getTaskMeta(id)).status).toBe(states.PENDING);
    });
  });
}

// Stands in for a writer the package did not give; the tests that would call it are skipped.
function unavailable(): Promise<void> {
  return Promise.reject(new Error('not provided by this package'));
}
