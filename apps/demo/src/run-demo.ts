import { randomUUID } from 'node:crypto';
import { createBackend, RemoteTaskError } from '@resultkit/core';
import { runJob } from './worker.js';

export interface DemoOptions {
  /** The result backend URL; the embedded `memory://` needs no server. */
  url: string;
  log: (line: string) => void;
}

/**
 * A client and a worker sharing one result backend: the client asks for jobs and awaits their
 * results while the worker runs them. Returns what the client saw, for the demo's own test.
 */
export async function runDemo({ url, log }: DemoOptions): Promise<Record<string, unknown>> {
  const client = await createBackend(url, { extended: true });
  const worker = await createBackend(url, { extended: true });
  const seen: Record<string, unknown> = {};
  try {
    log(`result backend: ${url}`);

    // Single jobs: the client starts waiting before the worker stores anything.
    const add = randomUUID();
    const slug = randomUUID();
    const waits = [client.asyncResult<number>(add).get({ timeout: 5_000 }), client.asyncResult<string>(slug).get({ timeout: 5_000 })];
    await Promise.all([runJob(worker, add, 'add', [2, 3]), runJob(worker, slug, 'slugify', ['Crème Brûlée — Recipes!'])]);
    const [sum, slugged] = await Promise.all(waits);
    log(`add(2, 3)                      -> ${sum}`);
    log(`slugify("Crème Brûlée — ...")  -> ${slugged}`);
    seen.add = sum;
    seen.slugify = slugged;

    // A job that fails: get() throws the stored exception as a RemoteTaskError.
    const divide = randomUUID();
    await runJob(worker, divide, 'divide', [1, 0]);
    try {
      await client.asyncResult(divide).get({ timeout: 5_000 });
    } catch (error) {
      if (!(error instanceof RemoteTaskError)) throw error;
      log(`divide(1, 0)                   -> ${error.excType}: ${error.message} (state ${await client.asyncResult(divide).state()})`);
      seen.divide = `${error.excType}: ${error.message}`;
    }

    // A group: saved like Celery's GroupResult, restored by id, joined in member order.
    const groupId = randomUUID();
    const members = Array.from({ length: 5 }, () => randomUUID());
    await client.saveGroup(groupId, members);
    await Promise.all(members.map((id, n) => runJob(worker, id, 'square', [n], { group: groupId })));
    const group = await client.restoreGroup<number>(groupId);
    const squares = await group!.join({ timeout: 5_000 });
    log(`group of square(0..4)          -> [${squares.join(', ')}]`);
    seen.group = squares;

    const meta = await client.getTaskMeta(add);
    log(`meta of add: status=${meta.status} name=${meta.name} args=${JSON.stringify(meta.args)} date_done=${meta.dateDone?.toISOString()}`);
    return seen;
  } finally {
    await Promise.all([client.close(), worker.close()]);
  }
}
