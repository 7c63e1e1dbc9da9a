import {
  DecodeError,
  EXCEPTION_STATES,
  PROPAGATE_STATES,
  READY_STATES,
  RemoteTaskError,
  decodeException,
  encodeException,
  tupleToRef,
  type ChordPart,
  type ChordProgress,
  type Codec,
  type ResultRef,
  type TaskMeta,
} from '@resultkit/core';
import { exceptionRepr, pythonRepr } from './python-repr.js';

/**
 * The chord entries Celery keeps in `<gid>.j` and the errors it raises from them (§3.7).
 * An entry is the serializer's encoding of `[1, task_id, state, encoded_result]`, where an
 * exception state's result is the three-key exception dict, exactly as `encode_result` writes.
 */
export function encodeChordEntry(codec: Codec, part: ChordPart): Uint8Array {
  const result = EXCEPTION_STATES.has(part.status)
    ? part.result === null || part.result === undefined
      ? null
      : encodeException(part.result)
    : part.result;
  return codec.encode([1, part.taskId, part.status, result]);
}

/** Celery's `celery.exceptions.ChordError` with its message. */
export function chordError(message: string): RemoteTaskError {
  return new RemoteTaskError({ excType: 'ChordError', excModule: 'celery.exceptions', excArgs: [message] });
}

/**
 * Decodes the entries of a complete chord in the order Redis returned them (header order for
 * the ZSET) the way `_unpack_chord_result` does: the first member in FAILURE or REVOKED turns
 * the whole chord into `ChordError('Dependency <id> raised <repr>')`.
 */
export function decodeChordEntries(codec: Codec, entries: readonly Uint8Array[]): ChordProgress {
  const results: unknown[] = [];
  for (const bytes of entries) {
    const entry = codec.decode(bytes);
    if (!Array.isArray(entry) || entry.length < 4) {
      throw new DecodeError('A chord entry is not [1, task_id, state, result].');
    }
    const [, taskId, state, value] = entry as [unknown, unknown, unknown, unknown];
    if (typeof taskId !== 'string' || typeof state !== 'string') {
      throw new DecodeError('A chord entry has no task id or state.');
    }
    const decoded = EXCEPTION_STATES.has(state) ? decodeException(value, { taskId, state }) : value;
    if (PROPAGATE_STATES.has(state)) {
      const shown = decoded instanceof RemoteTaskError ? exceptionRepr(decoded) : pythonRepr(decoded);
      return { complete: true, error: chordError(`Dependency ${taskId} raised ${shown}`) };
    }
    results.push(decoded);
  }
  return { complete: true, results };
}

/**
 * The nested case: the client saved the header as a group because a member is itself a group
 * (`apply_chord`). Celery then joins that group, so the body receives nested lists; a failed
 * member or a member not ready within the join timeout becomes `ChordError('Join error: …')`.
 */
export async function joinSavedHeader(
  codec: Codec,
  savedGroup: Uint8Array,
  loadMany: (ids: readonly string[]) => Promise<(TaskMeta | null | Error)[]>,
  timeoutMs: number,
): Promise<ChordProgress> {
  const doc = codec.decode(savedGroup) as { result?: unknown } | null;
  const header = tupleToRef(doc?.result);
  const members = header.children ?? [];
  const leaves: string[] = [];
  collectLeaves(members, leaves);

  const deadline = Date.now() + timeoutMs;
  const ready = new Map<string, TaskMeta>();
  for (let delay = 10; ; delay = Math.min(delay * 2, 250)) {
    const missing = leaves.filter((id) => !ready.has(id));
    const metas = missing.length ? await loadMany(missing) : [];
    for (const [i, meta] of metas.entries()) {
      if (meta instanceof Error) return { complete: true, error: chordError(`Join error: ${joinErrorRepr(meta)}`) };
      if (meta && READY_STATES.has(meta.status)) ready.set(missing[i]!, meta);
    }
    // Celery's join raises the first failure in member order.
    for (const id of leaves) {
      const meta = ready.get(id);
      if (meta && PROPAGATE_STATES.has(meta.status)) {
        return { complete: true, error: chordError(`Join error: ${pythonRepr(meta.result)}`) };
      }
    }
    if (ready.size === leaves.length) break;
    if (Date.now() >= deadline) {
      return { complete: true, error: chordError("Join error: TimeoutError('The operation timed out.')") };
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  return { complete: true, results: members.map((m) => valueOf(m, ready)) };
}

function collectLeaves(refs: readonly ResultRef[], out: string[]): void {
  for (const ref of refs) {
    if (ref.children) collectLeaves(ref.children, out);
    else out.push(ref.id);
  }
}

function valueOf(ref: ResultRef, ready: Map<string, TaskMeta>): unknown {
  if (ref.children) return ref.children.map((child) => valueOf(child, ready));
  return ready.get(ref.id)?.result ?? null;
}

function joinErrorRepr(error: Error): string {
  return error instanceof RemoteTaskError ? exceptionRepr(error) : `${error.name}(${pythonRepr(error.message)})`;
}
