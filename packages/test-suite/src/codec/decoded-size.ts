/**
 * How much memory a decoded value holds, roughly: one unit per distinct object, per array
 * slot, per map entry, per character of text, per byte of bytes, per 8 bytes of a BigInt.
 * Shared objects count once (a pickle may share one list a million times at no cost), and the
 * walk stops as soon as `limit` is passed, so measuring a hostile value is itself bounded.
 */
export function decodedSize(value: unknown, limit: number): number {
  let size = 0;
  const seen = new Set<object>();
  const pending: unknown[] = [value];
  while (pending.length > 0 && size <= limit) {
    const item = pending.pop();
    size += 1;
    if (typeof item === 'string') size += item.length;
    else if (typeof item === 'bigint') size += Math.ceil(item.toString(16).length / 16);
    else if (typeof item === 'object' && item !== null && !seen.has(item)) {
      seen.add(item);
      if (item instanceof Uint8Array) size += item.length;
      else if (item instanceof Map) for (const [key, child] of item) pending.push(key, child);
      else if (item instanceof Set) for (const child of item) pending.push(child);
      else if (Array.isArray(item)) for (const child of item) pending.push(child);
      else for (const key of Object.keys(item)) pending.push(key, (item as Record<string, unknown>)[key]);
    }
  }
  return size;
}
