import { EncodeError, states } from '@resultkit/core';
import { group, newId, openBackend } from '../harness.js';
import type { ResolvedConformanceOptions } from '../options.js';

export function registerValueTests(suite: ResolvedConformanceOptions): void {
  const { it } = suite;
  group(suite, 'values', () => {
    it('a large value round-trips intact', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const id = newId();
      const chunk = 'resultkit-0123456789-';
      const big = chunk.repeat(Math.ceil(suite.largeValueSize / chunk.length)).slice(0, suite.largeValueSize);
      await backend.storeResult(id, { big });
      const value = (await backend.asyncResult(id).get({ timeout: 20_000 })) as { big: string };
      ctx.expect(value.big.length).toBe(big.length);
      ctx.expect(value.big === big).toBe(true);
    });

    it('unicode survives: accents, CJK, emoji and lone surrogates', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const id = newId();
      const value = { text: 'héllo wörld — 你好 — 😀🚀', key: { 'ключ': 'значение' }, lone: 'a\ud800b' };
      await backend.storeResult(id, value);
      ctx.expect((await backend.getTaskMeta(id)).result).toEqual(value);
    });

    it('integers beyond 2^53 come back exactly as BigInt', async (ctx) => {
      const backend = await openBackend(suite, ctx);
      const id = newId();
      const value = { big: 2n ** 64n + 1n, negative: -(10n ** 30n), small: 42, float: 0.1 };
      await backend.storeResult(id, value);
      ctx.expect((await backend.getTaskMeta(id)).result).toEqual(value);
    });

    it('bytes round-trip as Uint8Array (kombu 5.3 JSON)', async (ctx) => {
      const backend = await openBackend(suite, ctx, { jsonDialect: 'kombu5.3' });
      const id = newId();
      const bytes = new Uint8Array([0, 1, 2, 250, 255, 0x80]);
      const text = new TextEncoder().encode('plain text');
      await backend.storeResult(id, { bytes, text });
      const result = (await backend.getTaskMeta(id)).result as { bytes: Uint8Array; text: Uint8Array };
      ctx.expect(result.bytes).toBeInstanceOf(Uint8Array);
      ctx.expect([...result.bytes]).toEqual([...bytes]);
      ctx.expect([...result.text]).toEqual([...text]);
    });

    it.skipIf(!suite.resultThroughSerializer)('a value the serializer cannot encode is an EncodeError and nothing is stored', async (ctx) => {
      const backend = await openBackend(suite, ctx, { jsonDialect: 'kombu5.2' });
      const id = newId();
      // kombu 5.2's JSON has no form for bytes, so writing them for a 5.2 reader must fail.
      await ctx.expect(backend.storeResult(id, new Uint8Array([1, 2]))).rejects.toBeInstanceOf(EncodeError);
      ctx.expect((await backend.getTaskMeta(id)).status).toBe(states.PENDING);
    });

    it.skipIf(suite.resultThroughSerializer)('a result the serializer could not encode is stored anyway: it never goes through the serializer', async (ctx) => {
      const backend = await openBackend(suite, ctx, { jsonDialect: 'kombu5.2' });
      const id = newId();
      await backend.storeResult(id, new Uint8Array([1, 2]));
      ctx.expect([...((await backend.getTaskMeta(id)).result as Uint8Array)]).toEqual([1, 2]);
    });

    it('dates come back as the same instant', async (ctx) => {
      const backend = await openBackend(suite, ctx, { jsonDialect: 'kombu5.3' });
      const id = newId();
      const when = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
      await backend.storeResult(id, { when });
      ctx.expect(((await backend.getTaskMeta(id)).result as { when: Date }).when.getTime()).toBe(when.getTime());
    });
  });
}
