/**
 * The pickle writer. It writes data only: JSON-like values, bytes, big integers, the Python
 * values of `@resultkit/core` (PyDecimal, PyUUID, PyDate, PyTime), `Date`, `PyTimedelta`,
 * `RemoteTaskError` (as Celery's exception dict) and Celery result references. It refuses
 * `PickledObject` and `PickledGlobal`: resultkit never asks a Python reader to call anything
 * but the handful of classes those values stand for.
 *
 * Two styles:
 * - `python` (default) writes what CPython's `pickle.dumps(value, protocol)` writes for the
 *   equivalent Python value: memo entries, TUPLE1-3, batches of 1000, and (protocol 4+) frames.
 *   Celery's own result pickles are reproduced byte for byte (see the tests).
 * - `simple` writes the memo-free encoding of the wire-format spec §4.4: no memo, no frames,
 *   tuples as MARK...TUPLE, lists and dicts as MARK...APPENDS/SETITEMS.
 */
import { MAX_NESTING_DEPTH, nestingTooDeepMessage, PyDate, PyDatetime, PyDecimal, PyFloat, PyTime, PyTuple, PyUUID, RemoteTaskError } from '@resultkit/core';

import { dateState, datetimeState, exactDatetimeState, timeState } from './datetimes.js';
import { PickleOutput } from './framer.js';
import { DECIMAL_TEXT } from './known-values.js';
import { encodeLong } from './integers.js';
import { HIGHEST_PROTOCOL, Op } from './opcodes.js';
import { decodeLatin1, encodeUtf8, isAscii } from './text.js';
import { PickledAsyncResult, PickledGlobal, PickledGroupResult, PickledObject, PyTimedelta } from './values.js';

export interface DumpOptions {
  /** Pickle protocol, 2 to 5. Default 4, as kombu's pickle serializer (Celery's DB backend uses 5). */
  protocol?: 2 | 3 | 4 | 5;
  /** `python` (default): CPython's exact bytes. `simple`: the memo-free encoding of spec §4.4. */
  style?: 'python' | 'simple';
  /** Write JavaScript arrays as tuples instead of lists. Default false. */
  arraysAsTuples?: boolean;
}

/** Python's `_BATCHSIZE` for APPENDS, SETITEMS and ADDITEMS. */
const BATCH_SIZE = 1000;

/** Encodes `value` as a pickle. Throws TypeError for values it cannot represent and for cycles. */
export function dumps(value: unknown, options: DumpOptions = {}): Uint8Array {
  const protocol = options.protocol ?? 4;
  if (![2, 3, 4, 5].includes(protocol) || protocol > HIGHEST_PROTOCOL) {
    throw new RangeError(`Unsupported pickle protocol ${String(protocol)}: use 2, 3, 4 or 5.`);
  }
  const style = options.style ?? 'python';
  if (style !== 'python' && style !== 'simple') throw new RangeError(`Unknown pickle style ${String(style)}.`);
  return new Pickler(protocol, style === 'python', options.arraysAsTuples ?? false).dump(value);
}

/** A synthetic memo key for objects that are singletons in Python (timezone.utc). */
const UTC_KEY = 'timezone.utc';

class Pickler {
  readonly #out: PickleOutput;
  /**
   * Memo indices: by object identity, by string value, and for globals/singletons by name.
   * Arrays and Sets written as dict keys or set members (tuples, frozensets) have their own
   * map: the same array may also be written as a list elsewhere, which Python could not hash.
   */
  readonly #objects = new Map<object, number>();
  readonly #hashables = new Map<object, number>();
  readonly #strings = new Map<string, number>();
  readonly #named = new Map<string, number>();
  #memoSize = 0;
  /** Containers on the path being written: meeting one again is a cycle. */
  readonly #active = new Set<object>();
  #depth = 0;

  constructor(
    readonly protocol: 2 | 3 | 4 | 5,
    /** Python style: memo and TUPLE1-3 (and frames from protocol 4). */
    readonly python: boolean,
    readonly arraysAsTuples: boolean,
  ) {
    this.#out = new PickleOutput(python && protocol >= 4);
  }

