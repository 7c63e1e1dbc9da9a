/**
 * Turns the unpickler's intermediate graph into the values users see:
 *
 * - list and tuple → `Array` (both plain, mutable arrays)
 * - dict → a plain object when every key is a string, otherwise a `Map`
 * - set and frozenset → `Set`
 * - allow-listed calls → `RemoteTaskError`, `PyUUID`, `PickledAsyncResult`, ...
 * - anything else that was called → `PickledObject`; a bare global → `PickledGlobal`
 *
 * The walk is iterative (an explicit stack of frames), so it never overflows the JavaScript
 * call stack; nesting deeper than `MAX_NESTING_DEPTH`, the limit every serializer shares, is
 * a `DecodeError`. Every node is converted once and the result kept
 * on it, so values shared through the memo stay shared, and a pickle that references the same
 * list 2^60 times costs no more than one that references it twice. Cycles are supported through
 * arrays, objects, Maps, Sets and `PickledObject`s (they exist before their contents are
 * converted); a cycle through a value that can only be built from finished parts (an exception
 * or a Celery result) is a `DecodeError`, since no such value can contain itself.
 */
import { DecodeError, MAX_NESTING_DEPTH, nestingTooDeepMessage, PyTuple as Tuple, RemoteTaskError } from '@resultkit/core';

import type { Budget } from './budget.js';
import { uuidFromCall } from './known-values.js';
import { treeSize } from './tree-size.js';
import { BUILDING, DONE, type PyCall, PyDict, PyGlobal, PyList, PyNode, PySet, PyTuple, sequenceItems } from './python-objects.js';
import { PickledAsyncResult, PickledGlobal, PickledGroupResult, PickledObject, fillPickledObject, type PickledResult } from './values.js';

type Dict = Record<string, unknown> | Map<unknown, unknown>;

/** How a frame turns its converted children into its node's value. */
const Kind = { ARRAY: 0, DICT: 1, SET: 2, BUILT: 3, OBJECT: 4 } as const;
type FrameKind = (typeof Kind)[keyof typeof Kind];

/** A node whose children are being converted; `results` receives them in order. */
interface Frame {
  readonly node: PyNode;
  readonly kind: FrameKind;
  readonly children: readonly unknown[];
  next: number;
  /** For arrays, the output array itself. */
  readonly results: unknown[];
  /** For BUILT frames: makes the value from the converted children. */
  readonly build?: (results: unknown[]) => unknown;
}

/** Returned by `visit` when it pushed a frame instead of producing a value. */
const PUSHED: unique symbol = Symbol('pushed');

/** The frame stack of one conversion, and the budget its copies are charged to. */
interface Walk {
  readonly frames: Frame[];
  readonly budget: Budget;
  /** Tuples become core's `PyTuple` instead of plain arrays (`LoadOptions.exact`). */
  readonly exact: boolean;
}

/** Converts the value STOP returned. */
export function revive(root: unknown, budget: Budget, exact = false): unknown {
  const walk: Walk = { frames: [], budget, exact };
  const { frames } = walk;
  const first = visit(root, walk);
  if (first !== PUSHED) return first;
  let result: unknown;
  while (frames.length > 0) {
    const frame = frames[frames.length - 1] as Frame;
    if (frame.next < frame.children.length) {
      const child = visit(frame.children[frame.next++], walk);
      if (child !== PUSHED) frame.results.push(child);
      continue;
    }
    frames.pop();
    const value = finish(frame);
    const parent = frames[frames.length - 1];
    if (parent) parent.results.push(value);
    else result = value;
  }
  return result;
}

function done<T>(node: PyNode, value: T): T {
  node.out = value;
  node.phase = DONE;
  return value;
}

/** Pushes a frame, charging the budget for its children (each is visited, most are copied). */
function push(walk: Walk, frame: Frame): typeof PUSHED {
  walk.budget.charge(1 + frame.children.length);
  walk.frames.push(frame);
  return PUSHED;
}

