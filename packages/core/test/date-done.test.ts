import { describe, expect, it } from 'vitest';
import { DecodeError, formatDateDone, parseDateDone } from '../src/index.js';

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

  it('refuses garbage with a DecodeError', () => {
    expect(() => parseDateDone('yesterday')).toThrow(DecodeError);
    expect(() => parseDateDone('2024-13-45T99:99:99')).not.toThrow(TypeError);
  });
});
