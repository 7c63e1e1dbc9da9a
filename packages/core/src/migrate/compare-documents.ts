import { PyFloat } from '../codec/json/python-float.js';
import { PyDate, PyDatetime, PyDecimal, PyTime, PyTuple, PyUUID } from '../python-values.js';
import { utcFromFields } from '../utc-fields.js';

/** One place where two documents of the same entry differ, as Python would see it. */
export interface DocumentDifference {
  /** Where: `result`, `result.when`, `args[1]`, `date_done`. */
  path: string;
  /** The source's value, as Python would name it: `datetime 2026-01-02T03:04:05.678901+02:00`. */
  source: string;
  target: string;
}

// Fields that mean "nothing" when absent, null or empty: a SQL row has no `children`, a 5.2
// document has no `group_id` outside `result_extended`. Python reads each the same either way.
const EMPTY_MEANS_ABSENT = new Set(['children', 'group_id', 'parent_id', 'name', 'args', 'kwargs', 'worker', 'retries', 'queue', 'traceback']);

/**
 * Compares two Celery documents of one entry (a result or a saved group) as Python would read
 * them: `3` and `3.0` differ, a tuple and a list differ, a datetime and its text differ,
 * `date_done` is compared as an instant to the microsecond. Returns every difference (empty
 * when Python would read the same thing from both).
 */
export function compareDocuments(source: Record<string, unknown>, target: Record<string, unknown>): DocumentDifference[] {
  const out: DocumentDifference[] = [];
  const keys = new Set([...Object.keys(source), ...Object.keys(target)]);
  for (const key of keys) {
    const a = source[key];
    const b = target[key];
    if (key === 'task_id' && (a === undefined || b === undefined)) continue;
    if (EMPTY_MEANS_ABSENT.has(key) && isNothing(a) && isNothing(b)) continue;
    if (key === 'date_done') {
      // A saved group's date_done exists only in SQL; results always carry theirs.
      if (source.status === undefined && (a === undefined || b === undefined)) continue;
      if (!sameInstant(a, b)) out.push({ path: key, source: describe(a), target: describe(b) });
      continue;
    }
    // A saved group's members are a tuple in a key/value store and a pickled GroupResult in
    // SQL: Python rebuilds the same GroupResult from either, so tuples and lists are alike there.
    if (key === 'result' && source.status === undefined) compareValues(listsOnly(a), listsOnly(b), key, out);
    else compareValues(a, b, key, out);
  }
  return out;
}

function listsOnly(value: unknown): unknown {
  return Array.isArray(value) ? Array.from(value, listsOnly) : value;
}

function isNothing(value: unknown): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
}

function compareValues(a: unknown, b: unknown, path: string, out: DocumentDifference[]): void {
  if (out.length >= 20) return;
  if (Object.is(a, b)) return;
  const kindA = pythonType(a);
  const kindB = pythonType(b);
  if (kindA !== kindB) {
    out.push({ path, source: describe(a), target: describe(b) });
    return;
  }
  switch (kindA) {
    case 'int':
      if (BigInt(a as number | bigint) !== BigInt(b as number | bigint)) out.push({ path, source: describe(a), target: describe(b) });
      return;
    case 'float': {
      const x = Number(a);
      const y = Number(b);
      if (!(x === y || (Number.isNaN(x) && Number.isNaN(y))) || Object.is(x, -0) !== Object.is(y, -0)) out.push({ path, source: describe(a), target: describe(b) });
      return;
    }
    case 'bytes': {
      const x = a as Uint8Array;
      const y = b as Uint8Array;
      if (x.length !== y.length || x.some((v, i) => v !== y[i])) out.push({ path, source: describe(a), target: describe(b) });
      return;
    }
    case 'list':
    case 'tuple':
    case 'set': {
      const x = [...(a as Iterable<unknown>)];
      const y = [...(b as Iterable<unknown>)];
      if (x.length !== y.length) {
        out.push({ path, source: `${kindA} of ${x.length}`, target: `${kindB} of ${y.length}` });
        return;
      }
      for (let i = 0; i < x.length; i++) compareValues(x[i], y[i], `${path}[${i}]`, out);
      return;
    }
    case 'dict': {
      const x = entriesOf(a);
      const y = entriesOf(b);
      for (const key of new Set([...x.keys(), ...y.keys()])) {
        if (!x.has(key) || !y.has(key)) {
          out.push({ path: `${path}.${String(key)}`, source: x.has(key) ? describe(x.get(key)) : 'missing', target: y.has(key) ? describe(y.get(key)) : 'missing' });
          continue;
        }
        compareValues(x.get(key), y.get(key), `${path}.${String(key)}`, out);
      }
      return;
    }
    default:
      if (textOf(a) !== textOf(b)) out.push({ path, source: describe(a), target: describe(b) });
  }
}

function entriesOf(value: unknown): Map<unknown, unknown> {
  if (value instanceof Map) return value;
  return new Map(Object.entries(value as Record<string, unknown>));
}

/** The Python type a value stands for. */
function pythonType(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return Number.isInteger(value) && !Object.is(value, -0) ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  if (value instanceof PyFloat) return 'float';
  if (value instanceof Uint8Array) return 'bytes';
  if (value instanceof PyTuple) return 'tuple';
  if (Array.isArray(value)) return 'list';
  if (value instanceof Set) return 'set';
  if (value instanceof PyDatetime || value instanceof Date) return 'datetime';
  if (value instanceof PyDate) return 'date';
  if (value instanceof PyTime) return 'time';
  if (value instanceof PyDecimal) return 'Decimal';
  if (value instanceof PyUUID) return 'UUID';
  if (value instanceof Map || Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) return 'dict';
  return (value as object).constructor?.name ?? 'object';
}

function textOf(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

function describe(value: unknown): string {
  const type = pythonType(value);
  if (type === 'None') return value === undefined ? 'missing' : 'None';
  if (type === 'list' || type === 'tuple' || type === 'set' || type === 'dict') return `${type} ${textOf(value).slice(0, 60)}`;
  if (type === 'bytes') return `bytes of ${(value as Uint8Array).length}`;
  if (type === 'float') return `float ${value instanceof PyFloat ? value.toString() : String(value)}`;
  return `${type} ${textOf(value).slice(0, 60)}`;
}

// ---- date_done ---------------------------------------------------------------------------

/** Microseconds since the epoch of a stored date_done (naive text is UTC, as Celery writes it). */
export function dateDoneMicros(value: unknown): bigint | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return BigInt(value.getTime()) * 1000n;
  const text = value instanceof PyDatetime ? value.iso : typeof value === 'string' ? value : null;
  if (text === null) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  if (!m) return null;
  const seconds = utcFromFields(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0)) / 1000;
  let micros = BigInt(seconds) * 1_000_000n + BigInt((m[7] ?? '').padEnd(6, '0') || '0');
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const offset = BigInt(Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4)) * 60) * 1_000_000n;
    micros += zone[0] === '-' ? offset : -offset;
  }
  return micros;
}

function sameInstant(a: unknown, b: unknown): boolean {
  return dateDoneMicros(a) === dateDoneMicros(b);
}