/** A value, or PUSHED after pushing a frame that will produce it. */
function visit(node: unknown, walk: Walk): unknown {
  if (!(node instanceof PyNode)) return node;
  if (node.phase === DONE) return node.out;
  // Each frame is one open container (or call) above this node. A shared value is measured
  // where it is first reached.
  if (walk.frames.length >= MAX_NESTING_DEPTH) throw new DecodeError(nestingTooDeepMessage('The pickle'));
  if (node.phase === BUILDING) throw new DecodeError('Corrupt pickle: an exception or a Celery result contains itself.');
  if (node instanceof PyList || node instanceof PyTuple) {
    const items = node.items;
    // A list of plain values (the common case) needs no conversion: its items array becomes the
    // output as is. Each node owns its array (the unpickler never shares one between nodes).
    let plain = true;
    for (let i = 0; i < items.length; i++) {
      if (items[i] instanceof PyNode) {
        plain = false;
        break;
      }
    }
    const tuple = walk.exact && node instanceof PyTuple;
    if (plain) {
      walk.budget.charge(1 + items.length);
      return done(node, tuple ? tupleOf(items as unknown[]) : (items as unknown[]));
    }
    // The output exists before its items are converted, so a cycle back to it finds it.
    const out = done(node, tuple ? new Tuple() : ([] as unknown[]));
    return push(walk, { node, kind: Kind.ARRAY, children: items, next: 0, results: out });
  }
  if (node instanceof PyDict) return visitPyDict(node, walk);
  if (node instanceof PySet) return visitSet(node, [...node.items], walk);
  if (node instanceof PyGlobal) return done(node, new PickledGlobal(node.module, node.name));
  return visitCall(node as PyCall, walk);
}

/**
 * A dict node. The common case, string keys and values that need no conversion, becomes an
 * object in one pass over the entries; anything else takes the general path.
 */
function visitPyDict(node: PyDict, walk: Walk): unknown {
  const entries = node.entries;
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    if (typeof key !== 'string' || value instanceof PyNode) return visitDict(node, flatten(node), walk);
    setKey(out, key, value);
  }
  walk.budget.charge(1 + 2 * entries.size);
  return done(node, out);
}

function visitDict(node: PyNode, pairs: unknown[], walk: Walk): unknown {
  let allStrings = true;
  let plain = true;
  for (let i = 0; i < pairs.length; i += 2) {
    if (typeof pairs[i] !== 'string') allStrings = false;
    if (pairs[i] instanceof PyNode || pairs[i + 1] instanceof PyNode) plain = false;
  }
  const out = done(node, allStrings ? {} : new Map<unknown, unknown>());
  if (plain) {
    walk.budget.charge(1 + pairs.length);
    fillDict(out, pairs);
    return out;
  }
  return push(walk, { node, kind: Kind.DICT, children: pairs, next: 0, results: [] });
}

function visitSet(node: PyNode, items: unknown[], walk: Walk): unknown {
  done(node, new Set<unknown>());
  return push(walk, { node, kind: Kind.SET, children: items, next: 0, results: [] });
}

/** A frame for a value built from its converted children, after all of them. */
function visitBuilt(node: PyNode, children: readonly unknown[], build: (results: unknown[]) => unknown, walk: Walk): unknown {
  node.phase = BUILDING;
  return push(walk, { node, kind: Kind.BUILT, children, next: 0, results: [], build });
}

function finish(frame: Frame): unknown {
  const { node, results } = frame;
  switch (frame.kind) {
    case Kind.ARRAY:
      return node.out;
    case Kind.DICT:
      fillDict(node.out as Dict, results);
      return node.out;
    case Kind.SET:
      for (const item of results) (node.out as Set<unknown>).add(item);
      return node.out;
    case Kind.BUILT:
      return done(node, (frame.build as (results: unknown[]) => unknown)(results));
    default:
      return finishObject(node as PyCall, results);
  }
}

