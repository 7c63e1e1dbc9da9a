/**
 * Milliseconds since the epoch of a UTC wall time given as fields (month 1–12). Unlike
 * `Date.UTC`, which reads the years 0–99 as 1900–1999, every year stays as given: Python's
 * datetimes start at year 1, and `0050-01-01` must not come back as 1950.
 */
export function utcFromFields(
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
  millisecond = 0,
): number {
  // Date.UTC is the fast way and right from year 100 on.
  if (year >= 100) return Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millisecond);
  return date.getTime();
}

/**
 * Days in `month` (1–12) of `year` in the proleptic Gregorian calendar, Python's `datetime`
 * calendar: for checking a date's fields before `utcFromFields`, which would roll February 30
 * over into March.
 */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