  dump(value: unknown): Uint8Array {
    this.#out.direct.byte(Op.PROTO);
    this.#out.direct.byte(this.protocol);
    this.#save(value, false);
    this.#out.w.byte(Op.STOP);
    return this.#out.finish();
  }

  // --- memo -------------------------------------------------------------------------------

  /** Records the object just written as the next memo entry (MEMOIZE, or BINPUT before protocol 4). */
  #memoize(): number {
    const index = this.#memoSize++;
    const w = this.#out.w;
    if (this.protocol >= 4) {
      w.byte(Op.MEMOIZE);
    } else if (index < 256) {
      w.byte(Op.BINPUT);
      w.byte(index);
    } else {
      w.byte(Op.LONG_BINPUT);
      w.u32(index);
    }
    return index;
  }

  #get(index: number): void {
    const w = this.#out.w;
    if (index < 256) {
      w.byte(Op.BINGET);
      w.byte(index);
    } else {
      w.byte(Op.LONG_BINGET);
      w.u32(index);
    }
  }

  #memoOf(obj: object, hashable: boolean): Map<object, number> {
    return hashable && (Array.isArray(obj) || obj instanceof Set) ? this.#hashables : this.#objects;
  }

  /** Writes a memo reference when `obj` was written before (Python style) and says so. */
  #fromMemo(obj: object, hashable: boolean): boolean {
    // CPython's memo lets a list contain itself; resultkit refuses every cycle, as the JSON and
    // msgpack serializers do, so a cyclic result fails the same way whatever the format.
    if (this.#active.has(obj)) throw new TypeError('Cannot pickle a value that contains itself (a cycle).');
    if (!this.python) return false;
    const index = this.#memoOf(obj, hashable).get(obj);
    if (index === undefined) return false;
    this.#get(index);
    return true;
  }

  /** Records the object just written as the next memo entry (Python style). */
  #remember(obj: object, hashable = false): void {
    if (this.python) this.#memoOf(obj, hashable).set(obj, this.#memoize());
  }

  // --- values -----------------------------------------------------------------------------

  /** Writes one value; `hashable` is set for dict keys and set members, where arrays must be tuples. */
  #save(value: unknown, hashable: boolean): void {
    this.#out.boundary();
    switch (typeof value) {
      case 'undefined':
        this.#out.w.byte(Op.NONE);
        return;
      case 'boolean':
        this.#out.w.byte(value ? Op.NEWTRUE : Op.NEWFALSE);
        return;
      case 'number':
        if (Number.isSafeInteger(value) && !Object.is(value, -0)) this.#saveInt(value);
        else this.#saveFloat(value);
        return;
      case 'bigint':
        this.#saveInt(value);
        return;
      case 'string':
        this.#saveStr(value);
        return;
      case 'object':
        break;
      default:
        throw new TypeError(`Cannot pickle a ${typeof value}.`);
    }
    if (value === null) {
      this.#out.w.byte(Op.NONE);
      return;
    }
    if (this.#fromMemo(value, hashable)) return;
    if (value instanceof Uint8Array) return this.#saveBytes(value, value);
    if (value instanceof Date) return this.#saveDatetime(value);
    if (value instanceof PyDatetime) return this.#saveExactDatetime(value);
    if (value instanceof PyFloat) return this.#saveFloat(value.value);
    if (value instanceof PyDecimal) {
      // Python would refuse to load Decimal('garbage'): refuse to write it instead.
      if (!DECIMAL_TEXT.test(value.value)) throw new TypeError(`Cannot pickle PyDecimal "${value.value}": not a decimal number.`);
      return this.#saveReduce('decimal', 'Decimal', [made({ str: value.value, fresh: true })], value);
    }
    if (value instanceof PyUUID) return this.#saveUuid(value);
    if (value instanceof PyDate) return this.#saveReduce('datetime', 'date', [made({ bytes: dateState(value) })], value);
    if (value instanceof PyTime) return this.#saveTime(value);
    if (value instanceof PyTimedelta) {
      return this.#saveReduce('datetime', 'timedelta', [value.days, value.seconds, value.microseconds], value);
    }
    if (value instanceof PickledObject || value instanceof PickledGlobal) {
      throw new TypeError(
        `Refusing to pickle ${value instanceof PickledObject ? 'a PickledObject' : 'a PickledGlobal'} ` +
          `(${value.module}.${value.name}): resultkit only writes data a Python reader can load without calling arbitrary code.`,
      );
    }
    if (
      hashable &&
      !(Array.isArray(value) || value instanceof Set || value instanceof PickledAsyncResult || value instanceof PickledGroupResult)
    ) {
      throw new TypeError('Cannot pickle a dict key or set member that Python cannot hash (an object, a Map or an error).');
    }
    this.#enter(value);
    try {
      if (Array.isArray(value)) {
        if (hashable || this.arraysAsTuples || value instanceof PyTuple) this.#saveTuple(value, hashable);
        else this.#saveList(value);
      } else if (value instanceof Set) {
        if (hashable) this.#saveFrozenset(value);
        else this.#saveSet(value);
      } else if (value instanceof Map) {
        const keys = [...value.keys()];
        this.#saveDict(value, keys, (key) => value.get(key));
      } else if (value instanceof RemoteTaskError) {
        this.#saveException(value);
      } else if (value instanceof PickledAsyncResult) {
        const args: unknown[] = [made({ str: value.id })];
        if (value.parent) args.push(null, null, null, value.parent);
        this.#saveReduce('celery.result', 'AsyncResult', args, value);
      } else if (value instanceof PickledGroupResult) {
        const args: unknown[] = [made({ str: value.id }), made({ list: value.results })];
        if (value.parent) args.push(value.parent);
        this.#saveReduce('celery.result', 'GroupResult', args, value);
      } else if (isPlainObject(value)) {
        const record = value as Record<string, unknown>;
        this.#saveDict(value, Object.keys(record), (key) => record[key as string]);
      } else {
        const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
        throw new TypeError(`Cannot pickle an instance of ${name}; convert it to plain data first.`);
      }
    } finally {
      this.#leave(value);
    }
  }

  #enter(value: object): void {
    if (this.#active.has(value)) throw new TypeError('Cannot pickle a value that contains itself (a cycle).');
    // The limit every serializer shares; CPython's own pickler stops near it too.
    if (++this.#depth > MAX_NESTING_DEPTH) throw new RangeError(nestingTooDeepMessage('The value'));
    this.#active.add(value);
  }

  #leave(value: object): void {
    this.#active.delete(value);
    this.#depth--;
  }

  #saveInt(value: number | bigint): void {
    this.#out.boundary();
    const w = this.#out.w;
    const n = typeof value === 'number' ? value : undefined;
    const small = n ?? (value >= -0x80000000n && value <= 0x7fffffffn ? Number(value) : undefined);
    if (small !== undefined && small >= 0 && small <= 0xff) {
      w.byte(Op.BININT1);
      w.byte(small);
    } else if (small !== undefined && small >= 0 && small <= 0xffff) {
      w.byte(Op.BININT2);
      w.u16(small);
    } else if (small !== undefined && small >= -0x80000000 && small <= 0x7fffffff) {
      w.byte(Op.BININT);
      w.i32(small);
    } else {
      const bytes = encodeLong(BigInt(value));
      if (bytes.length < 256) {
        w.byte(Op.LONG1);
        w.byte(bytes.length);
      } else {
        w.byte(Op.LONG4);
        w.i32(bytes.length);
      }
      w.bytes(bytes);
    }
  }

  #saveFloat(value: number): void {
    this.#out.boundary();
    this.#out.w.byte(Op.BINFLOAT);
    this.#out.w.f64be(value);
  }

  /**
   * A `str`. Python memoizes strings by identity; equal strings from one source are usually the
   * same object there (interned names, JSON keys), so the Python style shares them by value.
   * `fresh` strings stand for objects Python creates anew (e.g. `str(decimal)`) and are neither
   * looked up nor offered for sharing.
   */
  #saveStr(value: string, fresh = false): void {
    this.#out.boundary();
    if (this.python && !fresh) {
      const index = this.#strings.get(value);
      if (index !== undefined) {
        this.#get(index);
        return;
      }
    }
    const shortOp = this.protocol >= 4 ? Op.SHORT_BINUNICODE : null;
    if (isAscii(value)) {
      this.#out.asciiPayload(shortOp, Op.BINUNICODE, value);
    } else {
      const encoded = encodeUtf8(value);
      if (encoded.length > 0xffffffff) throw new RangeError('Cannot pickle a string of 4 GiB or more.');
      this.#out.payload(shortOp, Op.BINUNICODE, encoded);
    }
    if (this.python) {
      const index = this.#memoize();
      if (!fresh) this.#strings.set(value, index);
    }
  }

  /** `bytes`; `identity` is the object to memoize it under (null for a fresh, internal value). */
  #saveBytes(value: Uint8Array, identity: object | null): void {
    this.#out.boundary();
    if (this.protocol < 3) {
      // Protocol 2 has no bytes opcode: Python writes _codecs.encode(latin1_text, 'latin1'),
      // or bytes() for the empty value.
      if (value.length === 0) this.#saveReduce('builtins', 'bytes', [], identity);
      else this.#saveReduce('_codecs', 'encode', [made({ str: decodeLatin1(value), fresh: true }), 'latin1'], identity);
      return;
    }
    this.#out.payload(Op.SHORT_BINBYTES, Op.BINBYTES, value);
    if (identity) this.#remember(identity);
    else if (this.python) this.#memoize();
  }

  #saveList(items: readonly unknown[]): void {
    this.#out.w.byte(Op.EMPTY_LIST);
    this.#remember(items);
    this.#batches(items.length, (i) => this.#save(items[i], false), Op.APPEND, Op.APPENDS);
  }

  #saveTuple(items: readonly unknown[], hashable: boolean): void {
    this.#saveTupleOf(items.length, (i) => this.#save(items[i], hashable));
    // The empty tuple is a singleton Python never memoizes.
    if (items.length > 0 && this.python) this.#memoOf(items, hashable).set(items, this.#memoSize - 1);
  }

  /**
   * A tuple of `n` elements written by `saveItem`. Python style: TUPLE1-3 or MARK...TUPLE,
   * then a memo entry (the empty tuple is a singleton and gets none). Simple style: MARK...TUPLE.
   */
  #saveTupleOf(n: number, saveItem: (i: number) => void): void {
    this.#out.boundary();
    const w = this.#out.w;
    if (n === 0) {
      w.byte(Op.EMPTY_TUPLE);
      return;
    }
    if (this.python && n <= 3) {
      for (let i = 0; i < n; i++) saveItem(i);
      this.#out.w.byte(n === 1 ? Op.TUPLE1 : n === 2 ? Op.TUPLE2 : Op.TUPLE3);
    } else {
      w.byte(Op.MARK);
      for (let i = 0; i < n; i++) saveItem(i);
      this.#out.w.byte(Op.TUPLE);
    }
    if (this.python) this.#memoize();
  }

  /**
   * Items in batches of 1000, as CPython's `_batch_appends`/`_batch_setitems`: MARK...many for
   * a batch of several, the single-item opcode for a batch of one. The simple style always
   * uses MARK...many.
   */
  #batches(n: number, saveItem: (i: number) => void, one: number, many: number): void {
    for (let start = 0; start < n; start += BATCH_SIZE) {
      const end = Math.min(n, start + BATCH_SIZE);
      if (end - start === 1 && this.python) {
        saveItem(start);
        this.#out.w.byte(one);
      } else {
        this.#out.w.byte(Op.MARK);
        for (let i = start; i < end; i++) saveItem(i);
        this.#out.w.byte(many);
      }
    }
  }

  /** A dict of `keys` and their values (read one at a time, with no array of pairs built). */
  #saveDict(dict: object, keys: readonly unknown[], valueOf: (key: unknown) => unknown): void {
    this.#out.w.byte(Op.EMPTY_DICT);
    this.#remember(dict);
    this.#batches(
      keys.length,
      (i) => {
        const key = keys[i];
        this.#save(key, true);
        this.#save(valueOf(key), false);
      },
      Op.SETITEM,
      Op.SETITEMS,
    );
  }

  #saveSet(set: Set<unknown>): void {
    const items = [...set];
    if (this.protocol < 4) {
      // Python: set(list(items)), through REDUCE.
      this.#saveReduce('builtins', 'set', [made({ list: items, hashable: true })], set);
      return;
    }
    this.#out.w.byte(Op.EMPTY_SET);
    this.#remember(set);
    // Python's save_set writes MARK...ADDITEMS even for a single item.
    for (let start = 0; start < items.length; start += BATCH_SIZE) {
      this.#out.w.byte(Op.MARK);
      for (let i = start; i < Math.min(items.length, start + BATCH_SIZE); i++) this.#save(items[i], true);
      this.#out.w.byte(Op.ADDITEMS);
    }
  }

  #saveFrozenset(set: Set<unknown>): void {
    const items = [...set];
    if (this.protocol < 4) {
      this.#saveReduce('builtins', 'frozenset', [made({ list: items, hashable: true })], null);
      if (this.python) this.#hashables.set(set, this.#memoSize - 1);
      return;
    }
    this.#out.w.byte(Op.MARK);
    for (const item of items) this.#save(item, true);
    this.#out.w.byte(Op.FROZENSET);
    this.#remember(set, true);
  }

  /** Celery's exception dict: `{'exc_type', 'exc_message': tuple(args), 'exc_module'}` (spec §2.3, §4.4). */
  #saveException(error: RemoteTaskError): void {
    this.#out.w.byte(Op.EMPTY_DICT);
    this.#remember(error);
    this.#out.w.byte(Op.MARK);
    this.#saveStr('exc_type');
    this.#saveStr(error.excType);
    this.#saveStr('exc_message');
    const args = error.excArgs;
    this.#saveTupleOf(args.length, (i) => this.#save(args[i], false));
    this.#saveStr('exc_module');
    this.#saveStr(error.excModule ?? 'builtins');
    this.#out.w.byte(Op.SETITEMS);
  }

  #saveDatetime(date: Date): void {
    this.#saveReduce('datetime', 'datetime', [made({ bytes: datetimeState(date) }), made({ utc: true })], date);
  }

  #saveExactDatetime(value: PyDatetime): void {
    this.#saveReduce('datetime', 'datetime', stateWithTzinfo(exactDatetimeState(value)), value);
  }

  #saveTime(time: PyTime): void {
    this.#saveReduce('datetime', 'time', stateWithTzinfo(timeState(time)), time);
  }

  /** `uuid.UUID`, as Python pickles it: NEWOBJ with no arguments, then BUILD with `{'int': n}`. */
  #saveUuid(uuid: PyUUID): void {
    this.#saveGlobal('uuid', 'UUID');
    this.#out.boundary();
    this.#out.w.byte(Op.EMPTY_TUPLE);
    this.#out.w.byte(Op.NEWOBJ);
    this.#remember(uuid);
    this.#out.boundary();
    this.#out.w.byte(Op.EMPTY_DICT);
    if (this.python) this.#memoize();
    if (!this.python) this.#out.w.byte(Op.MARK);
    this.#saveStr('int');
    this.#saveInt(BigInt(`0x${uuid.hex}`));
    this.#out.w.byte(this.python ? Op.SETITEM : Op.SETITEMS);
    this.#out.w.byte(Op.BUILD);
  }

  // --- globals and calls ------------------------------------------------------------------

  /** A reference to `module.name` (STACK_GLOBAL from protocol 4, GLOBAL before), memoized by name. */
  #saveGlobal(module: string, name: string): void {
    this.#out.boundary();
    const key = `${module}\n${name}`;
    const known = this.python ? this.#named.get(key) : undefined;
    if (known !== undefined) {
      this.#get(known);
      return;
    }
    if (this.protocol >= 4) {
      // The module name is usually an interned string in Python, shared with equal strings;
      // the class name is a fresh object, written anew.
      this.#saveStr(module);
      this.#saveStr(name, true);
      this.#out.w.byte(Op.STACK_GLOBAL);
    } else {
      // Protocol 2 names `builtins` the Python 2 way; Python 3 maps it back on load.
      const mod = this.protocol < 3 && module === 'builtins' ? '__builtin__' : module;
      const w = this.#out.w;
      w.byte(Op.GLOBAL);
      w.bytes(encodeUtf8(`${mod}\n${name}\n`));
    }
    if (this.python) this.#named.set(key, this.#memoize());
  }

  /**
   * `module.name(*args)` through REDUCE, memoized under `identity` as Python's `save_reduce`
   * does. Arguments are user values or `Made` values.
   */
  #saveReduce(module: string, name: string, args: readonly unknown[], identity: object | null): void {
    this.#saveGlobal(module, name);
    this.#saveTupleOf(args.length, (i) => this.#saveSynthetic(args[i]));
    this.#out.w.byte(Op.REDUCE);
    if (identity) this.#remember(identity);
    else if (this.python) this.#memoize();
  }

  /** A REDUCE argument: a user value, or a `Made` value the writer makes up on the way. */
  #saveSynthetic(arg: unknown): void {
    if (!(arg instanceof Made)) {
      this.#save(arg, false);
      return;
    }
    this.#out.boundary();
    const value = arg.spec;
    if ('str' in value) {
      this.#saveStr(value.str, value.fresh ?? false);
    } else if ('bytes' in value) {
      this.#saveBytes(value.bytes, null);
    } else if ('list' in value) {
      // A fresh Python list (set(list), GroupResult results): memoized, but not by identity.
      const items = value.list;
      this.#out.w.byte(Op.EMPTY_LIST);
      if (this.python) this.#memoize();
      this.#batches(items.length, (i) => this.#save(items[i], value.hashable ?? false), Op.APPEND, Op.APPENDS);
    } else if ('utc' in value) {
      // timezone.utc is a singleton in Python: written once per pickle, then referenced.
      const known = this.python ? this.#named.get(UTC_KEY) : undefined;
      if (known !== undefined) {
        this.#get(known);
        return;
      }
      this.#saveReduce('datetime', 'timezone', [new PyTimedelta(0)], null);
      if (this.python) this.#named.set(UTC_KEY, this.#memoSize - 1);
    } else {
      this.#saveReduce('datetime', 'timezone', [value.timezone], null);
    }
  }
}

/** What the writer makes up while writing a value: states, arguments, time zones. */
type Spec =
  | { str: string; fresh?: boolean }
  | { bytes: Uint8Array }
  | { list: readonly unknown[]; hashable?: boolean }
  | { utc: true }
  | { timezone: PyTimedelta };

/** Marks a `Spec` in an argument list, so it cannot be mistaken for a user's plain object. */
class Made {
  constructor(readonly spec: Spec) {}
}

const made = (spec: Spec): Made => new Made(spec);

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** The arguments of a `datetime` or `time` reduce: its state, then its tzinfo when it has an offset. */
function stateWithTzinfo({ state, offset }: { state: Uint8Array; offset: PyTimedelta | null }): unknown[] {
  const args: unknown[] = [made({ bytes: state })];
  if (offset) {
    const zero = offset.days === 0 && offset.seconds === 0 && offset.microseconds === 0;
    args.push(made(zero ? { utc: true } : { timezone: offset }));
  }
  return args;
}
