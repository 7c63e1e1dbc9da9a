/**
 * The size of a decoded value written out as a tree: every reference is counted each time it is
 * reached, and every character and byte counts too. Values shared through the memo are cheap to
 * decode but cost this much to `JSON.stringify`, format or re-encode without a memo.
 *
 * Returns a number above `limit` as soon as the size is known to exceed it (a cycle always
 * does), after at most about `limit` steps.
 */
export function treeSize(value: unknown, limit: number): number {
  let units = 0;
  const pending: unknown[] = [value];
  // The queue counts too (a wide node is as costly to write out as a deep one), and is checked
  // while it fills, so a huge list costs `limit` steps here, not its length.
  const add = (child: unknown): boolean => pending.push(child) + units <= limit;
  while (pending.length > 0) {
    const item = pending.pop();
    units += typeof item === 'string' || item instanceof Uint8Array ? 1 + item.length : 1;
    if (units > limit) return limit + 1;
    if (item === null || typeof item !== 'object' || item instanceof Uint8Array) continue;
    let fits = true;
    if (item instanceof Map) {
      for (const [k, v] of item) if (!(fits = add(k) && add(v))) break;
    } else if (item instanceof Set || Array.isArray(item)) {
      for (const v of item) if (!(fits = add(v))) break;
    } else {
      for (const key in item) if (!(fits = add((item as Record<string, unknown>)[key]))) break;
    }
    if (!fits) return limit + 1;
  }
  return units;
}
