import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContentDisallowedError, DecodeError } from '@resultkit/core';
import { capabilitiesOf, group, newId, openBackend, openBackendOrSkip } from '../harness.js';
import type { ResolvedConformanceOptions } from '../options.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/**
 * Payloads that would create `file` if anything executed them: in CPython's `pickle.loads`, or
 * in PyYAML's unsafe loader. Protocol 0 pickles, so they read as the text they are.
 */
const commandPayloads: ReadonlyArray<readonly [string, 'pickle' | 'yaml', (file: string, taskId: string) => Uint8Array]> = [
  ['a pickle calling os.system', 'pickle', (file) => utf8(`cos\nsystem\n(Vtouch ${file}\ntR.`)],
  ['a pickle calling builtins.exec', 'pickle', (file) => utf8(`cbuiltins\nexec\n(Vopen('${file}', 'w').close()\ntR.`)],
  [
    'a pickled FAILURE whose exception is an os.system REDUCE',
    'pickle',
    (file, taskId) => utf8(`(dVstatus\nVFAILURE\nsVresult\ncos\nsystem\n(Vtouch ${file}\ntRsVtraceback\nNsVtask_id\nV${taskId}\ns.`),
  ],
  ['a YAML !!python/object/apply:os.system document', 'yaml', (file) => utf8(`!!python/object/apply:os.system ["touch ${file}"]\n`)],
  [
    'a YAML result with a !!python/object/apply:builtins.exec tag',
    'yaml',
    (file, taskId) => utf8(`status: SUCCESS\nresult: !!python/object/apply:builtins.exec ["open('${file}', 'w').close()"]\ntask_id: ${taskId}\n`),
  ],
];

export function registerUnsafeContentTests(suite: ResolvedConformanceOptions): void {
  const { it } = suite;
  group(suite, 'unsafe content', () => {
    const writeRaw = suite.writeRaw;
    for (const serializer of ['pickle', 'yaml', 'msgpack'] as const) {
      it.skipIf(!writeRaw)(`a result written with ${serializer} is refused by a reader with the default accept (JSON only), and read where ${serializer} is accepted`, async (ctx) => {
        if (!suite.resultThroughSerializer) {
          ctx.skip("the stored result is a pickle whatever the serializer (Celery's PickleType), read by the data-only unpickler");
        }
        // The accepting backend writes the value as a worker configured with the serializer would.
        const accepting = await openBackendOrSkip(suite, ctx, { serializer, accept: [serializer] });
        const reader = await openBackend(suite, ctx);
        ctx.expect(reader.codec.accept).toEqual(['application/json']);
        const [refused, read] = [newId(serializer), newId(serializer)];
        const document = (id: string) => ({ status: 'SUCCESS', result: { written: serializer }, traceback: null, children: [], date_done: null, task_id: id });
        await writeRaw!(reader, refused, accepting.codec.encode(document(refused)));
        // A store that records the content type refuses it unread; one that does not (Redis,
        // files) reads the bytes as JSON, which they are not.
        const error = await reader.getTaskMeta(refused).catch((e: unknown) => e);
        ctx.expect(error instanceof ContentDisallowedError || error instanceof DecodeError, String(error)).toBe(true);
        // A refusal loses nothing: the value is neither deleted nor taken for PENDING, and where
        // any client reads any result, one that accepts the format reads it.
        await ctx.expect(reader.getTaskMeta(refused)).rejects.toBeInstanceOf((error as Error).constructor);
        if ((await capabilitiesOf(suite)).sharedReads) {
          ctx.expect((await accepting.getTaskMeta(refused)).result).toEqual({ written: serializer });
        }
        await writeRaw!(accepting, read, accepting.codec.encode(document(read)));
        ctx.expect(await accepting.asyncResult(read).get({ timeout: 5_000 })).toEqual({ written: serializer });
      });
    }

    for (const [title, serializer, payload] of commandPayloads) {
      it.skipIf(!writeRaw)(`${title} is a typed error even where ${serializer} is accepted, and runs nothing`, async (ctx) => {
        const dir = mkdtempSync(join(tmpdir(), 'resultkit-unsafe-'));
        ctx.onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
        const marker = join(dir, `ran-${randomUUID()}`);
        const backend = await openBackendOrSkip(suite, ctx, { serializer, accept: [serializer] });
        const id = newId('unsafe');
        await writeRaw!(backend, id, payload(marker, id));
        const error = await backend.getTaskMeta(id).catch((e: unknown) => e);
        ctx.expect(error, String(error)).toBeInstanceOf(DecodeError);
        await ctx.expect(backend.asyncResult(id).get({ timeout: 5_000 })).rejects.toBeInstanceOf(DecodeError);
        ctx.expect(existsSync(marker)).toBe(false);
      });
    }
  });
}
