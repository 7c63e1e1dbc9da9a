/**
 * The nesting limit shared by every serializer, on read and on write.
 *
 * Python cannot go deeper: `json.dumps`, `json.loads` and `pickle.dumps` recurse, and stop at
 * the interpreter's recursion limit (1,000 by default), so no Celery worker writes a deeper
 * result and no Celery client could read one. Enforcing the same limit here keeps every value
 * resultkit reads writable again (by any serializer, and by `JSON.stringify`), and every value
 * it writes readable by Python. Code that walks results recursively (revivers, formatters,
 * the user's own) stays far from the JavaScript call stack's limit.
 */
export const MAX_NESTING_DEPTH = 1000;

/** The message for a value nested deeper than `MAX_NESTING_DEPTH`; `where` says where it was met. */
export function nestingTooDeepMessage(where: string): string {
  return (
    `${where} is nested more than ${MAX_NESTING_DEPTH} levels deep (lists, tuples, dicts, objects): the limit ` +
    `of every resultkit serializer, and about as deep as Python's recursion limit lets Celery go.`
  );
}
