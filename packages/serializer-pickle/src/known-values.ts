/**
 * Allow-listed calls whose result is a finished, immutable value: they are evaluated as soon
 * as REDUCE is read (their arguments are complete by then), so later opcodes and the reviver
 * only ever see the value. "Evaluated" means interpreting the arguments here in JavaScript;
 * the named Python callable is never involved.
 */
import { DecodeError, PyDecimal, PyUUID } from '@resultkit/core';

import type { GlobalKind } from './allow-list.js';
import type { Budget } from './budget.js';
import { dateFromArgs, datetimeFromArgs, exactDatetimeFromArgs, timedeltaFromArgs, timeFromArgs } from './datetimes.js';
import { PyCall, PyDict, sequenceItems } from './python-objects.js';
import { encodeLatin1, encodeUtf8 } from './text.js';

/** The kinds `evaluateEagerly` handles. */
export const EAGER_KINDS: ReadonlySet<GlobalKind> = new Set<GlobalKind>([
  'datetime',
  'date',
  'time',
  'timedelta',
  'decimal',
  'bytes',
  'bytearray',
  'codecs-encode',
]);

/** Python's `Decimal(str)` syntax (underscores between digits, Infinity, NaN, sNaN). */
export const DECIMAL_TEXT =
  /^[+-]?(?:(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?|inf(?:inity)?|s?nan\d*)$/i;

/** `_codecs.encode(text, encoding)`: how protocols 0-2 carry `bytes`. */
function encodeText(args: readonly unknown[]): Uint8Array {
  const [text, encoding = 'utf-8'] = args;
  if (typeof text !== 'string' || typeof encoding !== 'string') {
    throw new DecodeError('Corrupt pickle: _codecs.encode needs (str, encoding).');
  }
  const name = encoding.toLowerCase().replace(/[-_ ]/g, '');
  if (name === 'latin1' || name === 'iso88591' || name === 'l1' || name === 'ascii') {
    const bytes = encodeLatin1(text);
    if (bytes && (name !== 'ascii' || bytes.every((b) => b < 0x80))) return bytes;
    throw new DecodeError(`Corrupt pickle: _codecs.encode got text outside ${encoding}.`);
  }
  if (name === 'utf8') return encodeUtf8(text);
  throw new DecodeError(`Unsupported pickle: _codecs.encode with encoding ${JSON.stringify(encoding)}.`);
}

/** `bytes(...)` / `bytearray(...)`: empty, from bytes, or from (str, encoding). */
function bytesFrom(args: readonly unknown[], what: string): Uint8Array {
  const [first] = args;
  if (args.length === 0) return new Uint8Array(0);
  if (first instanceof Uint8Array) return first.slice();
  if (typeof first === 'string') return encodeText(args);
  const items = sequenceItems(first);
  if (items?.every((b) => typeof b === 'number' && Number.isInteger(b) && b >= 0 && b < 256)) {
    return Uint8Array.from(items as number[]);
  }
  throw new DecodeError(`Corrupt pickle: unsupported arguments for ${what}.`);
}

function decimalFrom(args: readonly unknown[]): PyDecimal {
  const [value] = args;
  if (typeof value === 'number' && Number.isInteger(value)) return new PyDecimal(String(value));
  if (typeof value === 'bigint') return new PyDecimal(value.toString());
  if (typeof value === 'string' && DECIMAL_TEXT.test(value.trim())) {
    return new PyDecimal(value.trim());
  }
  throw new DecodeError('Corrupt pickle: decimal.Decimal needs a decimal string.');
}

/**
 * The work of reading `args`, charged before it is done: the length of the strings, bytes and
 * sequences among them, and of strings one level down (a tzinfo's zone name).
 */
function argumentsCost(args: readonly unknown[]): number {
  let cost = 1;
  for (const arg of args) {
    if (typeof arg === 'string' || arg instanceof Uint8Array) cost += arg.length;
    // Only the first few: a tzinfo reads no more, and a long list would make this loop the cost.
    else if (arg instanceof PyCall) cost += argumentsCost(arg.args.slice(0, 4).filter((a) => typeof a === 'string'));
    else cost += sequenceItems(arg)?.length ?? 1;
  }
  return cost;
}

/** Runs the allow-listed constructor `kind` on fully read arguments. */
export function evaluateEagerly(kind: GlobalKind, args: readonly unknown[], budget: Budget, exact = false): unknown {
  budget.charge(argumentsCost(args));
  switch (kind) {
    case 'datetime':
      return exact ? exactDatetimeFromArgs(args) : datetimeFromArgs(args);
    case 'date':
      return dateFromArgs(args);
    case 'time':
      return timeFromArgs(args);
    case 'timedelta':
      return timedeltaFromArgs(args);
    case 'decimal':
      return decimalFrom(args);
    case 'bytes':
      return bytesFrom(args, 'bytes');
    case 'bytearray':
      return bytesFrom(args, 'bytearray');
    case 'codecs-encode':
      return encodeText(args);
    default:
      throw new Error(`${kind} is not evaluated eagerly`);
  }
}

/**
 * `uuid.UUID`: Python pickles it as NEWOBJ with no arguments and then BUILD with
 * `{'int': <128-bit int>}`, so it can only be read once BUILD has run, at the end.
 * `UUID('hex')` written by other picklers is accepted too.
 */
export function uuidFromCall(call: PyCall, budget: Budget): PyUUID {
  let value: unknown = call.args[0];
  if (call.state instanceof PyDict) value = call.state.entries.get('int');
  else if (call.kwargs) value = call.kwargs.entries.get('int') ?? call.kwargs.entries.get('hex');
  budget.charge(typeof value === 'string' ? value.length : 1);
  if (typeof value === 'string') {
    try {
      return new PyUUID(value);
    } catch (error) {
      throw new DecodeError(`Corrupt pickle: ${JSON.stringify(value)} is not a UUID.`, { cause: error });
    }
  }
  if ((typeof value === 'number' && Number.isInteger(value) && value >= 0) || (typeof value === 'bigint' && value >= 0n)) {
    const hex = BigInt(value).toString(16);
    if (hex.length <= 32) return new PyUUID(hex.padStart(32, '0'));
  }
  throw new DecodeError('Corrupt pickle: uuid.UUID needs a 128-bit int state.');
}
