import type { GroupMeta } from './adapter/contract.js';
import { describeValue } from './describe-value.js';
import { DecodeError } from './errors.js';
import type { ResultTuple } from './result-tuple.js';

/** The document Celery's `GroupResult.save()` stores in key/value backends: `{"result": [[gid, null], [members]]}`. */
export function groupToDocument(group: GroupMeta): { result: ResultTuple } {
  return { result: [[group.groupId, null], group.results] };
}

/** Reads a saved group document; anything that is not a GroupResult tuple is a `DecodeError`. */
export function groupFromDocument(value: unknown, groupId: string): GroupMeta {
  const tuple = (value as { result?: unknown } | null)?.result;
  if (!Array.isArray(tuple) || tuple.length !== 2 || !Array.isArray(tuple[1])) {
    throw new DecodeError(
      `The saved group ${groupId} is not a GroupResult tuple [[id, parent], [members]]: its result is ${describeValue(tuple)}.`,
    );
  }
  return { groupId, results: tuple[1] as ResultTuple[], dateDone: null };
}
