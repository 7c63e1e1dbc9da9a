/**
 * `date_done` strings as any writer (or a corrupted store) may leave them: every string is a
 * valid `Date` or a `DecodeError`; the fields are read exactly as Python's `datetime` reads them,
 * with anything out of its range refused rather than rolled over into another instant.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, formatDateDone, parseDateDone } from '../src/index.js';

/**
 * The time `read` takes, in ms: a second try when the first was slow, so that a garbage
 * collection during one call is not taken for a slow parse.
 */
function fastestOfTwo(read: () => unknown): number {
  const once = (): number => {
    const started = performance.now();
    try {
      read();
    } catch {
      // Refusing is as good as reading here; only the time is measured.
    }
    return performance.now() - started;
  };
  const first = once();
  return first < 100 ? first : Math.min(first, once());
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** What `parseDateDone` must return: the instant, or null where Python's datetime refuses a field. */
function expectedInstant(f: Fields): number | null {
  const leap = (f.year % 4 === 0 && f.year % 100 !== 0) || f.year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][f.month - 1];
  const valid =
    f.year >= 1 && days !== undefined && f.day >= 1 && f.day <= days && f.hour < 24 && f.minute < 60 && f.second < 60 && f.offsetHours < 24 && f.offsetMinutes < 60;
  if (!valid) return null;
  const wall = new Date(0);
  wall.setUTCFullYear(f.year, f.month - 1, f.day);
  wall.setUTCHours(f.hour, f.minute, f.second, Math.floor(f.micros / 1000));
  return wall.getTime() - f.offsetSign * (f.offsetHours * 60 + f.offsetMinutes) * 60_000;
}

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  micros: number;
  offsetSign: 1 | -1;
  offsetHours: number;
  offsetMinutes: number;
  separator: 'T' | ' ';
  zone: 'naive' | 'Z' | 'offset';
}

const fields: fc.Arbitrary<Fields> = fc.record({
  year: fc.integer({ min: 0, max: 9999 }),
  month: fc.integer({ min: 0, max: 99 }),
  day: fc.integer({ min: 0, max: 99 }),
  hour: fc.integer({ min: 0, max: 99 }),
  minute: fc.integer({ min: 0, max: 99 }),
  second: fc.integer({ min: 0, max: 99 }),
  micros: fc.integer({ min: 0, max: 999_999 }),
  offsetSign: fc.constantFrom(1 as const, -1 as const),
  offsetHours: fc.integer({ min: 0, max: 99 }),
  offsetMinutes: fc.integer({ min: 0, max: 99 }),
  separator: fc.constantFrom('T' as const, ' ' as const),
  zone: fc.constantFrom('naive' as const, 'Z' as const, 'offset' as const),
});

function format(f: Fields): string {
  const date = `${pad(f.year, 4)}-${pad(f.month, 2)}-${pad(f.day, 2)}`;
  const time = `${pad(f.hour, 2)}:${pad(f.minute, 2)}:${pad(f.second, 2)}.${pad(f.micros, 6)}`;
  const zone = f.zone === 'naive' ? '' : f.zone === 'Z' ? 'Z' : `${f.offsetSign < 0 ? '-' : '+'}${pad(f.offsetHours, 2)}:${pad(f.offsetMinutes, 2)}`;
  return `${date}${f.separator}${time}${zone}`;
}

describe('date_done strings, fuzzed', () => {
  it('read field by field as Python reads them: the same instant, or a DecodeError for a field out of range', () => {
    fc.assert(
      fc.property(fields, (f) => {
        const normalized = f.zone === 'offset' ? f : { ...f, offsetHours: 0, offsetMinutes: 0 };
        const expected = expectedInstant(normalized);
        const text = format(f);
        if (expected === null) expect(() => parseDateDone(text), text).toThrow(DecodeError);
        else expect(parseDateDone(text).getTime(), text).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('the shapes read without the regular expression (T or a space, any number of fractional digits, naive, Z or +00:00) give the same instant', () => {
    const shapes = fc.record({
      date: fc.date({ min: new Date('0001-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }),
      separator: fc.constantFrom('T', ' '),
      fraction: fc.stringMatching(/^[0-9]{0,9}$/),
      zone: fc.constantFrom('', 'Z', '+00:00', '+0000', ' +00:00', '-00:00'),
    });
    fc.assert(
      fc.property(shapes, ({ date, separator, fraction, zone }) => {
        const iso = date.toISOString();
        const text = `${iso.slice(0, 10)}${separator}${iso.slice(11, 19)}${fraction ? `.${fraction}` : ''}${zone}`;
        const millis = fraction ? Number(fraction.slice(0, 3).padEnd(3, '0')) : 0;
        expect(parseDateDone(text).getTime(), text).toBe(Math.floor(date.getTime() / 1000) * 1000 + millis);
      }),
      { numRuns: 3000 },
    );
    // A dot with no digits is not a date in either path.
    expect(() => parseDateDone('2026-12-05T06:00:00.+00:00')).toThrow(DecodeError);
  });

  it('what formatDateDone writes reads back as the same instant, for every year Python has', () => {
    const dates = fc.date({ min: new Date('0001-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true });
    fc.assert(
      fc.property(dates, (date) => {
        expect(parseDateDone(formatDateDone(date)).getTime()).toBe(date.getTime());
      }),
      { numRuns: 2000 },
    );
  });

  it('any string, and any mutation of a valid one, is a valid Date or a DecodeError, quickly', () => {
    const valid = fc.date({ min: new Date('0001-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }).map(formatDateDone);
    const mutated = fc
      .tuple(valid, fc.nat(), fc.string({ unit: 'binary', maxLength: 3 }), fc.nat(3))
      .map(([text, at, insert, drop]) => text.slice(0, at % (text.length + 1)) + insert + text.slice((at % (text.length + 1)) + drop));
    const long = fc.tuple(fc.constantFrom('2024-01-01T00:00:00.', '2024-01-01 ', ' '), fc.nat(20_000)).map(([head, n]) => head + '1'.repeat(n) + ' ');
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), mutated, long), (text) => {
        try {
          expect(Number.isNaN(parseDateDone(text).getTime())).toBe(false);
        } catch (error) {
          expect(error).toBeInstanceOf(DecodeError);
          expect((error as Error).message.length).toBeLessThan(200);
        }
        expect(fastestOfTwo(() => parseDateDone(text))).toBeLessThan(250);
      }),
      { numRuns: 1000 },
    );
  });

  it('two-digit and one-digit years are years 1-99, not 1900-1999', () => {
    expect(parseDateDone('0050-06-01T00:00:00+00:00').getUTCFullYear()).toBe(50);
    expect(parseDateDone('0001-01-01T00:00:00').toISOString()).toBe('0001-01-01T00:00:00.000Z');
  });

  it.each(['2024-13-01T00:00:00', '2023-02-29T00:00:00', '2024-01-01T24:00:00', '2024-01-01T00:60:00', '2024-01-01T00:00:60', '2024-01-01T00:00:00+24:00', '0000-01-01T00:00:00'])(
    '%s is a DecodeError, not another instant',
    (text) => {
      expect(() => parseDateDone(text)).toThrow(DecodeError);
    },
  );
});
