import { Buffer } from 'node:buffer';
import { PyDate, PyDatetime, PyDecimal, PyFloat, PyTime, PyTuple, PyUUID, RemoteTaskError } from '@resultkit/core';

/**
 * A decoded value as plain JSON that loses nothing (the README's "JSON output" table): what
 * JSON cannot say is a one-key object tagged with `$`: `{"$bytes": "<base64>"}`,
 * `{"$int": "<digits>"}` for integers beyond 2^53, `{"$float": "3.0"}` for floats JSON would
 * print as integers or cannot print, `{"$datetime": "<isoformat>"}`, `{"$date"}`, `{"$time"}`,
 * `{"$decimal"}`, `{"$uuid"}`, `{"$tuple": [...]}`, `{"$set": [...]}`, and
 * `{"$dict": [[key, value], ...]}` for a dict whose keys are not all strings or whose keys
 * could be read as a tag.
 */
export function toLosslessJson(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'bigint':
      return Number.isSafeInteger(Number(value)) ? Number(value) : { $int: value.toString() };
    case 'number':
      if (!Number.isFinite(value) || Object.is(value, -0)) return { $float: new PyFloat(value).toString() };
      return value;
    default:
      break;
  }
  if (value instanceof PyFloat) return { $float: value.toString() };
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (value instanceof Date) return { $datetime: value.toISOString() };
  if (value instanceof PyDatetime) return { $datetime: value.iso };
  if (value instanceof PyDate) return { $date: value.iso };
  if (value instanceof PyTime) return { $time: value.iso };
  if (value instanceof PyDecimal) return { $decimal: value.value };
  if (value instanceof PyUUID) return { $uuid: value.hex };
  if (value instanceof RemoteTaskError) return exceptionJson(value);
  if (value instanceof PyTuple) return { $tuple: [...value].map(toLosslessJson) };
  if (Array.isArray(value)) return value.map(toLosslessJson);
  if (value instanceof Set) return { $set: [...value].map(toLosslessJson) };
  if (value instanceof Map) {
    const entries = [...value.entries()];
    if (entries.every(([k]) => typeof k === 'string')) return objectJson(entries as [string, unknown][]);
    return { $dict: entries.map(([k, v]) => [toLosslessJson(k), toLosslessJson(v)]) };
  }
  if (typeof value === 'object') return objectJson(Object.entries(value as Record<string, unknown>));
  return String(value);
}

function objectJson(entries: [string, unknown][]): unknown {
  // A key that starts with `$` could be mistaken for a tag: such a dict is written as pairs.
  if (entries.some(([k]) => k.startsWith('$'))) return { $dict: entries.map(([k, v]) => [k, toLosslessJson(v)]) };
  return Object.fromEntries(entries.map(([k, v]) => [k, toLosslessJson(v)]));
}

/** A stored exception as Celery's fields: type, module, message (its text) and args. */
export function exceptionJson(error: RemoteTaskError): Record<string, unknown> {
  return { exc_type: error.excType, exc_module: error.excModule, exc_message: error.message, exc_args: toLosslessJson([...error.excArgs]) };
}

/** A value for people: the same rendering on one line. */
export function displayValue(value: unknown): string {
  return JSON.stringify(toLosslessJson(value));
}
