import { DecodeError } from './errors.js';

/**
 * A reference to a result as Celery serialises it (`ResultBase.as_tuple()`):
 * an AsyncResult is `[[id, parent], null]`, a GroupResult is `[[groupId, parent], [child, ...]]`,
 * where `parent` is itself such a tuple or null. It appears in `children` and as the saved
 * form of a group.
 */
export type ResultTuple = [[string, ResultTuple | null], ResultTuple[] | null];

/** The decoded form of a `ResultTuple`. */
export interface ResultRef {
  id: string;
  parent: ResultRef | null;
  /** Present for a group: its members, in order. */
  children: ResultRef[] | null;
}

export function asyncResultTuple(id: string, parent: ResultTuple | null = null): ResultTuple {
  return [[id, parent], null];
}

export function groupResultTuple(groupId: string, members: readonly ResultTuple[], parent: ResultTuple | null = null): ResultTuple {
  return [[groupId, parent], [...members]];
}

export function refToTuple(ref: ResultRef): ResultTuple {
  return [[ref.id, ref.parent ? refToTuple(ref.parent) : null], ref.children ? ref.children.map(refToTuple) : null];
}

/**
 * Decodes a result tuple the way Celery's `result_from_tuple` does: the head may be `[id, parent]`
 * or a bare id string; `nodes == null` means a single result, otherwise a group.
 */
export function tupleToRef(value: unknown, depth = 0): ResultRef {
  if (depth > 100) throw new DecodeError('Result tuple is nested too deeply.');
  if (!Array.isArray(value) || value.length !== 2) {
    throw new DecodeError(`Not a result tuple: ${preview(value)}`);
  }
  const [head, nodes] = value as [unknown, unknown];
  let id: unknown;
  let parent: unknown = null;
  if (typeof head === 'string') {
    id = head;
  } else if (Array.isArray(head) && head.length === 2) {
    [id, parent] = head as [unknown, unknown];
  } else {
    throw new DecodeError(`Not a result tuple head: ${preview(head)}`);
  }
  if (typeof id !== 'string') throw new DecodeError(`Result tuple id is not a string: ${preview(id)}`);
  let children: ResultRef[] | null = null;
  if (nodes !== null && nodes !== undefined) {
    if (!Array.isArray(nodes)) throw new DecodeError(`Result tuple children are not a list: ${preview(nodes)}`);
    children = nodes.map((n) => tupleToRef(n, depth + 1));
  }
  return { id, parent: parent === null || parent === undefined ? null : tupleToRef(parent, depth + 1), children };
}

function preview(value: unknown): string {
  try {
    return (JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value)).slice(0, 80);
  } catch {
    return String(value).slice(0, 80);
  }
}
