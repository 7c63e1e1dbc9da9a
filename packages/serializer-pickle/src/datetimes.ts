/**
 * `datetime` module values and their pickled state. CPython pickles `datetime`, `date` and
 * `time` as the class plus a packed byte string (and the tzinfo, if any):
 *
 *   datetime: year_hi year_lo month day hour minute second us_hi us_mid us_lo   (10 bytes)
 *   date:     year_hi year_lo month day                                         (4 bytes)
 *   time:     hour minute second us_hi us_mid us_lo                             (6 bytes)
 *
 * The top bit of `month` (datetime) or `hour` (time) is `fold`. `timedelta` is pickled as
 * `(days, seconds, microseconds)`. Protocols 0-2 carry the state as a Latin-1 `str` instead of
 * `bytes`, so both are accepted.
 */
import { daysInMonth, DecodeError, PyDate, PyDatetime, PyTime, utcFromFields } from '@resultkit/core';

import { encodeLatin1 } from './text.js';
import { readTzinfo, zonedWallTimeToUtc, type TzInfo } from './timezones.js';
import { PyTimedelta } from './values.js';

function stateBytes(value: unknown, size: number): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value.length === size ? value : undefined;
  if (typeof value === 'string' && value.length === size) return encodeLatin1(value);
  return undefined;
}

function int(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  throw new DecodeError(`Corrupt pickle: ${what} must be an integer.`);
}

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  microsecond: number;
  fold: number;
}

function checkDate(f: Pick<Fields, 'year' | 'month' | 'day'>, what: string): void {
  if (f.year < 1 || f.year > 9999 || f.month < 1 || f.month > 12 || f.day < 1 || f.day > daysInMonth(f.year, f.month)) {
    throw new DecodeError(`Corrupt pickle: ${what} has an invalid date ${f.year}-${f.month}-${f.day}.`);
  }
}

function checkTime(f: Pick<Fields, 'hour' | 'minute' | 'second' | 'microsecond'>, what: string): void {
  if (f.hour > 23 || f.minute > 59 || f.second > 59 || f.microsecond > 999_999 || Math.min(f.hour, f.minute, f.second, f.microsecond) < 0) {
    throw new DecodeError(`Corrupt pickle: ${what} has an invalid time of day.`);
  }
}

/** `datetime.datetime(...)` → `Date`. Microseconds are truncated to milliseconds. */
export function datetimeFromArgs(args: readonly unknown[]): Date {
  const { fields, tz } = datetimeFields(args);
  return new Date(toUtcMs(fields, tz));
}

/**
 * `datetime.datetime(...)` → `PyDatetime`, as Python's `isoformat()` prints it: microseconds
 * and the offset kept. A named zone (zoneinfo, pytz) is kept as its offset at that instant.
 */
export function exactDatetimeFromArgs(args: readonly unknown[]): PyDatetime {
  const { fields: f, tz } = datetimeFields(args);
  let iso = `${pad(f.year, 4)}-${pad(f.month)}-${pad(f.day)}T${pad(f.hour)}:${pad(f.minute)}:${pad(f.second)}`;
  if (f.microsecond) iso += `.${pad(f.microsecond, 6)}`;
  if (tz.kind === 'none') return new PyDatetime(iso, null);
  const wall = utcFromFields(f.year, f.month, f.day, f.hour, f.minute, f.second, Math.floor(f.microsecond / 1000));
  const offset = tz.kind === 'offset' ? tz.seconds : (wall - toUtcMs(f, tz)) / 1000;
  return new PyDatetime(iso + formatOffset(offset), offset);
}

