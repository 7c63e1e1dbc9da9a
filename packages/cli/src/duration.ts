import { UsageError } from './usage-error.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400, w: 604_800 };

/** `90s`, `15m`, `12h`, `7d`, `2w`, `1d12h` or a plain number of seconds, as seconds. */
export function parseDuration(text: string, option: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return positive(Number(trimmed), text, option);
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)([smhdw])/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== trimmed) {
    throw new UsageError(`${option} takes a duration such as 90s, 15m, 12h, 7d or 2w, got "${text}".`);
  }
  return positive(parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_SECONDS[p[2]!]!, 0), text, option);
}

/** A whole number at least `min`, for counts and sizes given on the command line. */
export function parseCount(text: string, option: string, min = 1): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`${option} takes a whole number of at least ${min}, got "${text}".`);
  return value;
}

function positive(seconds: number, text: string, option: string): number {
  if (!(seconds > 0)) throw new UsageError(`${option} must be longer than zero, got "${text}".`);
  return seconds;
}
