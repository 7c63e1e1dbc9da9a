import { ConfigurationError } from '@resultkit/core';

/** zlib's scale, shared by zlib streams and gzip files: 0 (stored) to 9 (smallest). */
export type DeflateLevel = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

/** Python's `zlib.compress` default, so values are the size a Celery worker would write. */
export const DEFAULT_LEVEL: DeflateLevel = 6;

export function deflateLevel(level: number | undefined, fallback: DeflateLevel): DeflateLevel {
  if (level === undefined) return fallback;
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new ConfigurationError(`A gzip/zlib compression level is a whole number from 0 to 9, got ${String(level)}.`);
  }
  return level as DeflateLevel;
}
