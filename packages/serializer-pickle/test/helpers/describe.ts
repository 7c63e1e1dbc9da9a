import { PyDate, PyDecimal, PyTime, PyUUID, RemoteTaskError } from '@resultkit/core';

import { PickledAsyncResult, PickledGroupResult, PyTimedelta } from '../../src/index.js';

/**
 * The tagged form `test/python/interop.py` prints for a loaded Python value, computed here from
 * the JavaScript value that was pickled: what Python *should* see. Floats are compared as
 * numbers (after `normalizePython`), sets as sorted lists.
 */
export function describeForPython(value: unknown, options: { arraysAsTuples?: boolean } = {}, key = false): unknown {
  const d = (v: unknown, asKey = false): unknown => describeForPython(v, options, asKey);
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'boolean':
      return { bool: value };
    case 'number':
      return Number.isSafeInteger(value) && !Object.is(value, -0) ? { int: String(value) } : { float: value };
    case 'bigint':
      return { int: value.toString() };
    case 'string':
      return { str: value };
    default:
      break;
  }
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value).toString('hex') };
  if (Array.isArray(value)) {
    return key || options.arraysAsTuples ? { tuple: value.map((v) => d(v, key)) } : { list: value.map((v) => d(v)) };
  }
  if (value instanceof Set) return { [key ? 'frozenset' : 'set']: sortTagged([...value].map((v) => d(v, true))) };
  if (value instanceof Map) return { dict: [...value].map(([k, v]) => [d(k, true), d(v)]) };
  if (value instanceof Date) return { datetime: `${value.toISOString().slice(0, 19)}${micros(value.getUTCMilliseconds())}+00:00` };
  if (value instanceof PyDate) return { date: value.iso };
  if (value instanceof PyTime) return { time: value.iso };
  if (value instanceof PyTimedelta) return { timedelta: [value.days, value.seconds, value.microseconds] };
  if (value instanceof PyDecimal) return { decimal: value.value };
  if (value instanceof PyUUID) return { uuid: value.hex };
  if (value instanceof RemoteTaskError) {
    return {
      dict: [
        [{ str: 'exc_type' }, { str: value.excType }],
        [{ str: 'exc_message' }, { tuple: value.excArgs.map((v) => d(v)) }],
        [{ str: 'exc_module' }, { str: value.excModule ?? 'builtins' }],
      ],
    };
  }
  if (value instanceof PickledGroupResult) return { GroupResult: value.id, results: value.results.map((r) => d(r)) };
  if (value instanceof PickledAsyncResult) return { AsyncResult: value.id };
  return { dict: Object.entries(value).map(([k, v]) => [{ str: k }, d(v)]) };
}

function micros(ms: number): string {
  return ms ? `.${String(ms * 1000).padStart(6, '0')}` : '';
}

function sortTagged(items: unknown[]): unknown[] {
  return items.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

/** Python's tagged output with floats as numbers and set members in the same order as above. */
export function normalizePython(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalizePython);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if (typeof record.float === 'string') {
    const text = record.float;
    return { float: text === 'inf' ? Infinity : text === '-inf' ? -Infinity : text === 'nan' ? Number.NaN : Number(text) };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) out[k] = normalizePython(v);
  if (Array.isArray(out.set)) out.set = sortTagged(out.set);
  if (Array.isArray(out.frozenset)) out.frozenset = sortTagged(out.frozenset);
  return out;
}
