/**
 * A data-only pickle reader for protocols 0 to 5.
 *
 * Python's unpickler is a small stack machine whose GLOBAL opcode imports modules and whose
 * REDUCE/NEWOBJ/BUILD opcodes call whatever GLOBAL found: that is why loading a pickle can run
 * arbitrary code. This reader runs the same machine with those opcodes disarmed: GLOBAL makes
 * an inert `(module, name)` marker, and a call on a marker becomes a value only when the names
 * are on the allow-list (`allow-list.ts`). In strict mode (the default) a global outside the
 * list is refused as soon as it is named; otherwise its call is recorded as a `PickledObject`.
 *
 * Hardening, so that hostile bytes cost at most time and memory proportional to their length:
 * - the reader is one loop (no recursion), and so is the reviver that builds the result;
 * - every read is bounds-checked, and a declared length larger than the rest of the input is a
 *   `DecodeError` before anything is allocated;
 * - every stack slot, memo entry and container item is created by an opcode of at least one
 *   byte, so none of them can outgrow the input; memo references share, never copy;
 * - the few operations that work on a whole argument each time they run (`set(x)`,
 *   `_codecs.encode(x)`, ...) are charged to a budget proportional to the input (`budget.ts`),
 *   so reusing one big value many times cannot multiply the work;
 * - decimal integers are limited to 4300 digits, as in Python 3.11, and text patterns are
 *   matched with linear-time regular expressions.
 * Any malformed input raises `DecodeError` (from `@resultkit/core`), never another error.
 *
 * Most pickles are plain data (dicts, lists, text, numbers): `plain-reader.ts` reads those in
 * one pass first, and hands everything else, malformed input included, to this reader.
 */
import { DecodeError, PyFloat } from '@resultkit/core';

import { classifyGlobal, isAllowedGlobal, normalizeModule, type GlobalKind } from './allow-list.js';
import { Budget } from './budget.js';
import { ByteReader } from './byte-reader.js';
import { decodeLong, parseDecimalInteger } from './integers.js';
import { EAGER_KINDS, evaluateEagerly } from './known-values.js';
import { HIGHEST_PROTOCOL, Op } from './opcodes.js';
import { NOT_PLAIN, readPlain } from './plain-reader.js';
import { PyCall, PyDict, PyGlobal, PyList, PySet, PyTuple, sequenceItems } from './python-objects.js';
import { revive } from './revive.js';
import { decodeLatin1, decodeQuotedString, decodeRawUnicodeEscape, decodeUtf8Range } from './text.js';

export interface LoadOptions {
  /**
   * Refuse, with a `DecodeError` naming it, any global (GLOBAL, STACK_GLOBAL, INST) that is not
   * on the allow-list, the moment the pickle names it; nothing is imported or executed either
   * way. Default true: hostile bytes can then only produce a `DecodeError`. `false` reads a call
   * of such a global as an inert `PickledObject` (and a bare one as a `PickledGlobal`), for
   * pickles of your own classes that you want to inspect as data.
   */
  strict?: boolean;
  /**
   * Extends the allow-list of exception classes (which decode to `RemoteTaskError`) beyond
   * `builtins`, `celery.exceptions`, `billiard.exceptions` and `kombu.exceptions`; e.g.
   * `(module) => module.startsWith('myapp.')`. It only sees the two names.
   */
  isException?: (module: string, name: string) => boolean;
  /**
   * Keep what plain JavaScript values would lose, so the value can be written back as Python
   * had it: tuples become core's `PyTuple`, integral floats `PyFloat`, and datetimes
   * `PyDatetime` (microseconds and UTC offset kept; a named zone is kept as its offset at that
   * instant). Default false. Migration between backends reads this way.
   */
  exact?: boolean;
}

// Written so that no run of digits can be split two ways: an ambiguous pattern (\d+\.?\d*)
// backtracks quadratically on a long line of digits that ends badly.
const FLOAT_TEXT = /^[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)$/i;

/** Decodes a pickle into plain values. Never imports or executes anything. */
export function loads(data: Uint8Array, options: LoadOptions = {}): unknown {
  if (!(data instanceof Uint8Array)) throw new DecodeError('A pickle must be given as a Uint8Array.');
  const input = plainBytes(data);
  const plain = readPlain(input, options.exact ?? false);
  return plain === NOT_PLAIN ? readGeneral(input, options) : plain;
}