function datetimeFields(args: readonly unknown[]): { fields: Fields; tz: TzInfo } {
  const what = 'a datetime.datetime';
  let fields: Fields;
  let tz: unknown;
  const state = stateBytes(args[0], 10);
  if (state) {
    fields = {
      year: (state[0] as number) * 256 + (state[1] as number),
      month: (state[2] as number) & 0x7f,
      day: state[3] as number,
      hour: state[4] as number,
      minute: state[5] as number,
      second: state[6] as number,
      microsecond: ((state[7] as number) << 16) | ((state[8] as number) << 8) | (state[9] as number),
      fold: (state[2] as number) >> 7,
    };
    tz = args[1];
  } else {
    // A direct constructor call: datetime(year, month, day[, hour[, minute[, second[, us[, tzinfo]]]]]).
    if (args.length < 3) throw new DecodeError(`Corrupt pickle: ${what} needs its state or (year, month, day).`);
    fields = {
      year: int(args[0], 'year'),
      month: int(args[1], 'month'),
      day: int(args[2], 'day'),
      hour: int(args[3] ?? 0, 'hour'),
      minute: int(args[4] ?? 0, 'minute'),
      second: int(args[5] ?? 0, 'second'),
      microsecond: int(args[6] ?? 0, 'microsecond'),
      fold: 0,
    };
    tz = args[7];
  }
  checkDate(fields, what);
  checkTime(fields, what);
  return { fields, tz: readTzinfo(tz) };
}

