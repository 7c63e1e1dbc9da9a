import type { Codec } from '../codec/codec.js';
import { DecodeError, ResultkitError } from '../errors.js';
import { states } from '../states.js';
import { fromDocument, type TaskMeta } from '../task-meta.js';

/**
 * Helpers for adapters that keep each result as one encoded document (memory, Redis, files,
 * RPC messages): the same decoding, the same errors and the same "is it a SUCCESS" rule in
 * every one of them.
 */

/** Decodes stored document bytes into a `TaskMeta`; anything unreadable throws a typed error. */
export function decodeStoredMeta(codec: Codec, bytes: Uint8Array, taskId: string): TaskMeta {
  return fromDocument(codec.decode(bytes), taskId);
}

/**
 * As `decodeStoredMeta`, but the error is returned instead of thrown: batched reads
 * (`loadMany`) and push messages hand each id its own outcome, so one corrupt value fails only
 * the waits on that id.
 */
export function decodeStoredMetaOrError(codec: Codec, bytes: Uint8Array, taskId: string): TaskMeta | Error {
  try {
    return decodeStoredMeta(codec, bytes, taskId);
  } catch (error) {
    return asTypedError(error);
  }
}

/**
 * True when stored bytes hold a SUCCESS, the state no later write may replace. Bytes that
 * cannot be decoded are not a SUCCESS: nobody could read them as one, so they may be replaced.
 */
export function isStoredSuccess(codec: Codec, bytes: Uint8Array): boolean {
  try {
    return (codec.decode(bytes) as { status?: unknown } | null)?.status === states.SUCCESS;
  } catch {
    return false;
  }
}

function asTypedError(error: unknown): Error {
  if (error instanceof ResultkitError) return error;
  return new DecodeError(`A stored result could not be read: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}
