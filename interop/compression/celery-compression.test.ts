/**
 * Compressed results as Celery writes them since celery/celery#10504: Debian's Celery 5.2 with
 * that change's encode/decode installed (`interop/python/compressed_results.py`), against
 * resultkit on Redis and on a file:// directory, for every kombu codec resultkit has a package
 * for. Python writes and resultkit reads (configured without compression: the value says how it
 * was compressed), and resultkit writes and Python reads.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPRESSED_PAYLOAD_MAGIC, createBackend, states, type ResultBackend } from '@resultkit/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { celeryAvailability, PYTHON, PYTHON_DIR, registerCeleryPresenceTest } from '../support/celery.js';

const availability = celeryAvailability();
registerCeleryPresenceTest(availability);

const redisUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0');
redisUrl.pathname = '/11';
const dir = mkdtempSync(join(tmpdir(), 'rk-interop-compression-'));

// kombu's name for each method, and the content type it writes in front of the body.
const CODECS = [
  { name: 'gzip', contentType: 'application/x-gzip' },
  { name: 'brotli', contentType: 'application/x-brotli' },
  { name: 'zstd', contentType: 'application/zstd' },
] as const;

const STORES = [
  { store: 'redis', url: redisUrl.toString() },
  { store: 'file', url: `file://${dir}` },
] as const;

function python(args: string[], input: string): string {
  const run = spawnSync(PYTHON, ['compressed_results.py', ...args], { cwd: PYTHON_DIR, input, encoding: 'utf8', timeout: 30_000 });
  if (run.status !== 0) throw new Error(`compressed_results.py ${args[0]} failed: ${run.stderr || run.error?.message}`);
  return run.stdout;
}

// Compressible and not: repeated text, and every code point class JSON has to escape.
const result = { text: 'compress me '.repeat(400), unicode: 'zażółć 🎉 \u0000 "quoted"', numbers: [1, 2.5, -3, 1e300], nested: { ok: true, none: null } };

describe.skipIf(!availability.ok)('compressed results between Celery (with #10504) and resultkit', () => {
  const backends = new Map<string, { plain: ResultBackend; compressing: Map<string, ResultBackend> }>();
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(redisUrl.toString());
    for (const { store, url } of STORES) {
      const compressing = new Map<string, ResultBackend>();
      for (const { name } of CODECS) compressing.set(name, await createBackend(url, { compression: name }));
      backends.set(store, { plain: await createBackend(url), compressing });
    }
  });

  afterAll(async () => {
    for (const { plain, compressing } of backends.values()) {
      await plain.close();
      for (const b of compressing.values()) await b.close();
    }
    await redis?.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  const stored = async (store: string, taskId: string): Promise<Buffer> =>
    store === 'redis'
      ? (await redis.getBuffer(`celery-task-meta-${taskId}`))!
      : readFileSync(join(dir, `celery-task-meta-${taskId}`));

  for (const { store, url } of STORES) {
    for (const { name, contentType } of CODECS) {
      it(`${store}, ${name}: Python writes a compressed result and a resultkit reader without compression reads it`, async () => {
        const taskId = randomUUID();
        python(['store', url, name, taskId], JSON.stringify(result));
        const bytes = await stored(store, taskId);
        const header = Buffer.concat([Buffer.from(COMPRESSED_PAYLOAD_MAGIC), Buffer.from(`${contentType}\0`)]);
        expect(bytes.subarray(0, header.length)).toEqual(header);
        const meta = await backends.get(store)!.plain.getTaskMeta(taskId);
        expect(meta.status).toBe(states.SUCCESS);
        expect(meta.result).toEqual(result);
      });

      it(`${store}, ${name}: resultkit writes a compressed result and Python reads it`, async () => {
        const taskId = randomUUID();
        await backends.get(store)!.compressing.get(name)!.storeResult(taskId, result, states.SUCCESS);
        const bytes = await stored(store, taskId);
        expect(bytes.subarray(0, COMPRESSED_PAYLOAD_MAGIC.length)).toEqual(Buffer.from(COMPRESSED_PAYLOAD_MAGIC));
        expect(bytes.length).toBeLessThan(JSON.stringify(result).length / 2);
        const read = JSON.parse(python(['get', url, taskId], '')) as { status: string; result: unknown };
        expect(read).toEqual({ status: 'SUCCESS', result });
      });
    }
  }

  it('every codec: the bytes Python builds are the bytes resultkit reads, and the other way round', async () => {
    const codec = backends.get('redis')!.plain.codec;
    for (const { name } of CODECS) {
      const document = JSON.stringify({ status: 'SUCCESS', result: 'x'.repeat(1000), traceback: null, children: [], date_done: null, task_id: 't' });
      const fromPython = spawnSync(PYTHON, ['compressed_results.py', 'compress', name], { cwd: PYTHON_DIR, input: document, timeout: 30_000 });
      expect(fromPython.status, String(fromPython.stderr)).toBe(0);
      expect(codec.decode(new Uint8Array(fromPython.stdout))).toEqual(JSON.parse(document));
      const ours = backends.get('redis')!.compressing.get(name)!.codec.encode(JSON.parse(document));
      const back = spawnSync(PYTHON, ['compressed_results.py', 'decompress'], { cwd: PYTHON_DIR, input: ours, timeout: 30_000 });
      expect(back.status, String(back.stderr)).toBe(0);
      expect(JSON.parse(back.stdout.toString('utf8'))).toEqual(JSON.parse(document));
    }
  });
});
