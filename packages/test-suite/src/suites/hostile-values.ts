import { DecodeError, EncodeError, RemoteTaskError, states } from '@resultkit/core';
import type { TestContext } from 'vitest';
import { group, newId, openBackend, openBackendOrSkip, requireCapability } from '../harness.js';
import type { ResolvedConformanceOptions } from '../options.js';

const DEPTH = 100_000;
// Refusing is a check while encoding or parsing, never a wait. Reading 100,000 nested pickle
// lists runs 200,000 opcodes before the depth is known (about 0.5 s alone, more on a loaded
// machine), hence the margin.
const QUICKLY_MS = 5_000;

/** `[[[...]]]`, `DEPTH` lists deep. */
function deepList(): unknown[] {
  let value: unknown[] = [];
  for (let i = 1; i < DEPTH; i++) value = [value];
  return value;
}

const text = (value: string): Uint8Array => new TextEncoder().encode(value);

/** The same nesting as each format writes it: what a hostile writer would store. */
const deepEncodings: Record<'json' | 'yaml' | 'msgpack' | 'pickle', () => Uint8Array> = {
  json: () => text('['.repeat(DEPTH) + ']'.repeat(DEPTH)),
  yaml: () => text('['.repeat(DEPTH) + ']'.repeat(DEPTH)),
  // fixarray of one item, DEPTH - 1 times, around an empty fixarray.
  msgpack: () => Uint8Array.from([...new Uint8Array(DEPTH - 1).fill(0x91), 0x90]),
  // PROTO 2, DEPTH empty lists, each APPENDed into the one below, STOP.
  pickle: () => Uint8Array.from([0x80, 0x02, ...new Uint8Array(DEPTH).fill(0x5d), ...new Uint8Array(DEPTH - 1).fill(0x61), 0x2e]),
};

/** Exception documents naming callables; each must stay a name in an inert RemoteTaskError. */
const hostileExceptions = [
  { exc_module: 'os', exc_type: 'system', exc_message: ['rm -rf /'] },
  { exc_module: 'builtins', exc_type: 'eval', exc_message: ["__import__('os').system('rm -rf /')"] },
  { exc_module: 'subprocess', exc_type: 'Popen', exc_message: [['rm', '-rf', '/']] },
];

async function settlesQuickly<T>(ctx: TestContext, promise: Promise<T>, what: string): Promise<T | unknown> {
  const started = performance.now();
  const outcome = await promise.catch((error: unknown) => error);
  const elapsed = performance.now() - started;
  ctx.expect(elapsed, `${what} took ${elapsed.toFixed(0)} ms`).toBeLessThan(QUICKLY_MS);
  if (process.env.RESULTKIT_BAD_INPUT_TIMES) console.info(`${what}: ${elapsed.toFixed(1)} ms`);
  return outcome;
}

export function registerHostileValueTests(suite: ResolvedConformanceOptions): void {
  const { it } = suite;
  group(suite, 'hostile values', () => {
    it("a stored value over the reader's maxValueSize is a DecodeError, unparsed; a reader without that limit reads it", async (ctx) => {
      await requireCapability(suite, ctx, 'sharedReads');
      const writer = await openBackend(suite, ctx);
      const small = await openBackend(suite, ctx, { maxValueSize: 16 * 1024 });
      const [big, fine] = [newId('big'), newId('fine')];
      await writer.storeResult(big, 'x'.repeat(64 * 1024));
      await writer.storeResult(fine, 'small');
      const error = await settlesQuickly(ctx, small.getTaskMeta(big), 'a stored value over maxValueSize: getTaskMeta');
      ctx.expect(error).toBeInstanceOf(DecodeError);
      ctx.expect((error as Error).message).toMatch(/maxValueSize/);
      ctx.expect(await small.asyncResult(fine).get({ timeout: 5_000 })).toBe('small');
      ctx.expect(((await writer.getTaskMeta(big)).result as string).length).toBe(64 * 1024);
    });

    for (const serializer of Object.keys(deepEncodings) as (keyof typeof deepEncodings)[]) {
      it(`a list nested ${DEPTH.toLocaleString('en')} deep is an EncodeError with ${serializer}, and nothing is stored`, async (ctx) => {
        const backend = await openBackendOrSkip(suite, ctx, { serializer, accept: [serializer] });
        const id = newId('deep');
        const stored = await settlesQuickly(ctx, backend.storeResult(id, deepList()), `${serializer}, ${DEPTH} deep: store`);
        ctx.expect(stored).toBeInstanceOf(EncodeError);
        ctx.expect((await backend.getTaskMeta(id)).status).toBe(states.PENDING);
      });

      it.skipIf(!suite.writeRaw)(`a stored ${serializer} list nested ${DEPTH.toLocaleString('en')} deep is a DecodeError`, async (ctx) => {
        const backend = await openBackendOrSkip(suite, ctx, { serializer, accept: [serializer] });
        const id = newId('deep');
        await suite.writeRaw!(backend, id, deepEncodings[serializer]());
        const read = await settlesQuickly(ctx, backend.getTaskMeta(id), `${serializer}, ${DEPTH} deep: read`);
        ctx.expect(read).toBeInstanceOf(DecodeError);
      });
    }

    for (const exception of hostileExceptions) {
      it.skipIf(!suite.writeDocument)(`a FAILURE naming ${exception.exc_module}.${exception.exc_type} reads as an inert RemoteTaskError`, async (ctx) => {
        const backend = await openBackend(suite, ctx);
        const id = newId('hostile');
        await suite.writeDocument!(backend, id, { status: states.FAILURE, result: exception, traceback: null, children: [], date_done: null, task_id: id });
        const meta = await backend.getTaskMeta(id);
        ctx.expect(meta.result).toBeInstanceOf(RemoteTaskError);
        ctx.expect(meta.result).toMatchObject({ excType: exception.exc_type, excModule: exception.exc_module, excArgs: exception.exc_message });
        const error = await backend.asyncResult(id).get({ timeout: 5_000 }).catch((e: unknown) => e);
        ctx.expect(error).toBeInstanceOf(RemoteTaskError);
        ctx.expect((error as RemoteTaskError).qualifiedType).toBe(`${exception.exc_module === 'builtins' ? '' : `${exception.exc_module}.`}${exception.exc_type}`);
      });
    }
  });
}
