import { describe, expect, it } from 'vitest';
import { daysInMonth, DecodeError, formatDateDone, parseDateDone, PyDatetime, utcFromFields } from '../src/index.js';
import { dateDoneMicros } from '../src/migrate/compare-documents.js';

describe('date_done', () => {
  it('is written with six fractional digits and +00:00, never Z', () => {
    expect(formatDateDone(new Date(Date.UTC(2026, 10, 23, 19, 38, 53, 971)))).toBe('2026-11-23T19:38:53.971000+00:00');
    expect(formatDateDone(new Date(Date.UTC(2026, 0, 1, 0, 0, 0, 0)))).toBe('2026-01-01T00:00:00.000000+00:00');
  });

  it.each([
    ['2026-11-23T19:38:53.971539', Date.UTC(2026, 10, 23, 19, 38, 53, 971)], // 5.2/5.3: naive UTC
    ['2026-11-23T19:41:35.434740+00:00', Date.UTC(2026, 10, 23, 19, 41, 35, 434)], // 5.4
    ['2026-11-23T20:42:23.239083+01:00', Date.UTC(2026, 10, 23, 19, 42, 23, 239)], // 5.5, Europe/Berlin
    ['2026-11-23T19:38:53+00:00', Date.UTC(2026, 10, 23, 19, 38, 53)], // isoformat() drops .000000
    ['2024-01-02T03:04:05.678Z', Date.UTC(2024, 0, 2, 3, 4, 5, 678)], // JavaScript writers
    ['2024-01-02 03:04:05.1234567', Date.UTC(2024, 0, 2, 3, 4, 5, 123)], // SQL text, 7 digits
    ['2024-01-02T03:04:05-05:30', Date.UTC(2024, 0, 2, 8, 34, 5)],
  ])('reads %s', (text, expected) => {
    expect(parseDateDone(text).getTime()).toBe(expected);
  });

  // Date.UTC maps the years 0-99 to 1900-1999; Python's datetimes start at year 1.
  it.each([
    ['0050-03-04T05:06:07.891000+00:00', '0050-03-04T05:06:07.891Z'],
    ['0001-01-01T00:00:00', '0001-01-01T00:00:00.000Z'],
    ['0099-12-31 23:59:59.999999', '0099-12-31T23:59:59.999Z'],
    ['0004-02-29T00:00:00Z', '0004-02-29T00:00:00.000Z'], // year 4 is a leap year, 1904 too, 1900 is not
    ['0100-01-01T00:30:00+01:00', '0099-12-31T23:30:00.000Z'], // the offset moves it into year 99
  ])('reads %s in its own year', (text, iso) => {
    expect(parseDateDone(text).toISOString()).toBe(iso);
  });

  it('writes and reads back a date_done in the year 50', () => {
    const date = parseDateDone('0050-06-07T08:09:10.111+00:00');
    expect(formatDateDone(date)).toBe('0050-06-07T08:09:10.111000+00:00');
    expect(parseDateDone(formatDateDone(date)).getTime()).toBe(date.getTime());
  });

  it('an exact PyDatetime in the years 1 to 99 is the instant of that year, with or without microseconds and offset', () => {
    expect(new PyDatetime('0050-03-04T05:06:07.891234', null).toDate().toISOString()).toBe('0050-03-04T05:06:07.891Z');
    expect(new PyDatetime('0050-03-04T05:06:07+01:00', 3600).toDate().toISOString()).toBe('0050-03-04T04:06:07.000Z');
    expect(new PyDatetime('2024-01-02T03:04:05-05:30', -19_800).toDate().toISOString()).toBe('2024-01-02T08:34:05.000Z');
    expect(Number.isNaN(new PyDatetime('not a datetime', null).toDate().getTime())).toBe(true);
  });

  it('migration compares a date_done in the years 1 to 99 to the microsecond in its own year', () => {
    expect(dateDoneMicros('0050-03-04T05:06:07.891234')).toBe(BigInt(Date.parse('0050-03-04T05:06:07Z')) * 1000n + 891_234n);
    expect(dateDoneMicros('0050-03-04T06:06:07.891234+01:00')).toBe(dateDoneMicros('0050-03-04T05:06:07.891234'));
  });

  it('refuses garbage with a DecodeError', () => {
    expect(() => parseDateDone('yesterday')).toThrow(DecodeError);
    expect(() => parseDateDone('2024-13-45T99:99:99')).not.toThrow(TypeError);
  });
});

describe('the calendar helpers codecs share', () => {
  it('daysInMonth follows the proleptic Gregorian calendar, as Python\'s datetime', () => {
    expect([1900, 2000, 2024, 2026, 4].map((year) => daysInMonth(year, 2))).toEqual([28, 29, 29, 28, 29]);
    // The day before the first of the next month, for every month of years 1 to 9999 sampled.
    for (const year of [1, 99, 100, 400, 1582, 1970, 2100, 9999]) {
      for (let month = 1; month <= 12; month++) {
        const lastDay = new Date(utcFromFields(year, month + 1, 1) - 86_400_000).getUTCDate();
        expect(daysInMonth(year, month), `${year}-${month}`).toBe(lastDay);
      }
    }
  });
});
