import { inspect } from 'node:util';

/**
 * Where `secret` shows in `error`, or null when it shows nowhere: its message and stack, every
 * property (enumerable or not) down the whole `cause` chain, and what `util.inspect` (what
 * `console.error` prints) and `JSON.stringify` make of it. For the tests that prove no backend
 * error ever carries a password.
 */
export function findSecret(error: unknown, secret: string): string | null {
  const shown = [
    ['util.inspect', inspect(error, { depth: Infinity, showHidden: true })],
    ['JSON.stringify', safeJson(error)],
    ['String()', String(error)],
  ] as const;
  for (const [how, text] of shown) if (text.includes(secret)) return how;
  return walk(error, secret, 'error', new Set());
}

function walk(value: unknown, secret: string, path: string, seen: Set<unknown>): string | null {
  if (typeof value === 'string') return value.includes(secret) ? path : null;
  if (typeof value !== 'object' || value === null || seen.has(value)) return null;
  seen.add(value);
  for (const key of Reflect.ownKeys(value)) {
    let child: unknown;
    try {
      child = (value as Record<PropertyKey, unknown>)[key];
    } catch {
      continue;
    }
    const found = walk(child, secret, `${path}.${String(key)}`, seen);
    if (found) return found;
  }
  return null;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}
