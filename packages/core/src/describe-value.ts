/**
 * What a malformed field holds, for the messages of `DecodeError`s: its kind and, when it is
 * short, its value (`a number (5)`, `a string ("")`, `a list of 3 items`). A message that only
 * says a field is wrong sends the reader to look at the stored bytes; this says what is there.
 */
const MAX_SHOWN = 40;

export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (value instanceof Uint8Array) return `raw bytes (${value.length})`;
  switch (typeof value) {
    case 'string':
      return value.length <= MAX_SHOWN ? `a string (${JSON.stringify(value)})` : `a string of ${value.length} characters`;
    case 'number':
    case 'boolean':
      return `a ${typeof value} (${String(value)})`;
    case 'bigint':
      return 'an integer beyond 2^53';
    case 'object':
      return value instanceof Date ? 'a datetime' : 'a map';
    default:
      return `a ${typeof value}`;
  }
}
