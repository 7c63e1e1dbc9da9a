import { DecodeError } from './errors.js';
import { utcFromFields } from './utc-fields.js';

/**
 * `date_done` as every Celery version reads it correctly: exactly six fractional digits and an
 * explicit `+00:00`. Never `Date.toISOString()`: Celery 5.2 reads `.678Z` as 678 microseconds.
 */
export function formatDateDone(date: Date): string {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('date_done must be a valid Date');
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ (UTC)
  return `${iso.slice(0, 23)}000+00:00`;
}

// Accepts naive, `Z` and `±HH:MM` / `±HHMM` shapes, a `T` or a space between date and time,
// and any number of fractional digits (Celery 5.2–5.6, SQL drivers).
const ISO_DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses a stored `date_done` in any shape Celery writes. A naive value is UTC (Celery 5.2/5.3
 * wrote naive UTC). Returns a `Date` (millisecond precision); throws `DecodeError` on garbage.
 */
export function parseDateDone(text: string): Date {
  const m = ISO_DATETIME.exec(text.trim());
  if (!m) throw new DecodeError(`date_done is not an ISO-8601 date: ${JSON.stringify(text.slice(0, 64))}`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', tz] = m;
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  let t = utcFromFields(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), ms);
  if (tz && tz !== 'Z' && tz !== 'z') {
    const sign = tz[0] === '-' ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
    t -= sign * offsetMinutes * 60_000;
  }
  if (!Number.isFinite(t)) throw new DecodeError(`date_done is out of range: ${JSON.stringify(text.slice(0, 64))}`);
  return new Date(t);
}
