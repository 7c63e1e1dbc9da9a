/**
 * The `tzinfo` of a pickled datetime, read as data. Python stores an aware datetime as its
 * *local* wall time plus a tzinfo object, so turning it into a `Date` (an instant) needs the
 * UTC offset:
 *
 * - `datetime.timezone(timedelta)` (this includes `timezone.utc`): the fixed offset.
 * - `pytz._UTC()`: zero. `pytz._p(zone, utcoffset, dst, tzname)`: pytz records the offset that
 *   applied to this very datetime, so that offset is used as is. `pytz._p(zone)`: by zone name.
 * - `zoneinfo.ZoneInfo._unpickle(key, ...)`: by zone name, through the ICU data built into
 *   Node (`Intl`), honouring `fold` for repeated wall times.
 * - No tzinfo (a naive datetime), an unknown tzinfo object, or a zone name `Intl` does not know:
 *   the wall time is taken as UTC. Celery 5.2/5.3 store naive UTC (`datetime.utcnow()`), which
 *   is why this is the default.
 */
import { utcFromFields } from '@resultkit/core';

import { PyCall, PyGlobal } from './python-objects.js';
import { PyTimedelta } from './values.js';

export type TzInfo =
  | { readonly kind: 'offset'; readonly seconds: number }
  | { readonly kind: 'zone'; readonly zone: string }
  | { readonly kind: 'none' };

const NONE: TzInfo = { kind: 'none' };

/** Interprets the intermediate value found in a datetime's tzinfo slot. */
export function readTzinfo(tz: unknown): TzInfo {
  if (tz === null || tz === undefined) return NONE;
  if (tz instanceof PyGlobal) {
    // A global that *is* a UTC singleton (e.g. written by hand as `datetime timezone.utc`).
    if (tz.module === 'datetime' && tz.name === 'timezone.utc') return { kind: 'offset', seconds: 0 };
    if (tz.module === 'pytz' && (tz.name === 'utc' || tz.name === 'UTC')) return { kind: 'offset', seconds: 0 };
    return NONE;
  }
  if (!(tz instanceof PyCall)) return NONE;
  const [first, second] = tz.args;
  switch (tz.kind) {
    case 'timezone':
      return first instanceof PyTimedelta ? { kind: 'offset', seconds: first.totalSeconds() } : NONE;
    case 'pytz-utc':
      return { kind: 'offset', seconds: 0 };
    case 'pytz-zone':
      if (typeof second === 'number' && Number.isInteger(second)) return { kind: 'offset', seconds: second };
      return typeof first === 'string' ? { kind: 'zone', zone: first } : NONE;
    case 'zoneinfo':
      return typeof first === 'string' ? { kind: 'zone', zone: first } : NONE;
    default:
      return NONE;
  }
}

// Intl.DateTimeFormat is costly to build, and zone names come from untrusted input: keep a
// small cache and evict the oldest entry beyond it.
const FORMATTERS = new Map<string, Intl.DateTimeFormat | null>();
const MAX_FORMATTERS = 64;

function formatterFor(zone: string): Intl.DateTimeFormat | null {
  let formatter = FORMATTERS.get(zone);
  if (formatter !== undefined) return formatter;
  try {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
  } catch {
    formatter = null; // Not a zone ICU knows.
  }
  if (FORMATTERS.size >= MAX_FORMATTERS) {
    const oldest = FORMATTERS.keys().next();
    if (!oldest.done) FORMATTERS.delete(oldest.value);
  }
  FORMATTERS.set(zone, formatter);
  return formatter;
}

/** The zone's UTC offset in milliseconds at the instant `utcMs` (whole seconds). */
function offsetAt(formatter: Intl.DateTimeFormat, utcMs: number): number {
  const parts: Record<string, string> = {};
  for (const part of formatter.formatToParts(new Date(utcMs))) parts[part.type] = part.value;
  let year = Number(parts.year);
  if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
  const wall = utcFromFields(year, Number(parts.month), Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second), 0);
  const seconds = Math.floor(utcMs / 1000) * 1000;
  return wall - seconds;
}

const DAY_MS = 86_400_000;

/**
 * The instant of a wall time (given as milliseconds with UTC fields) in `zone`, or undefined
 * when `Intl` does not know the zone. Ambiguous wall times (a clock set back) take the earlier
 * instant for `fold = 0` and the later for `fold = 1`; wall times in a gap (a clock set
 * forward) use the offset before the gap for `fold = 0` and after it for `fold = 1`, as
 * Python's zoneinfo does.
 */
export function zonedWallTimeToUtc(wallMs: number, zone: string, fold: number): number | undefined {
  const formatter = formatterFor(zone);
  if (!formatter) return undefined;
  // The offsets a day either side bracket any single transition near this wall time.
  const before = offsetAt(formatter, wallMs - DAY_MS);
  const after = offsetAt(formatter, wallMs + DAY_MS);
  const early = wallMs - before;
  const late = wallMs - after;
  const earlyValid = offsetAt(formatter, early) === before;
  const lateValid = offsetAt(formatter, late) === after;
  if (earlyValid && lateValid) return fold ? Math.max(early, late) : Math.min(early, late);
  if (earlyValid) return early;
  if (lateValid) return late;
  return fold ? late : early;
}
