/**
 * Short ASCII strings read before, found again by their bytes.
 *
 * The strings of a result are mostly dict keys, and the same few keys come back in every result
 * of a task. Building a string costs an allocation per character, and using a new string as a
 * property key costs a hash and a string table lookup; a hit here costs a hash and a compare,
 * and hands back a string the engine has already made a key of. The cache is a fixed table of
 * slots (a new string takes its slot over), so it never holds more than `SLOTS` strings of at
 * most `MAX_LENGTH` characters, whatever it is fed.
 */
const SLOTS = 1024;
/** Longer strings are seldom keys, and comparing them costs about as much as building them. */
const MAX_LENGTH = 24;

const slots: string[] = new Array<string>(SLOTS).fill('');

/** `data[start..end)` as a string if it is ASCII and at most `MAX_LENGTH` bytes, else undefined. */
export function shortAscii(data: Uint8Array, start: number, end: number): string | undefined {
  const length = end - start;
  if (length > MAX_LENGTH) return undefined;
  // FNV-1a.
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    const c = data[i] as number;
    if (c >= 0x80) return undefined;
    hash = Math.imul(hash ^ c, 0x01000193);
  }
  const slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
  const cached = slots[slot] as string;
  if (cached.length === length) {
    let i = 0;
    while (i < length && cached.charCodeAt(i) === data[start + i]) i++;
    if (i === length) return cached;
  }
  let out = '';
  for (let i = start; i < end; i++) out += String.fromCharCode(data[i] as number);
  slots[slot] = out;
  return out;
}
