import { DecodeError } from './errors.js';
import { daysInMonth, utcFromFields } from './utc-fields.js';

/**
 * `date_done` as every Celery version reads it correctly: exactly six fractional digits and an
 * explicit `+00:00`. Never `Date.toISOString()`: Celery 5.2 reads `.678Z` as 678 microseconds.
 */
export function formatDateDone(date: Date): string {
  const ms = date.getTime();
  // Every result stored in the same millisecond has the same text: under load that is most of
  // them, and formatting showed in the profile of a store.
  if (ms === lastFormatted.ms) return lastFormatted.text;
  if (!Number.isFinite(ms)) throw new RangeError('date_done must be a valid Date');
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ (UTC)
  const text = `${iso.slice(0, 23)}000+00:00`;
  lastFormatted = { ms, text };
  return text;
}

let lastFormatted = { ms: Number.NaN, text: '' };

// Accepts naive, `Z` and `±HH:MM` / `±HHMM` shapes, a `T` or a space between date and time,
// and any number of fractional digits (Celery 5.2–5.6, SQL drivers).
const ISO_DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses a stored `date_done` in any shape Celery writes. A naive value is UTC (Celery 5.2/5.3
 * wrote naive UTC). Returns a `Date` (millisecond precision); throws `DecodeError` on garbage,
 * and on a field out of Python's range (month 13, February 30, hour 24, an offset of a day or
 * more, year 0): Celery's `parse_iso8601` refuses those too, where `Date.UTC` would silently
 * roll them over into another instant.
 */
export function parseDateDone(text: string): Date {
  const ms = parseCommonShape(text);
  if (ms !== undefined) return new Date(ms);
  const m = ISO_DATETIME.exec(text.trim());
  if (!m) throw new DecodeError(`date_done is not an ISO-8601 date: ${JSON.stringify(text.slice(0, 64))}`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', tz] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  let offsetMinutes = 0;
  let offsetValid = true;
  if (tz && tz !== 'Z' && tz !== 'z') {
    const sign = tz[0] === '-' ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    const [offsetHours, offsetMins] = [Number(digits.slice(0, 2)), Number(digits.slice(2, 4) || '0')];
    offsetValid = offsetHours < 24 && offsetMins < 60;
    offsetMinutes = sign * (offsetHours * 60 + offsetMins);
  }
  const fieldsValid =
    year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour < 24 && minute < 60 && second < 60;
  if (!fieldsValid || !offsetValid) {
    throw new DecodeError(`date_done has a field out of range: ${JSON.stringify(text.slice(0, 64))}`);
  }
  const millis = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  return new Date(utcFromFields(year, month, day, hour, minute, second, millis) - offsetMinutes * 60_000);
}

/**
 * The shapes Celery and resultkit write, read without the regular expression (which, with its
 * captures and the numbers made from them, was a tenth of a Redis `getTaskMeta`'s CPU time):
 * `YYYY-MM-DDTHH:MM:SS` (or a space for the `T`, as SQL drivers and SQLAlchemy's SQLite text
 * write it), optionally `.` and fractional digits, then nothing (naive UTC), `Z` or `+00:00`.
 * Returns the time in milliseconds, or `undefined` for anything else, a field out of range
 * included, which `parseDateDone` then reads (or refuses) the general way.
 */
function parseCommonShape(text: string): number | undefined {
  const n = text.length;
  if (
    n < 19 ||
    text.charCodeAt(4) !== 0x2d || // -
    text.charCodeAt(7) !== 0x2d ||
    (text.charCodeAt(10) !== 0x54 && text.charCodeAt(10) !== 0x20) || // T, or a space (SQL drivers)
    text.charCodeAt(13) !== 0x3a || // :
    text.charCodeAt(16) !== 0x3a
  ) {
    return undefined;
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  if (day > daysInMonth(year, month)) return undefined;
  let i = 19;
  let millis = 0;
  if (i < n && text.charCodeAt(i) === 0x2e) {
    // Milliseconds are the first three fractional digits (fewer are padded); the rest are
    // dropped, as the general path's floor does.
    const start = ++i;
    while (i < n && isDigit(text.charCodeAt(i))) {
      if (i - start < 3) millis = millis * 10 + (text.charCodeAt(i) - 0x30);
      i++;
    }
    if (i === start) return undefined;
    for (let k = i - start; k < 3; k++) millis *= 10;
  }
  if (i !== n && !(i + 1 === n && text.charCodeAt(i) === 0x5a) && text.slice(i) !== '+00:00') return undefined;
  return utcFromFields(year, month, day, hour, minute, second, millis);
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** The number written by `length` ASCII digits at `start`, or -1 when one is not a digit. */
function digits(text: string, start: number, length: number): number {
  let value = 0;
  for (let i = start; i < start + length; i++) {
    const code = text.charCodeAt(i);
    if (!isDigit(code)) return -1;
    value = value * 10 + (code - 0x30);
  }
  return value;
}