/**
 * The same bytes as a plain `Uint8Array`. A subclass (Node's `Buffer`, which database drivers
 * return) makes every `subarray` and `slice` of it build an instance of the subclass, which
 * costs more than the string it is taken for; and `Buffer#slice` does not even copy, so the
 * bytes values read from a Buffer would share its memory.
 */
function plainBytes(data: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(data) === Uint8Array.prototype ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** `loads` without the one-pass reader: every pickle through the graph and the reviver. */
export function readGeneral(data: Uint8Array, options: LoadOptions = {}): unknown {
  const budget = new Budget(data.length);
  return revive(new Unpickler(data, options, budget).run(), budget, options.exact ?? false);
}

class Unpickler {
  readonly #in: ByteReader;
  readonly #options: LoadOptions;
  readonly #strict: boolean;
  readonly #budget: Budget;
  #stack: unknown[] = [];
  // MARK saves the current stack here and starts a new one, as Python 3's unpickler does.
  readonly #metastack: unknown[][] = [];
  // An array, not a Map: indices are almost always 0, 1, 2, ... (MEMOIZE, or BINPUT from a
  // counter), which makes this a packed array. Other indices still work (as holes or, beyond
  // 2^32 - 2, as named properties); `#memoSize` counts distinct indices, as `len(memo)` does.
  readonly #memo: unknown[] = [];
  #memoSize = 0;
  /** Offset of the opcode being executed, for messages. */
  #at = 0;

  constructor(data: Uint8Array, options: LoadOptions, budget: Budget) {
    this.#in = new ByteReader(data);
    this.#options = options;
    this.#strict = options.strict ?? true;
    this.#budget = budget;
  }

  /** The global `module.name`, refused in strict mode unless it is on the allow-list. */
  #global(module: string, name: string): PyGlobal {
    const global = new PyGlobal(normalizeModule(module), name);
    if (this.#strict) {
      // Classifying reads both names, which the memo can make long and reuse many times.
      this.#budget.charge(1 + module.length + name.length);
      if (!isAllowedGlobal(global.module, global.name, this.#options.isException)) {
        throw new DecodeError(
          `Refusing the pickle: it names ${global.qualifiedName} (opcode at offset ${this.#at}), which is not on the ` +
            `allow-list, and strict mode is on. Nothing was imported or executed. To read it as an inert ` +
            `PickledObject, pass strict: false.`,
        );
      }
    }
    return global;
  }

  #fail(message: string): never {
    throw new DecodeError(`Corrupt pickle: ${message} (opcode at offset ${this.#at}).`);
  }

  #push(value: unknown): void {
    this.#stack.push(value);
  }

  #pop(): unknown {
    if (this.#stack.length === 0) this.#fail('the stack is empty');
    return this.#stack.pop();
  }

  #top(): unknown {
    if (this.#stack.length === 0) this.#fail('the stack is empty');
    return this.#stack[this.#stack.length - 1];
  }

  #popMark(): unknown[] {
    const saved = this.#metastack.pop();
    if (!saved) this.#fail('no MARK to pop back to');
    const items = this.#stack;
    this.#stack = saved;
    return items;
  }

  #memoGet(index: number): unknown {
    const value = this.#memo[index];
    if (value === undefined && !(index in this.#memo)) this.#fail(`memo entry ${index} was never stored`);
    return value;
  }

  #memoPut(index: number, value: unknown): void {
    const memo = this.#memo;
    if (index < memo.length && memo[index] !== undefined ? false : !(index in memo)) this.#memoSize++;
    memo[index] = value;
  }

  #memoIndexFromLine(what: string): number {
    const text = decodeLatin1(this.#in.line(what)).trim();
    if (!/^\d{1,15}$/.test(text)) this.#fail(`${what} needs a non-negative decimal index`);
    return Number(text);
  }

  #text(bytes: Uint8Array, what: string): string {
    return decodeUtf8Range(bytes, 0, bytes.length, what, this.#at);
  }

  /** The next `n` bytes of the input as UTF-8 text, decoded in place. */
  #textOf(n: number, what: string): string {
    const input = this.#in;
    const start = input.skip(n, what);
    return decodeUtf8Range(input.data, start, start + n, what, this.#at);
  }

  /** Bytes handed out are copied: a view would keep the whole input alive and share its mutations. */
  #bytes(n: number, what: string): Uint8Array {
    return this.#in.bytes(n, what).slice();
  }

  run(): unknown {
    const input = this.#in;
    for (;;) {
      this.#at = input.position;
      const op = input.u8('an opcode');
      switch (op) {
        case Op.PROTO: {
          const version = input.u8('PROTO');
          if (version > HIGHEST_PROTOCOL) this.#fail(`unsupported pickle protocol ${version}`);
          break;
        }
        case Op.FRAME:
          // Frames only help buffered readers; their length is checked against the input and the
          // content is read like any other opcodes.
          input.length64('FRAME');
          break;
        case Op.STOP:
          return this.#pop();
        case Op.MARK:
          this.#metastack.push(this.#stack);
          this.#stack = [];
          break;
        case Op.POP:
          if (this.#stack.length > 0) this.#stack.pop();
          else this.#popMark();
          break;
        case Op.POP_MARK:
          this.#popMark();
          break;
        case Op.DUP:
          this.#push(this.#top());
          break;

        // Memo.
        case Op.PUT:
          this.#memoPut(this.#memoIndexFromLine('PUT'), this.#top());
          break;
        case Op.BINPUT:
          this.#memoPut(input.u8('BINPUT'), this.#top());
          break;
        case Op.LONG_BINPUT:
          this.#memoPut(input.u32('LONG_BINPUT'), this.#top());
          break;
        case Op.MEMOIZE:
          this.#memoPut(this.#memoSize, this.#top());
          break;
        case Op.GET:
          this.#push(this.#memoGet(this.#memoIndexFromLine('GET')));
          break;
        case Op.BINGET:
          this.#push(this.#memoGet(input.u8('BINGET')));
          break;
        case Op.LONG_BINGET:
          this.#push(this.#memoGet(input.u32('LONG_BINGET')));
          break;

        // Singletons.
        case Op.NONE:
          this.#push(null);
          break;
        case Op.NEWTRUE:
          this.#push(true);
          break;
        case Op.NEWFALSE:
          this.#push(false);
          break;

        // Integers.
        case Op.INT: {
          const text = decodeLatin1(input.line('INT'));
          // Protocol 0 spells the booleans as INT 00 / INT 01.
          if (text === '00') this.#push(false);
          else if (text === '01') this.#push(true);
          else this.#push(parseDecimalInteger(text, 'INT'));
          break;
        }
        case Op.BININT:
          this.#push(input.i32('BININT'));
          break;
        case Op.BININT1:
          this.#push(input.u8('BININT1'));
          break;
        case Op.BININT2:
          this.#push(input.u16('BININT2'));
          break;
        case Op.LONG: {
          const text = decodeLatin1(input.line('LONG'));
          this.#push(parseDecimalInteger(text.endsWith('L') ? text.slice(0, -1) : text, 'LONG'));
          break;
        }
        case Op.LONG1:
          this.#push(decodeLong(input.bytes(input.u8('LONG1'), 'LONG1')));
          break;
        case Op.LONG4:
          this.#push(decodeLong(input.bytes(input.i32('LONG4'), 'LONG4')));
          break;

        // Floats.
        case Op.FLOAT: {
          const text = decodeLatin1(input.line('FLOAT')).trim();
          if (!FLOAT_TEXT.test(text)) this.#fail('FLOAT needs a decimal number');
          const lower = text.toLowerCase().replace(/^\+/, '');
          this.#push(this.#float(lower.endsWith('nan') ? Number.NaN : lower.includes('inf') ? (lower.startsWith('-') ? -Infinity : Infinity) : Number(text)));
          break;
        }
        case Op.BINFLOAT:
          this.#push(this.#float(input.f64be('BINFLOAT')));
          break;

        // Python 2 str: Python 3 decodes it as text; Latin-1 keeps every byte.
        case Op.STRING:
          this.#push(decodeLatin1(decodeQuotedString(input.line('STRING'), 'STRING')));
          break;
        case Op.BINSTRING:
          this.#push(decodeLatin1(input.bytes(input.i32('BINSTRING'), 'BINSTRING')));
          break;
        case Op.SHORT_BINSTRING:
          this.#push(decodeLatin1(input.bytes(input.u8('SHORT_BINSTRING'), 'SHORT_BINSTRING')));
          break;

        // Text.
        case Op.UNICODE:
          this.#push(decodeRawUnicodeEscape(input.line('UNICODE'), `UNICODE at offset ${this.#at}`));
          break;
        case Op.BINUNICODE:
          this.#push(this.#textOf(input.u32('BINUNICODE'), 'BINUNICODE'));
          break;
        case Op.SHORT_BINUNICODE:
          this.#push(this.#textOf(input.u8('SHORT_BINUNICODE'), 'SHORT_BINUNICODE'));
          break;
        case Op.BINUNICODE8:
          this.#push(this.#textOf(input.length64('BINUNICODE8'), 'BINUNICODE8'));
          break;

        // Bytes.
        case Op.BINBYTES:
          this.#push(this.#bytes(input.u32('BINBYTES'), 'BINBYTES'));
          break;
        case Op.SHORT_BINBYTES:
          this.#push(this.#bytes(input.u8('SHORT_BINBYTES'), 'SHORT_BINBYTES'));
          break;
        case Op.BINBYTES8:
          this.#push(this.#bytes(input.length64('BINBYTES8'), 'BINBYTES8'));
          break;
        case Op.BYTEARRAY8:
          this.#push(this.#bytes(input.length64('BYTEARRAY8'), 'BYTEARRAY8'));
          break;

        // Lists.
        case Op.EMPTY_LIST:
          this.#push(new PyList());
          break;
        case Op.LIST:
          this.#push(new PyList(this.#popMark()));
          break;
        case Op.APPEND: {
          const item = this.#pop();
          const target = this.#top();
          if (target instanceof PyList) target.items.push(item);
          else this.#extend(target, [item]);
          break;
        }
        case Op.APPENDS: {
          const items = this.#popMark();
          this.#extend(this.#top(), items);
          break;
        }

        // Tuples.
        case Op.EMPTY_TUPLE:
          this.#push(new PyTuple([]));
          break;
        case Op.TUPLE:
          this.#push(new PyTuple(this.#popMark()));
          break;
        case Op.TUPLE1:
          this.#push(new PyTuple([this.#pop()]));
          break;
        case Op.TUPLE2: {
          const b = this.#pop();
          const a = this.#pop();
          this.#push(new PyTuple([a, b]));
          break;
        }
        case Op.TUPLE3: {
          const c = this.#pop();
          const b = this.#pop();
          const a = this.#pop();
          this.#push(new PyTuple([a, b, c]));
          break;
        }

        // Dicts.
        case Op.EMPTY_DICT:
          this.#push(new PyDict());
          break;
        case Op.DICT: {
          const items = this.#popMark();
          if (items.length % 2 !== 0) this.#fail('DICT needs key/value pairs');
          const dict = new PyDict();
          for (let i = 0; i < items.length; i += 2) dict.entries.set(items[i], items[i + 1]);
          this.#push(dict);
          break;
        }
        case Op.SETITEM: {
          const value = this.#pop();
          const key = this.#pop();
          const target = this.#top();
          if (target instanceof PyDict) target.entries.set(key, value);
          else this.#setItems(target, [key, value]);
          break;
        }
        case Op.SETITEMS: {
          const items = this.#popMark();
          if (items.length % 2 !== 0) this.#fail('SETITEMS needs key/value pairs');
          this.#setItems(this.#top(), items);
          break;
        }

        // Sets.
        case Op.EMPTY_SET:
          this.#push(new PySet(false));
          break;
        case Op.ADDITEMS: {
          const items = this.#popMark();
          const target = this.#top();
          if (target instanceof PySet && !target.frozen) for (const item of items) target.items.add(item);
          else if (target instanceof PyCall) this.#extend(target, items);
          else this.#fail('ADDITEMS needs a set');
          break;
        }
        case Op.FROZENSET: {
          const set = new PySet(true);
          for (const item of this.#popMark()) set.items.add(item);
          this.#push(set);
          break;
        }

        // Globals and calls: data only.
        case Op.GLOBAL: {
          const module = this.#text(input.line('GLOBAL module'), 'GLOBAL');
          const name = this.#text(input.line('GLOBAL name'), 'GLOBAL');
          this.#push(this.#global(module, name));
          break;
        }
        case Op.STACK_GLOBAL: {
          const name = this.#pop();
          const module = this.#pop();
          if (typeof module !== 'string' || typeof name !== 'string') this.#fail('STACK_GLOBAL needs two strings');
          this.#push(this.#global(module, name));
          break;
        }
        case Op.REDUCE: {
          const args = this.#pop();
          const callee = this.#pop();
          this.#push(this.#call(callee, this.#tuple(args, 'REDUCE'), null, args as PyTuple | PyList));
          break;
        }
        case Op.NEWOBJ: {
          const args = this.#pop();
          const cls = this.#pop();
          this.#push(this.#call(cls, this.#tuple(args, 'NEWOBJ'), null, args as PyTuple | PyList));
          break;
        }
        case Op.NEWOBJ_EX: {
          const kwargs = this.#pop();
          const args = this.#pop();
          const cls = this.#pop();
          if (!(kwargs instanceof PyDict)) this.#fail('NEWOBJ_EX needs a dict of keyword arguments');
          this.#push(this.#call(cls, this.#tuple(args, 'NEWOBJ_EX'), kwargs, args as PyTuple | PyList));
          break;
        }
        case Op.OBJ: {
          const items = this.#popMark();
          if (items.length === 0) this.#fail('OBJ needs a class');
          this.#push(this.#call(items[0], items.slice(1), null));
          break;
        }
        case Op.INST: {
          const module = this.#text(input.line('INST module'), 'INST');
          const name = this.#text(input.line('INST name'), 'INST');
          const global = this.#global(module, name);
          this.#push(this.#call(global, this.#popMark(), null));
          break;
        }
        case Op.BUILD: {
          const state = this.#pop();
          const target = this.#top();
          if (!(target instanceof PyCall)) this.#fail('BUILD needs an object built by a call');
          target.state = state;
          target.hasState = true;
          break;
        }

        // Features that need something outside the pickle: refused with a clear reason.
        case Op.PERSID:
        case Op.BINPERSID:
          throw new DecodeError(
            `Unsupported pickle: persistent IDs (opcode at offset ${this.#at}) refer to objects outside the pickle.`,
          );
        case Op.EXT1:
        case Op.EXT2:
        case Op.EXT4:
          throw new DecodeError(
            `Unsupported pickle: the copyreg extension registry (EXT opcodes, offset ${this.#at}) is not available.`,
          );
        case Op.NEXT_BUFFER:
        case Op.READONLY_BUFFER:
          throw new DecodeError(
            `Unsupported pickle: out-of-band buffers (protocol 5, offset ${this.#at}) are not supported.`,
          );
        default:
          this.#fail(`invalid opcode 0x${op.toString(16).padStart(2, '0')}`);
      }
    }
  }

  /** Python unpacks the arguments with `*args`; a tuple is what picklers write (a list works too). */
  #tuple(value: unknown, what: string): readonly unknown[] {
    const items = sequenceItems(value);
    if (!items) this.#fail(`${what} needs a tuple of arguments`);
    return items;
  }

  #extend(target: unknown, items: unknown[]): void {
    if (target instanceof PyList) {
      // push(...items) would overflow the call stack for very large batches.
      for (const item of items) target.items.push(item);
    } else if (target instanceof PyCall) {
      const list = (target.listItems ??= []);
      for (const item of items) list.push(item);
    } else {
      this.#fail('APPEND needs a list');
    }
  }

  #setItems(target: unknown, items: unknown[]): void {
    let dict: PyDict;
    if (target instanceof PyDict) dict = target;
    else if (target instanceof PyCall) dict = target.dictItems ??= new PyDict();
    else this.#fail('SETITEM needs a dict');
    for (let i = 0; i < items.length; i += 2) dict.entries.set(items[i], items[i + 1]);
  }

  /**
   * What a call of `callee(*args, **kwargs)` decodes to. Allow-listed value constructors are
   * evaluated (as data), forwarding helpers are rewritten to the call they stand for, and
   * everything else is recorded as a `PyCall` for the reviver.
   */
  #call(callee: unknown, args: readonly unknown[], kwargs: PyDict | null, argsNode: PyTuple | PyList | null = null): unknown {
    if (!(callee instanceof PyGlobal)) {
      if (this.#strict) this.#fail('strict mode refuses to call something that is not a global');
      return new PyCall(callee, undefined, args, kwargs, argsNode);
    }
    // Classifying reads both names, which the memo can make long and reuse many times.
    this.#budget.charge(1 + callee.module.length + callee.name.length);
    const kind = classifyGlobal(callee.module, callee.name, this.#options.isException);
    const [first, second, third] = args;
    // A forwarding helper may name any class but another forwarding helper: that keeps the
    // rewriting below from chaining (and recursing) as deep as a hostile pickle likes.
    const target = first instanceof PyGlobal && !this.#isForwarding(first) ? first : undefined;
    switch (kind) {
      case 'getattr':
        // getattr(cls, 'attr') only names `cls.attr`, e.g. zoneinfo's `ZoneInfo._unpickle`.
        if (args.length === 2 && first instanceof PyGlobal && typeof second === 'string') {
          return new PyGlobal(first.module, `${first.name}.${second}`);
        }
        return this.#unlisted(callee, args, kwargs);
      case 'reconstructor':
        // copyreg._reconstructor(cls, base, state): protocols 0-1 spelling of cls.__new__(cls).
        if (args.length === 3 && target) {
          return this.#call(target, third === null || third === undefined ? [] : [third], null);
        }
        return this.#unlisted(callee, args, kwargs);
      case 'newobj':
        if (target) {
          this.#budget.charge(args.length);
          return this.#call(target, args.slice(1), kwargs);
        }
        return this.#unlisted(callee, args, kwargs);
      case 'app-attr':
        // celery.app.base._unpickle_appattr('GroupResult', args) == app.GroupResult(*args).
        if ((first === 'AsyncResult' || first === 'GroupResult') && sequenceItems(second)) {
          return this.#call(new PyGlobal('celery.result', first), sequenceItems(second) ?? [], null);
        }
        return this.#unlisted(callee, args, kwargs);
      case undefined:
        return this.#unlisted(callee, args, kwargs, argsNode);
      default:
        if (EAGER_KINDS.has(kind)) return this.#evaluate(kind, args);
        return new PyCall(callee, kind, args, kwargs, argsNode);
    }
  }

  #isForwarding(global: PyGlobal): boolean {
    this.#budget.charge(1 + global.module.length + global.name.length);
    const kind = classifyGlobal(global.module, global.name, this.#options.isException);
    return kind === 'getattr' || kind === 'reconstructor' || kind === 'newobj' || kind === 'app-attr';
  }

  #unlisted(callee: PyGlobal, args: readonly unknown[], kwargs: PyDict | null, argsNode: PyTuple | PyList | null = null): PyCall {
    if (this.#strict) {
      throw new DecodeError(
        `Refusing to decode a call of ${callee.qualifiedName} (opcode at offset ${this.#at}): it is not on the ` +
          `allow-list and strict mode is on. Nothing was executed.`,
      );
    }
    return new PyCall(callee, undefined, args, kwargs, argsNode);
  }

  // An integral float would come back as an int from a number: exact reads keep it a float.
  #float(value: number): number | PyFloat {
    return this.#options.exact && Number.isInteger(value) ? new PyFloat(value) : value;
  }

  #evaluate(kind: GlobalKind, args: readonly unknown[]): unknown {
    try {
      return evaluateEagerly(kind, args, this.#budget, this.#options.exact ?? false);
    } catch (error) {
      if (error instanceof DecodeError) {
        throw new DecodeError(`${error.message} (opcode at offset ${this.#at})`, { cause: error });
      }
      throw error;
    }
  }
}
