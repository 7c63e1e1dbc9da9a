/**
 * The "resultkit -> Python" scenario every key/value interop suite runs: one result per state
 * (exceptions, a custom state and a task returning nothing included) stored by us, then read by
 * Python's AsyncResult through `py_client.py read`.
 */
import { randomUUID } from 'node:crypto';
import { RemoteTaskError, states, type ResultBackend } from '@resultkit/core';
import { expect } from 'vitest';
import { pyClient } from './celery.js';

/** What `py_client.py read` prints for one result. */
export interface PyResult {
  id: string;
  state: string;
  ready: boolean;
  successful: boolean;
  failed: boolean;
  result: unknown;
  exception: { type: string; module: string; args: unknown[]; repr: string } | null;
  traceback: string | null;
  date_done: string | null;
  name: string | null;
  args: unknown;
  kwargs: unknown;
  worker: string | null;
  retries: number | null;
  queue: string | null;
  group_id: string | null;
  parent_id: string | null;
}

const SCENARIOS = ['success', 'custom', 'jsError', 'retry', 'revoked', 'started', 'progress', 'nothing'] as const;
export type EveryStateIds = Record<(typeof SCENARIOS)[number], string>;

/**
 * An int beyond 2^53 that the success result carries: 2^64 by default; a format with 64-bit
 * ints only (msgpack) passes a smaller one.
 */
export interface EveryStateOptions {
  big?: bigint;
}

/** Stores one result per scenario, as a Node worker would; returns their ids. */
export async function storeEveryState(backend: ResultBackend, options: EveryStateOptions = {}): Promise<EveryStateIds> {
  const ids = Object.fromEntries(SCENARIOS.map((s) => [s, `rk-${s.toLowerCase()}-${randomUUID()}`])) as EveryStateIds;
  await backend.storeResult(ids.success, { total: 5, items: ['é', null, true, 1.5], big: options.big ?? 2n ** 64n });
  await backend.markAsFailure(ids.custom, new RemoteTaskError({ excType: 'QuotaExceeded', excModule: 'interop_app', excArgs: ['over quota', 42] }), {
    traceback: 'Traceback (most recent call last):\n  File "worker.js", line 1\ninterop_app.QuotaExceeded: over quota\n',
  });
  await backend.markAsFailure(ids.jsError, new TypeError('not a function'));
  await backend.markAsRetry(ids.retry, new RemoteTaskError({ excType: 'ConnectionError', excModule: 'builtins', excArgs: ['temporary'] }), { traceback: 'tb' });
  await backend.markAsRevoked(ids.revoked, 'terminated');
  await backend.markAsStarted(ids.started, { pid: 99, hostname: 'node@interop' });
  await backend.updateState(ids.progress, 'PROGRESS', { current: 3, total: 10 });
  // A task that returns nothing: Python's AsyncResult.result is None, not a KeyError.
  await backend.storeResult(ids.nothing, undefined);
  return ids;
}

/** Checks what Python read for the results `storeEveryState` stored. */
export function expectEveryStateRead(read: Record<string, PyResult>, ids: EveryStateIds, options: EveryStateOptions = {}): void {
  const success = read[ids.success]!;
  // Python prints the int exactly and JSON.parse reads it as the nearest double, as Number() does.
  const big = Number(options.big ?? 2n ** 64n);
  expect(success).toMatchObject({ state: 'SUCCESS', result: { total: 5, items: ['é', null, true, 1.5], big }, traceback: null });
  expect(Math.abs(Date.parse(`${success.date_done}`) - Date.now())).toBeLessThan(60_000);
  expect(success.date_done).toMatch(/\.\d{6}\+00:00$/);
  // Python raises the real class from the module it has loaded.
  expect(read[ids.custom]).toMatchObject({ state: 'FAILURE', failed: true, exception: { type: 'QuotaExceeded', module: 'interop_app', args: ['over quota', 42] } });
  expect(read[ids.custom]!.traceback).toContain('interop_app.QuotaExceeded: over quota');
  expect(read[ids.jsError]).toMatchObject({ state: 'FAILURE', exception: { type: 'TypeError', module: 'builtins', args: ['not a function'] } });
  expect(read[ids.jsError]!.traceback).toContain('TypeError: not a function');
  expect(read[ids.retry]).toMatchObject({ state: 'RETRY', ready: false, exception: { type: 'ConnectionError', args: ['temporary'] }, traceback: 'tb', date_done: null });
  expect(read[ids.revoked]).toMatchObject({ state: 'REVOKED', ready: true, exception: { type: 'TaskRevokedError', module: 'celery.exceptions', args: ['terminated'] } });
  expect(read[ids.started]).toMatchObject({ state: 'STARTED', ready: false, result: { pid: 99, hostname: 'node@interop' } });
  expect(read[ids.progress]).toMatchObject({ state: 'PROGRESS', ready: false, result: { current: 3, total: 10 } });
  expect(read[ids.nothing]).toMatchObject({ state: 'SUCCESS', successful: true, result: null, traceback: null });
}

/**
 * The group scenario: we save a group of three members and store their results; Python's
 * `GroupResult.restore()` finds it and joins the values in member order. Returns the ids, for
 * the suite's clean-up.
 */
export async function expectGroupRestoredByPython(backend: ResultBackend, env: Record<string, string>): Promise<{ groupId: string; members: string[] }> {
  const groupId = `rk-group-${randomUUID()}`;
  const members = [0, 1, 2].map((i) => `rk-member-${i}-${randomUUID()}`);
  await backend.saveGroup(groupId, members);
  for (const [i, id] of members.entries()) await backend.storeResult(id, i * 10, states.SUCCESS, { request: { group: groupId } });
  const [restored] = await pyClient<{ found: boolean; ids: string[]; results: unknown[] }>('restore', { group_id: groupId, timeout: 10 }, env);
  expect(restored).toEqual({ found: true, ids: members, results: [0, 10, 20] });
  return { groupId, members };
}
