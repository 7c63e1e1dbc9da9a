/**
 * A one-pass reader for pickles of plain data: dicts with string keys, lists, tuples, text,
 * bytes, numbers, booleans and None, shared and cyclic through the memo. That is what most task
 * results are (Celery's SQL backend pickles every result, whatever the serializer), and reading
 * them this way builds the values users see directly, without the intermediate graph of
 * `unpickler.ts` and the second walk of `revive.ts`.
 *
 * It gives up, returning `NOT_PLAIN`, at the first thing outside that set: a global, a call, a
 * set, a dict key that is not a string, a protocol 0 text opcode, and anything malformed or out
 * of place (a stack or memo error, truncated input, invalid UTF-8). `loads` then reads the
 * pickle again with the general reader, which builds the same values, or raises the error it
 * always raised. So this reader never decides an error and never names a global: it can only
 * be right or step aside.
 *
 * The limits of the general reader hold here too. Each opcode does work proportional to what
 * earlier opcodes pushed, so no budget is needed (the reviver's charges for plain containers
 * can never reach it: they are at most three units per input byte). Nesting is measured after
 * the last opcode, and only when the pickle made more containers than `MAX_NESTING_DEPTH`, the
 * least a too deep value needs; a value that shares containers is then left to the reviver,
 * which measures it along the path it walks.
 */
import { MAX_NESTING_DEPTH, PyFloat, PyTuple as Tuple } from '@resultkit/core';

import { decodeLong } from './integers.js';
import { HIGHEST_PROTOCOL, Op } from './opcodes.js';
import { setKey } from './revive.js';
import { decodeLatin1, decodeUtf8Range } from './text.js';

/** What `readPlain` returns for a pickle it leaves to the general reader. */
export const NOT_PLAIN: unique symbol = Symbol('not plain');

// Eight bytes to turn into a float: one shared scratch buffer (reads are synchronous).
const scratchBytes = new Uint8Array(8);
const scratchView = new DataView(scratchBytes.buffer);

/** The value of a pickle of plain data, built in one pass, or `NOT_PLAIN`. Never throws. */
export function readPlain(data: Uint8Array, exact: boolean): unknown {
  try {
    return read(data, exact);
  } catch {
    // Only the text decoder throws (invalid UTF-8): the general reader says where.
    return NOT_PLAIN;
  }
}

