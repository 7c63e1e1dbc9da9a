/**
 * PyYAML's implicit resolvers (`yaml/resolver.py`, used by `safe_load` and `safe_dump`): which
 * plain scalars are a null, a bool, an int, a float or a timestamp. PyYAML speaks YAML 1.1, with
 * rules of its own (`1e3` is a str, a float needs a dot, `0o7` is a str, `010` is octal 8), so
 * the reader resolves plain scalars with exactly these, and the writer quotes every string
 * they would resolve to something else.
 */
import { PyDate } from '@resultkit/core';

export const NULL = /^(?:~|null|Null|NULL|)$/;
export const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
export const INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
export const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
export const TIMESTAMP =
  /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/;
/** `<<` (merge) and `=` (value) resolve to tags of their own; `=` cannot even be loaded safely. */
export const OTHER = /^(?:<<|=)$/;

/** Whether PyYAML would read `text`, written plain, as anything but a str. */
export function resolvesToNonString(text: string): boolean {
  return NULL.test(text) || BOOL.test(text) || INT.test(text) || FLOAT.test(text) || TIMESTAMP.test(text) || OTHER.test(text);
}

/** `construct_yaml_int`: underscores dropped, `0b`, `0x`, a leading `0` (octal), base 60 with `:`. */
export function constructInt(text: string): number | bigint {
  let value = text.replace(/_/g, '');
  let sign = 1n;
  if (value[0] === '-' || value[0] === '+') {
    if (value[0] === '-') sign = -1n;
    value = value.slice(1);
  }
  let n: bigint;
  if (value === '0') n = 0n;
  else if (value.startsWith('0b')) n = BigInt(value);
  else if (value.startsWith('0x')) n = BigInt(value);
  else if (value[0] === '0') n = BigInt(`0o${value.slice(1)}`);
  else if (value.includes(':')) n = value.split(':').reduce((total, digits) => total * 60n + BigInt(digits), 0n);
  else n = BigInt(value);
  n *= sign;
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

/** `construct_yaml_float`: underscores dropped, `.inf`, `.nan`, base 60 with `:`. */
export function constructFloat(text: string): number {
  let value = text.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (value[0] === '-' || value[0] === '+') {
    if (value[0] === '-') sign = -1;
    value = value.slice(1);
  }
  if (value === '.inf') return sign * Infinity;
  if (value === '.nan') return Number.NaN;
  if (value.includes(':')) return sign * value.split(':').reduce((total, digits) => total * 60 + Number.parseFloat(digits), 0);
  return sign * Number.parseFloat(value);
}

const TIMESTAMP_PARTS =
  /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?)?$/;

/**
 * `construct_yaml_timestamp`: a date alone is a `datetime.date` (a `PyDate` here); with a time
 * it is a `datetime` (a `Date`): aware ones converted with their offset, naive ones read as
 * UTC (as every resultkit reader treats naive Celery times). A `Date` keeps milliseconds only.
 */
export function constructTimestamp(text: string): Date | PyDate {
  const m = TIMESTAMP_PARTS.exec(text);
  if (!m) throw new RangeError(`Not a timestamp: ${text}`);
  const [, year, month, day, hour, minute, second, fraction, zone, sign, offsetHours, offsetMinutes] = m;
  if (hour === undefined) return new PyDate(`${year}-${month!.padStart(2, '0')}-${day!.padStart(2, '0')}`);
  const millis = Number((fraction ?? '').padEnd(3, '0').slice(0, 3));
  // Not Date.UTC, which reads the years 0-99 as 1900-1999: the year is set as written, before
  // the offset is applied (an offset can move the instant into the previous or next year).
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  date.setUTCHours(Number(hour), Number(minute), Number(second), millis);
  if (zone && zone !== 'Z') {
    const offset = (Number(offsetHours) * 60 + Number(offsetMinutes ?? 0)) * 60_000;
    date.setTime(date.getTime() - (sign === '-' ? -offset : offset));
  }
  return date;
}
