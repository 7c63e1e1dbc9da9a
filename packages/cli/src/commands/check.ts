import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { redactUrl, states, type ResultBackend } from '@resultkit/core';
import { ExitCode } from '../exit-codes.js';
import { openBackend, type BackendFlags } from '../open-backend.js';
import type { Output } from '../output.js';

export interface CheckFlags extends BackendFlags {
  /** Milliseconds the wait step may take. */
  timeout: number;
}

/** One step of the check, timed; its detail says what was found. */
async function step(out: Output, name: string, run: () => Promise<string>): Promise<void> {
  const started = performance.now();
  let detail: string;
  try {
    detail = await run();
  } catch (error) {
    out.line(`✗ ${name.padEnd(8)} ${ms(performance.now() - started)}  failed`);
    throw error;
  }
  out.line(`✓ ${name.padEnd(8)} ${ms(performance.now() - started)}  ${detail}`);
}

function ms(value: number): string {
  return `${value.toFixed(1).padStart(8)} ms`;
}

/**
 * `resultkit check <url>`: connects, then writes, reads, waits for, expires and deletes a probe
 * result, each step timed. Probe ids start with `resultkit-check-` and are deleted at the end.
 */
export async function check(url: string, flags: CheckFlags, out: Output): Promise<ExitCode> {
  out.line(`checking ${redactUrl(url)}`);
  let backend: ResultBackend | undefined;
  // Set once a probe may be stored, cleared once both are deleted.
  let leftBehind = false;
  const probeId = `resultkit-check-${randomUUID()}`;
  const waitId = `resultkit-check-${randomUUID()}`;
  const probe = { probe: 'resultkit check', at: new Date().toISOString() };
  try {
    await step(out, 'connect', async () => {
      backend = await openBackend(url, flags, out);
      // A store that connects lazily has not talked to the server yet: a read proves it answers.
      await backend.getTaskMeta(probeId);
      return `${backend.adapter.name} backend, serializer ${backend.codec.contentType}`;
    });
    const b = backend!;
    await step(out, 'write', async () => {
      leftBehind = true;
      await b.storeResult(probeId, probe, states.SUCCESS);
      return `stored SUCCESS for ${probeId}`;
    });
    await step(out, 'read', async () => {
      const meta = await b.getTaskMeta(probeId);
      const same = JSON.stringify(meta.result) === JSON.stringify(probe);
      if (meta.status !== states.SUCCESS || !same) throw new Error(`The probe read back as ${meta.status} with a different value: the store did not keep what was written.`);
      return 'read back the same value';
    });
    await step(out, 'wait', async () => {
      // The waiter subscribes before the result exists, so this measures delivery, not a read.
      const waiting = b.asyncResult(waitId).get({ timeout: flags.timeout });
      await new Promise((resolve) => setTimeout(resolve, 20));
      await b.storeResult(waitId, probe, states.SUCCESS);
      await waiting;
      return b.capabilities.push ? 'delivered by push' : 'delivered by polling (this store cannot push)';
    });
    await step(out, 'expire', async () => {
      const [entry] = (await b.adapter.entries?.readEntries([{ kind: 'task', id: probeId }])) ?? [];
      if (!b.adapter.entries) return 'not listed by this store';
      if (!entry) throw new Error('The probe is gone before its time: the store dropped it.');
      if (entry.ttl === null) return b.config.expires === null ? 'kept forever (expires is off)' : 'stored without an expiry: it will never expire';
      if (entry.ttl === undefined) return 'this store does not expire entries by itself: run `resultkit cleanup` (Celery: celery beat)';
      return `expires by itself in ${Math.round(entry.ttl / 1000)} s (expires ${b.config.expires} s)`;
    });
    await step(out, 'delete', async () => {
      if (!b.capabilities.forget) return 'this store cannot delete results';
      await b.forget(probeId);
      await b.forget(waitId);
      const meta = await b.getTaskMeta(probeId);
      if (meta.status !== states.PENDING) throw new Error(`The probe is still stored (${meta.status}) after forget().`);
      leftBehind = false;
      return 'forgotten, reads PENDING';
    });
    out.line('ok');
    return ExitCode.OK;
  } finally {
    // A failed step may leave a probe behind: one best-effort attempt to remove it.
    if (backend && leftBehind && backend.capabilities.forget) {
      await Promise.allSettled([probeId, waitId].map((id) => backend!.forget(id, { timeout: 2_000 })));
    }
    await backend?.close();
  }
}
