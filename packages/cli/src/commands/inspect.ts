import {
  PyDatetime,
  decodeEntryExactly,
  decodeException,
  isExceptionState,
  pendingMeta,
  states,
  toDocument,
  type ResultBackend,
} from '@resultkit/core';
import { ExitCode } from '../exit-codes.js';
import { displayValue, toLosslessJson } from '../lossless-json.js';
import { openBackend, type BackendFlags } from '../open-backend.js';
import type { Output } from '../output.js';
import { reportError } from '../report-error.js';
import { UsageError } from '../usage-error.js';

export interface InspectFlags extends BackendFlags {
  group?: string[];
  json?: boolean;
}

/**
 * `resultkit inspect <url> <task-id...>`: the decoded document of each task (an unknown id reads
 * PENDING, as in Celery) and of each `--group`. Text for people, or with `--json` one JSON
 * object per line (see `toLosslessJson` for what JSON cannot say).
 */
export async function inspect(url: string, taskIds: readonly string[], flags: InspectFlags, out: Output): Promise<ExitCode> {
  const groupIds = flags.group ?? [];
  if (!taskIds.length && !groupIds.length) throw new UsageError('Name at least one task id, or a group with --group <id>.');
  const backend = await openBackend(url, flags, out);
  let failed = false;
  try {
    for (const id of taskIds) {
      try {
        printTask(id, await readDocument(backend, id), flags, out);
      } catch (error) {
        // One unreadable result does not hide the others.
        failed = true;
        if (flags.json) out.line(JSON.stringify({ task_id: id, error: error instanceof Error ? error.message : String(error) }));
        reportError(error, out);
      }
    }
    for (const id of groupIds) if (!(await printGroup(backend, id, flags, out))) failed = true;
  } finally {
    await backend.close();
  }
  return failed ? ExitCode.FAILURE : ExitCode.OK;
}

/**
 * The stored Celery document of a task, read exactly where the store lists its entries (tuples,
 * integral floats, datetimes with microseconds and offset kept: what Python reads); otherwise
 * (rpc://) the document of the decoded meta. Null when nothing is stored for the id.
 */
export async function readDocument(backend: ResultBackend, taskId: string): Promise<Record<string, unknown> | null> {
  const entries = backend.adapter.entries;
  if (!entries) {
    const meta = await backend.getTaskMeta(taskId);
    return meta.status === states.PENDING && meta.dateDone === null && meta.result === null ? null : toDocument(meta);
  }
  const [entry] = await entries.readEntries([{ kind: 'task', id: taskId }]);
  return entry ? decodeEntryExactly(entries, backend.codec, entry) : null;
}

/** The task as one JSON object: Celery's field names, `status` as `state`, the exception apart from the result. */
export function taskJson(taskId: string, document: Record<string, unknown> | null): Record<string, unknown> {
  const doc = document ?? toDocument(pendingMeta(taskId));
  const state = String(doc.status);
  const failed = isExceptionState(state);
  const json: Record<string, unknown> = {
    task_id: taskId,
    state,
    date_done: dateText(doc.date_done),
    result: failed ? null : toLosslessJson(doc.result),
    exception: failed ? toLosslessJson(doc.result) : null,
    traceback: doc.traceback ?? null,
    children: toLosslessJson(doc.children ?? []),
  };
  for (const [key, value] of Object.entries(doc)) {
    if (key in json || key === 'status' || key === 'task_id' || key === 'date_done') continue;
    if (value !== undefined && value !== null) json[key] = toLosslessJson(value);
  }
  return json;
}

function dateText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof PyDatetime) return value.iso;
  return String(value);
}

function printTask(taskId: string, document: Record<string, unknown> | null, flags: InspectFlags, out: Output): void {
  const json = taskJson(taskId, document);
  if (flags.json) {
    out.line(JSON.stringify({ kind: 'task', ...json }));
    return;
  }
  out.line(`task ${taskId}`);
  for (const [key, value] of Object.entries(json)) {
    if (key === 'task_id' || key === 'traceback' || value === null) continue;
    if (key === 'children' && Array.isArray(value) && !value.length) continue;
    if (key === 'exception') {
      out.line(`  ${'exception'.padEnd(10)} ${String(decodeException(document?.result) ?? displayValue(value))}`);
      continue;
    }
    out.line(`  ${key.padEnd(10)} ${typeof value === 'string' ? value : displayValue(value)}`);
  }
  if (typeof json.traceback === 'string' && json.traceback) {
    out.line('  traceback');
    for (const line of json.traceback.trimEnd().split('\n')) out.line(`    ${line}`);
  }
}

async function printGroup(backend: ResultBackend, groupId: string, flags: InspectFlags, out: Output): Promise<boolean> {
  const group = await backend.restoreGroup(groupId);
  if (!group) {
    if (flags.json) out.line(JSON.stringify({ kind: 'group', group_id: groupId, found: false }));
    else out.line(`group ${groupId}: not found`);
    return false;
  }
  const members = await Promise.all(group.results.map((r) => backend.getTaskMeta(r.id)));
  if (flags.json) {
    out.line(JSON.stringify({ kind: 'group', group_id: groupId, found: true, members: members.map((m) => ({ task_id: m.taskId, state: m.status })) }));
    return true;
  }
  out.line(`group ${groupId} (${members.length} member${members.length === 1 ? '' : 's'})`);
  for (const meta of members) out.line(`  ${meta.taskId}  ${meta.status}`);
  return true;
}