function read(data: Uint8Array, exact: boolean): unknown {
  const end = data.length;
  let pos = 0;
  // The stack is `stack[0..sp)`: cutting it back is a move of `sp` (setting an array's length
  // is a call into the runtime); what lies above `sp` is garbage.
  const stack: unknown[] = [];
  let sp = 0;
  // MARK records where the items after it start; `floor` is the latest one (0 without a MARK).
  // An opcode may not take items from below it, as Python's unpickler would not.
  const marks: number[] = [];
  let floor = 0;
  // As in the general reader: a packed array in the usual case, `memoSize` counts distinct indices.
  const memo: unknown[] = [];
  let memoSize = 0;
  // Tuples are arrays (or core's PyTuple) too, but APPEND must not add to one.
  let tuples: Set<unknown> | null = null;
  let containers = 0;
  // Whether any container may be reachable twice (only GET and DUP can place a value twice).
  let shared = false;

  for (;;) {
    if (pos >= end) return NOT_PLAIN;
    const op = data[pos++] as number;
    switch (op) {
      case Op.PROTO:
        if (pos >= end || (data[pos++] as number) > HIGHEST_PROTOCOL) return NOT_PLAIN;
        break;
      case Op.FRAME: {
        // Frames only help buffered readers; the length must still fit the input.
        if (end - pos < 8) return NOT_PLAIN;
        const high = le32(data, pos + 4) >>> 0;
        const length = high * 2 ** 32 + (le32(data, pos) >>> 0);
        pos += 8;
        if (length > end - pos) return NOT_PLAIN;
        break;
      }
      case Op.STOP: {
        if (sp <= floor) return NOT_PLAIN;
        const value = stack[sp - 1];
        if (containers > MAX_NESTING_DEPTH && (shared || tooDeep(value))) return NOT_PLAIN;
        return value;
      }
      case Op.MARK:
        marks.push(sp);
        floor = sp;
        break;
      case Op.POP:
      case Op.POP_MARK: {
        // POP with nothing above the MARK drops the MARK, as POP_MARK does.
        if (op === Op.POP && sp > floor) {
          sp--;
          break;
        }
        const mark = popMark(marks);
        floor = floorOf(marks);
        if (mark < 0) return NOT_PLAIN;
        sp = mark;
        break;
      }
      case Op.DUP: {
        if (sp <= floor) return NOT_PLAIN;
        const value = stack[sp - 1];
        if (typeof value === 'object' && value !== null) shared = true;
        stack[sp++] = value;
        break;
      }

      // Memo.
      case Op.BINPUT:
      case Op.LONG_BINPUT:
      case Op.MEMOIZE:
      case Op.BINGET:
      case Op.LONG_BINGET: {
        let index = memoSize;
        if (op === Op.BINPUT || op === Op.BINGET) {
          if (pos >= end) return NOT_PLAIN;
          index = data[pos++] as number;
        } else if (op !== Op.MEMOIZE) {
          if (end - pos < 4) return NOT_PLAIN;
          index = le32(data, pos) >>> 0;
          pos += 4;
        }
        if (op === Op.BINGET || op === Op.LONG_BINGET) {
          const value = memo[index];
          if (value === undefined && !(index in memo)) return NOT_PLAIN;
          if (typeof value === 'object' && value !== null) shared = true;
          stack[sp++] = value;
        } else {
          if (sp <= floor) return NOT_PLAIN;
          if (index < memo.length && memo[index] !== undefined ? false : !(index in memo)) memoSize++;
          memo[index] = stack[sp - 1];
        }
        break;
      }

      // Singletons.
      case Op.NONE:
        stack[sp++] = null;
        break;
      case Op.NEWTRUE:
        stack[sp++] = true;
        break;
      case Op.NEWFALSE:
        stack[sp++] = false;
        break;

      // Integers.
      case Op.BININT1:
        if (pos >= end) return NOT_PLAIN;
        stack[sp++] = data[pos++] as number;
        break;
      case Op.BININT2:
        if (end - pos < 2) return NOT_PLAIN;
        stack[sp++] = (data[pos] as number) | ((data[pos + 1] as number) << 8);
        pos += 2;
        break;
      case Op.BININT:
        if (end - pos < 4) return NOT_PLAIN;
        stack[sp++] = le32(data, pos);
        pos += 4;
        break;
      case Op.BINFLOAT: {
        if (end - pos < 8) return NOT_PLAIN;
        for (let i = 0; i < 8; i++) scratchBytes[i] = data[pos + i] as number;
        pos += 8;
        const value = scratchView.getFloat64(0, false);
        // An integral float would come back as an int from a number: exact reads keep it a float.
        stack[sp++] = exact && Number.isInteger(value) ? new PyFloat(value) : value;
        break;
      }

      // Long integers, text, Python 2 str (Latin-1 keeps every byte) and bytes (copied, as the
      // general reader does): a length, then as many bytes.
      case Op.LONG1:
      case Op.LONG4:
      case Op.SHORT_BINUNICODE:
      case Op.BINUNICODE:
      case Op.BINUNICODE8:
      case Op.SHORT_BINSTRING:
      case Op.BINSTRING:
      case Op.SHORT_BINBYTES:
      case Op.BINBYTES:
      case Op.BINBYTES8:
      case Op.BYTEARRAY8: {
        const at = pos - 1;
        let n: number;
        if (op === Op.SHORT_BINUNICODE || op === Op.SHORT_BINSTRING || op === Op.SHORT_BINBYTES || op === Op.LONG1) {
          if (pos >= end) return NOT_PLAIN;
          n = data[pos++] as number;
        } else if (op === Op.BINUNICODE || op === Op.BINSTRING || op === Op.BINBYTES || op === Op.LONG4) {
          if (end - pos < 4) return NOT_PLAIN;
          // BINSTRING's and LONG4's lengths are signed; the others' are not.
          n = op === Op.BINSTRING || op === Op.LONG4 ? le32(data, pos) : le32(data, pos) >>> 0;
          pos += 4;
        } else {
          if (end - pos < 8) return NOT_PLAIN;
          n = (le32(data, pos + 4) >>> 0) * 2 ** 32 + (le32(data, pos) >>> 0);
          pos += 8;
        }
        if (n < 0 || n > end - pos) return NOT_PLAIN;
        const start = pos;
        pos += n;
        if (op === Op.LONG1 || op === Op.LONG4) {
          stack[sp++] = decodeLong(data.subarray(start, pos));
        } else if (op === Op.SHORT_BINUNICODE || op === Op.BINUNICODE || op === Op.BINUNICODE8) {
          stack[sp++] = decodeUtf8Range(data, start, pos, 'text', at);
        } else if (op === Op.SHORT_BINSTRING || op === Op.BINSTRING) {
          stack[sp++] = decodeLatin1(data.subarray(start, pos));
        } else {
          stack[sp++] = data.subarray(start, pos).slice();
        }
        break;
      }

      // Lists.
      case Op.EMPTY_LIST:
        containers++;
        stack[sp++] = [];
        break;
      case Op.APPEND: {
        if (sp - floor < 2) return NOT_PLAIN;
        const item = stack[--sp];
        const target = stack[sp - 1];
        if (!Array.isArray(target) || tuples?.has(target)) return NOT_PLAIN;
        target.push(item);
        break;
      }
      case Op.APPENDS: {
        // The list is the item below the MARK, which must be above the MARK before it.
        const mark = popMark(marks);
        floor = floorOf(marks);
        if (mark <= floor) return NOT_PLAIN;
        const target = stack[mark - 1];
        if (!Array.isArray(target) || tuples?.has(target)) return NOT_PLAIN;
        for (let i = mark; i < sp; i++) target.push(stack[i]);
        sp = mark;
        break;
      }

      // A list from the items after a MARK, and tuples, which are complete when made.
      case Op.LIST:
      case Op.EMPTY_TUPLE:
      case Op.TUPLE1:
      case Op.TUPLE2:
      case Op.TUPLE3:
      case Op.TUPLE: {
        let from: number;
        if (op === Op.TUPLE || op === Op.LIST) {
          from = popMark(marks);
          floor = floorOf(marks);
          if (from < 0) return NOT_PLAIN;
        } else {
          from = sp - (op === Op.EMPTY_TUPLE ? 0 : op - Op.TUPLE1 + 1);
          if (from < floor) return NOT_PLAIN;
        }
        containers++;
        let items: unknown[];
        if (exact && op !== Op.LIST) {
          items = new Tuple();
          for (let i = from; i < sp; i++) items.push(stack[i]);
        } else {
          items = stack.slice(from, sp);
        }
        sp = from;
        if (op !== Op.LIST) (tuples ??= new Set()).add(items);
        stack[sp++] = items;
        break;
      }

      // Dicts: plain objects, while every key is a string.
      case Op.EMPTY_DICT:
        containers++;
        stack[sp++] = {};
        break;
      case Op.SETITEM: {
        if (sp - floor < 3) return NOT_PLAIN;
        const value = stack[--sp];
        const key = stack[--sp];
        const target = stack[sp - 1];
        if (typeof key !== 'string' || !isDict(target)) return NOT_PLAIN;
        setKey(target, key, value);
        break;
      }
      case Op.SETITEMS:
      case Op.DICT: {
        const mark = popMark(marks);
        floor = floorOf(marks);
        if (mark < 0 || (sp - mark) % 2 !== 0) return NOT_PLAIN;
        let target: unknown;
        if (op === Op.DICT) {
          containers++;
          target = {};
        } else {
          if (mark <= floor) return NOT_PLAIN;
          target = stack[mark - 1];
          if (!isDict(target)) return NOT_PLAIN;
        }
        for (let i = mark; i < sp; i += 2) {
          const key = stack[i];
          if (typeof key !== 'string') return NOT_PLAIN;
          setKey(target as Record<string, unknown>, key, stack[i + 1]);
        }
        sp = mark;
        if (op === Op.DICT) stack[sp++] = target;
        break;
      }

      default:
        return NOT_PLAIN;
    }
  }
}