function toUtcMs(f: Fields, tz: TzInfo): number {
  const wall = utcFromFields(f.year, f.month, f.day, f.hour, f.minute, f.second, Math.floor(f.microsecond / 1000));
  if (tz.kind === 'offset') return wall - Math.round(tz.seconds * 1000);
  if (tz.kind === 'zone') return zonedWallTimeToUtc(wall, tz.zone, f.fold) ?? wall;
  return wall;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `datetime.date(...)` → `PyDate` (`YYYY-MM-DD`). */
export function dateFromArgs(args: readonly unknown[]): PyDate {
  const what = 'a datetime.date';
  const state = stateBytes(args[0], 4);
  const f = state
    ? { year: (state[0] as number) * 256 + (state[1] as number), month: state[2] as number, day: state[3] as number }
    : { year: int(args[0], 'year'), month: int(args[1], 'month'), day: int(args[2], 'day') };
  checkDate(f, what);
  return new PyDate(`${pad(f.year, 4)}-${pad(f.month)}-${pad(f.day)}`);
}

/** `datetime.time(...)` → `PyTime` holding Python's `isoformat()`, with the offset when it is fixed. */
export function timeFromArgs(args: readonly unknown[]): PyTime {
  const what = 'a datetime.time';
  const state = stateBytes(args[0], 6);
  let f: Pick<Fields, 'hour' | 'minute' | 'second' | 'microsecond'>;
  let tz: unknown;
  if (state) {
    f = {
      hour: (state[0] as number) & 0x7f,
      minute: state[1] as number,
      second: state[2] as number,
      microsecond: ((state[3] as number) << 16) | ((state[4] as number) << 8) | (state[5] as number),
    };
    tz = args[1];
  } else {
    f = {
      hour: int(args[0] ?? 0, 'hour'),
      minute: int(args[1] ?? 0, 'minute'),
      second: int(args[2] ?? 0, 'second'),
      microsecond: int(args[3] ?? 0, 'microsecond'),
    };
    tz = args[4];
  }
  checkTime(f, what);
  let iso = `${pad(f.hour)}:${pad(f.minute)}:${pad(f.second)}`;
  if (f.microsecond) iso += `.${pad(f.microsecond, 6)}`;
  // A time has no date, so only a fixed offset is meaningful (Python's utcoffset() agrees).
  const info = readTzinfo(tz);
  if (info.kind === 'offset') iso += formatOffset(info.seconds);
  return new PyTime(iso);
}

/** Python's `+HH:MM[:SS[.ffffff]]` rendering of a UTC offset. */
export function formatOffset(totalSeconds: number): string {
  const sign = totalSeconds < 0 ? '-' : '+';
  const micros = Math.round(Math.abs(totalSeconds) * 1_000_000);
  const seconds = Math.floor(micros / 1_000_000);
  const us = micros % 1_000_000;
  let out = `${sign}${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}`;
  if (seconds % 60 || us) out += `:${pad(seconds % 60)}`;
  if (us) out += `.${pad(us, 6)}`;
  return out;
}

/** `datetime.timedelta(days, seconds, microseconds)` → `PyTimedelta`. */
export function timedeltaFromArgs(args: readonly unknown[]): PyTimedelta {
  const [days = 0, seconds = 0, microseconds = 0] = args;
  const d = int(days, 'timedelta days');
  const s = int(seconds, 'timedelta seconds');
  const us = int(microseconds, 'timedelta microseconds');
  try {
    return new PyTimedelta(d, s, us);
  } catch (error) {
    throw new DecodeError(`Corrupt pickle: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

// ---------------------------------------------------------------------------------------------
// Writing: the same states, from JavaScript values.

/** The 10-byte state of the UTC datetime for `date` (milliseconds become microseconds). */
export function datetimeState(date: Date): Uint8Array {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new TypeError('Cannot pickle an invalid Date.');
  const year = date.getUTCFullYear();
  if (year < 1 || year > 9999) throw new RangeError(`Python datetimes hold years 1 to 9999; got ${year}.`);
  const us = date.getUTCMilliseconds() * 1000;
  return Uint8Array.of(
    year >> 8,
    year & 0xff,
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
    us >> 16,
    (us >> 8) & 0xff,
    us & 0xff,
  );
}

/** The 4-byte state of a `PyDate`. */
export function dateState(value: PyDate): Uint8Array {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.iso);
  if (!match) throw new TypeError(`Cannot pickle PyDate "${value.iso}": expected YYYY-MM-DD.`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new RangeError(`Cannot pickle PyDate "${value.iso}": not a valid date.`);
  }
  return Uint8Array.of(year >> 8, year & 0xff, month, day);
}

/** The 6-byte state of a `PyTime` and its UTC offset in seconds (null when naive). */
export function timeState(value: PyTime): { state: Uint8Array; offset: PyTimedelta | null } {
  const match = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(?:(Z)|([+-])(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/.exec(value.iso);
  if (!match) throw new TypeError(`Cannot pickle PyTime "${value.iso}": expected HH:MM[:SS[.ffffff]][+HH:MM].`);
  const hour = Number(match[1]);
  const minute = Number(match[2]);
  const second = Number(match[3] ?? 0);
  const us = Number((match[4] ?? '').padEnd(6, '0'));
  if (hour > 23 || minute > 59 || second > 59) throw new RangeError(`Cannot pickle PyTime "${value.iso}": not a valid time.`);
  let offset: PyTimedelta | null = null;
  if (match[5]) {
    offset = new PyTimedelta(0, 0, 0);
  } else if (match[6]) {
    const sign = match[6] === '-' ? -1 : 1;
    const seconds = Number(match[7]) * 3600 + Number(match[8]) * 60 + Number(match[9] ?? 0);
    const micros = Number((match[10] ?? '').padEnd(6, '0'));
    if (seconds >= 86_400) throw new RangeError(`Cannot pickle PyTime "${value.iso}": the offset must be under 24 hours.`);
    offset = new PyTimedelta(0, sign * seconds, sign * micros);
  }
  return { state: Uint8Array.of(hour, minute, second, us >> 16, (us >> 8) & 0xff, us & 0xff), offset };
}

/** The 10-byte state of a `PyDatetime` and its UTC offset (null when it is naive). */
export function exactDatetimeState(value: PyDatetime): { state: Uint8Array; offset: PyTimedelta | null } {
  const iso = value.iso;
  if (iso[10] !== 'T') throw new TypeError(`Cannot pickle PyDatetime "${iso}": expected YYYY-MM-DDTHH:MM:SS[.ffffff][+HH:MM].`);
  // The date and the time of day (with its offset) are pickled as `date` and `time` states are.
  const date = dateState(new PyDate(iso.slice(0, 10)));
  const time = timeState(new PyTime(iso.slice(11)));
  const state = new Uint8Array(10);
  state.set(date, 0);
  state.set(time.state, 4);
  return { state, offset: time.offset };
}