function visitCall(call: PyCall, walk: Walk): unknown {
  const callee = call.callee instanceof PyGlobal ? call.callee : null;
  const args = call.args;
  switch (call.kind) {
    case 'exception':
      return visitBuilt(
        call,
        [call.argsNode ?? new PyTuple(args)],
        ([excArgs]) => remoteTaskError(callee?.name ?? 'Exception', callee?.module ?? null, excArgs as unknown[], walk.budget),
        walk,
      );
    case 'exception-wrapper':
      // UnpickleableExceptionWrapper(exc_module, exc_cls_name, exc_args, text): Celery's stand-in
      // for an exception that could not be pickled; it names the real one.
      return visitBuilt(
        call,
        args,
        ([module, type, excArgs, ...rest]) =>
          typeof module === 'string' && typeof type === 'string'
            ? remoteTaskError(type, module, Array.isArray(excArgs) ? excArgs : [], walk.budget)
            : remoteTaskError('UnpickleableExceptionWrapper', 'celery.utils.serialization', [module, type, excArgs, ...rest], walk.budget),
        walk,
      );
    case 'uuid':
      return done(call, uuidFromCall(call, walk.budget));
    case 'set':
    case 'frozenset':
      return visitSet(call, [...iterableItems(args[0]), ...(call.listItems ?? [])], walk);
    case 'ordered-dict':
    case 'defaultdict':
    case 'counter':
      return visitDict(call, dictLikePairs(call), walk);
    case 'async-result':
      // AsyncResult(id, backend=None, task_name=None, app=None, parent=None): the backend and the
      // app are Python objects with no meaning here and are dropped.
      return visitBuilt(
        call,
        [args[0], args[4] ?? null],
        ([id, parent]) => new PickledAsyncResult(resultId(id, 'AsyncResult'), asResult(parent)),
        walk,
      );
    case 'group-result':
      // GroupResult(id, results, parent=None).
      return visitBuilt(
        call,
        [args[0], args[1] ?? null, args[2] ?? null],
        ([id, results, parent]) => {
          const children = Array.isArray(results) ? results : [];
          // The results list may be shared by many GroupResult calls; each one walks it.
          walk.budget.charge(children.length);
          const typed = children.map((child) => {
            const result = asResult(child);
            if (!result) throw new DecodeError('Corrupt pickle: a GroupResult child is not an AsyncResult or GroupResult.');
            return result;
          });
          return new PickledGroupResult(resultId(id, 'GroupResult'), typed, asResult(parent));
        },
        walk,
      );
    default:
      // Not allow-listed (or allowed but kept inert): created first, so cycles through it work.
      done(call, new PickledObject(callee?.module ?? '', callee?.name ?? '', null));
      return push(walk, {
        node: call,
        kind: Kind.OBJECT,
        children: [
          callee ? null : call.callee,
          // The argument tuple itself, converted once however many calls share it.
          call.argsNode ?? new PyTuple(call.args),
          call.kwargs,
          call.hasState ? call.state : null,
          call.listItems ? new PyList(call.listItems) : null,
          call.dictItems,
        ],
        next: 0,
        results: [],
      });
  }
}

/** Arguments larger than this (counting every reference and character) are not formatted into a message. */
const MAX_MESSAGE_UNITS = 100_000;

/**
 * A `RemoteTaskError`. Its constructor formats the arguments into the message with
 * `JSON.stringify`, which walks shared values once per reference: arguments that are small in
 * the pickle may be astronomically large (or cyclic) as a tree. Those get a short message and
 * keep their arguments as they are.
 */