/** Drops the latest MARK and returns where its items start, or -1 without one. */
function popMark(marks: number[]): number {
  return marks.length === 0 ? -1 : (marks.pop() as number);
}

/** Where the items after the latest MARK start (0 without one). */
function floorOf(marks: number[]): number {
  return marks.length === 0 ? 0 : (marks[marks.length - 1] as number);
}

/** The signed little-endian 32-bit integer at `at` (bounds already checked). */
function le32(data: Uint8Array, at: number): number {
  return (data[at] as number) | ((data[at + 1] as number) << 8) | ((data[at + 2] as number) << 16) | ((data[at + 3] as number) << 24);
}

/** A dict this reader made: the only plain objects it makes. */
function isDict(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * Whether a tree of containers (no container reachable twice) nests as deep as the reviver
 * refuses: a container below `MAX_NESTING_DEPTH` others.
 */
function tooDeep(root: unknown): boolean {
  const pending: unknown[] = [root];
  const depths: number[] = [0];
  while (pending.length > 0) {
    const value = pending.pop();
    const depth = depths.pop() as number;
    const children = Array.isArray(value) ? value : isDict(value) ? Object.values(value) : null;
    if (children === null) continue;
    if (depth >= MAX_NESTING_DEPTH) return true;
    for (const child of children) {
      if (typeof child === 'object' && child !== null) {
        pending.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}