function remoteTaskError(excType: string, excModule: string | null, excArgs: unknown[], budget: Budget): RemoteTaskError {
  // Measuring and formatting both cost about `units`: charged, as the same big arguments may be
  // shared by many exceptions.
  const units = treeSize(excArgs, MAX_MESSAGE_UNITS);
  budget.charge(units);
  if (units <= MAX_MESSAGE_UNITS) return new RemoteTaskError({ excType, excModule, excArgs });
  const error = new RemoteTaskError({ excType, excModule, excArgs: [] });
  // The fields are read-only for users; here they are set once, right after construction.
  Object.assign(error, { excArgs, message: `(${excArgs.length} arguments, too large to format)` });
  return error;
}

function finishObject(call: PyCall, [callee, args, kwargs, state, items, entries]: unknown[]): PickledObject {
  const out = call.out as PickledObject;
  if (!(call.callee instanceof PyGlobal)) Object.assign(out, { callee });
  fillPickledObject(out, {
    args: args as unknown[],
    kwargs: (kwargs as Dict | null) ?? null,
    state: call.hasState ? state : undefined,
    items: (items as unknown[] | null) ?? null,
    entries: (entries as Dict | null) ?? null,
  });
  return out;
}

function flatten(dict: PyDict): unknown[] {
  const pairs: unknown[] = [];
  for (const [key, value] of dict.entries) pairs.push(key, value);
  return pairs;
}

function fillDict(out: Dict, pairs: readonly unknown[]): void {
  for (let i = 0; i < pairs.length; i += 2) {
    const key = pairs[i];
    const value = pairs[i + 1];
    if (out instanceof Map) out.set(key, value);
    else setKey(out, key as string, value);
  }
}

/** Sets `out[key]`; a `__proto__` key becomes an own property, as Python's dict holds it. */
export function setKey(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    // Assignment would replace the object's prototype instead of adding a key.
    Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    out[key] = value;
  }
}

/** The elements Python's `set(x)` would iterate (lists, tuples, sets, dict keys, characters). */
function iterableItems(source: unknown): readonly unknown[] {
  if (source === undefined) return [];
  const items = sequenceItems(source);
  if (items) return items;
  if (source instanceof PySet) return [...source.items];
  if (source instanceof PyDict) return [...source.entries.keys()];
  if (typeof source === 'string') return [...source];
  throw new DecodeError('Corrupt pickle: set() needs an iterable argument.');
}

/** Key/value pairs of OrderedDict(pairs), Counter(dict), defaultdict(factory[, dict]) plus SETITEMs. */
function dictLikePairs(call: PyCall): unknown[] {
  const pairs: unknown[] = [];
  const sources = call.kind === 'defaultdict' ? call.args.slice(1) : call.args.slice(0, 1);
  for (const source of sources) {
    const items = sequenceItems(source);
    if (source instanceof PyDict) {
      for (const [key, value] of source.entries) pairs.push(key, value);
    } else if (items) {
      for (const pair of items) {
        const kv = sequenceItems(pair);
        if (!kv || kv.length !== 2) throw new DecodeError('Corrupt pickle: a dict needs (key, value) pairs.');
        pairs.push(kv[0], kv[1]);
      }
    } else if (source !== null && source !== undefined) {
      throw new DecodeError('Corrupt pickle: unsupported argument for a dict-like class.');
    }
  }
  if (call.dictItems) for (const [key, value] of call.dictItems.entries) pairs.push(key, value);
  return pairs;
}

function resultId(id: unknown, what: string): string {
  if (typeof id !== 'string') throw new DecodeError(`Corrupt pickle: a ${what} id must be a string.`);
  return id;
}

function asResult(value: unknown): PickledResult | null {
  return value instanceof PickledAsyncResult || value instanceof PickledGroupResult ? value : null;
}

// A loop, not `Tuple.of(...items)`: spreading a huge tuple would overflow the call stack.
function tupleOf(items: readonly unknown[]): Tuple {
  const tuple = new Tuple();
  for (let i = 0; i < items.length; i++) tuple.push(items[i]);
  return tuple;
}
