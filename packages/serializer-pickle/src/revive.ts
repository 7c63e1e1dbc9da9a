/**
 * Turns the unpickler's intermediate graph into the values users see:
 *
 * - list and tuple → `Array` (both plain, mutable arrays)
 * - dict → a plain object when every key is a string, otherwise a `Map`
 * - set and frozenset → `Set`
 * - allow-listed calls → `RemoteTaskError`, `PyUUID`, `PickledAsyncResult`, ...
 * - anything else that was called → `PickledObject`; a bare global → `PickledGlobal`
 *
 * The walk is iterative (an explicit stack of frames), so nesting depth is limited only by
 * memory, never by the JavaScript call stack. Every intermediate node is converted once and the
 * result reused, so values shared through the memo stay shared and a pickle that references
 * the same list 2^60 times costs no more than one that references it twice. Cycles are
 * supported through arrays, objects, Maps, Sets and `PickledObject`s (they are created before
 * their contents); a cycle through a value that can only be built from finished parts (an
 * exception or a Celery result) is a `DecodeError`, since no such value can contain itself.
 */
import { DecodeError, RemoteTaskError } from '@resultkit/core';

import { uuidFromCall } from './known-values.js';
import { PyCall, PyDict, PyGlobal, PySet, isIntermediate } from './python-objects.js';
import { PickledAsyncResult, PickledGlobal, PickledGroupResult, PickledObject, fillPickledObject, type PickledResult } from './values.js';

interface Frame {
  /** The intermediate values to convert, in order. */
  readonly children: readonly unknown[];
  next: number;
  /** Converted children, in the same order. */
  readonly results: unknown[];
  /** Builds or fills the output from `results` and returns it. */
  readonly finish: (results: unknown[]) => unknown;
  /** The node whose conversion this frame completes (recorded in `done` by `finish`'s result). */
  readonly node: object;
}

type Dict = Record<string, unknown> | Map<unknown, unknown>;

/** Converts the value STOP returned. */
export function revive(root: unknown): unknown {
  return new Reviver().run(root);
}

class Reviver {
  /** Finished (or created-and-being-filled) outputs, by intermediate node. */
  readonly #done = new Map<object, unknown>();
  /** Nodes whose output only exists once all their children are converted. */
  readonly #pending = new Set<object>();
  readonly #frames: Frame[] = [];

  run(root: unknown): unknown {
    let rootResult: unknown;
    const first = this.#visit(root);
    if (!first.frame) return first.value;
    this.#frames.push(first.frame);
    while (this.#frames.length > 0) {
      const frame = this.#frames[this.#frames.length - 1] as Frame;
      if (frame.next < frame.children.length) {
        const child = this.#visit(frame.children[frame.next++]);
        if (child.frame) this.#frames.push(child.frame);
        else frame.results.push(child.value);
        continue;
      }
      this.#frames.pop();
      const value = frame.finish(frame.results);
      this.#done.set(frame.node, value);
      this.#pending.delete(frame.node);
      const parent = this.#frames[this.#frames.length - 1];
      if (parent) parent.results.push(value);
      else rootResult = value;
    }
    return rootResult;
  }

  /** Returns a finished value, or a frame that will produce it. */
  #visit(node: unknown): { value: unknown; frame?: undefined } | { value?: undefined; frame: Frame } {
    if (!isIntermediate(node)) return { value: node };
    if (this.#done.has(node)) return { value: this.#done.get(node) };
    if (this.#pending.has(node)) {
      throw new DecodeError('Corrupt pickle: an exception or a Celery result contains itself.');
    }
    if (Array.isArray(node)) {
      // The output array is created now and filled by the frame, so a cycle finds it.
      const out: unknown[] = [];
      this.#done.set(node, out);
      return { frame: { node, children: node, next: 0, results: out, finish: () => out } };
    }
    if (node instanceof PyDict) return this.#dict(node, flatten(node));
    if (node instanceof PySet) return this.#set(node, [...node.items]);
    if (node instanceof PyGlobal) return { value: this.#remember(node, new PickledGlobal(node.module, node.name)) };
    return this.#call(node);
  }

  #remember<T>(node: object, value: T): T {
    this.#done.set(node, value);
    return value;
  }

  /** A dict (or dict-like call) from flattened key/value pairs. */
  #dict(node: object, pairs: unknown[]): { frame: Frame } {
    let allStrings = true;
    for (let i = 0; i < pairs.length; i += 2) {
      if (typeof pairs[i] !== 'string') {
        allStrings = false;
        break;
      }
    }
    const out: Dict = allStrings ? {} : new Map();
    this.#done.set(node, out);
    return {
      frame: {
        node,
        children: pairs,
        next: 0,
        results: [],
        finish: (results) => {
          for (let i = 0; i < results.length; i += 2) setEntry(out, results[i], results[i + 1]);
          return out;
        },
      },
    };
  }

  #set(node: object, items: unknown[]): { frame: Frame } {
    const out = new Set<unknown>();
    this.#done.set(node, out);
    return {
      frame: {
        node,
        children: items,
        next: 0,
        results: [],
        finish: (results) => {
          for (const item of results) out.add(item);
          return out;
        },
      },
    };
  }

  /** A frame whose value is built from its converted children, after all of them. */
  #builtFrom(node: object, children: readonly unknown[], build: (results: unknown[]) => unknown): { frame: Frame } {
    this.#pending.add(node);
    return { frame: { node, children, next: 0, results: [], finish: build } };
  }

  #call(call: PyCall): { value: unknown; frame?: undefined } | { value?: undefined; frame: Frame } {
    const callee = call.callee instanceof PyGlobal ? call.callee : null;
    const args = call.args;
    switch (call.kind) {
      case 'exception':
        return this.#builtFrom(call, args, (excArgs) =>
          new RemoteTaskError({ excType: callee?.name ?? 'Exception', excModule: callee?.module ?? null, excArgs }),
        );
      case 'exception-wrapper':
        // UnpickleableExceptionWrapper(exc_module, exc_cls_name, exc_args, text): Celery's
        // stand-in for an exception that could not be pickled; it names the real one.
        return this.#builtFrom(call, args, ([module, type, excArgs, ...rest]) =>
          typeof module === 'string' && typeof type === 'string'
            ? new RemoteTaskError({ excType: type, excModule: module, excArgs: Array.isArray(excArgs) ? excArgs : [] })
            : new RemoteTaskError({
                excType: 'UnpickleableExceptionWrapper',
                excModule: 'celery.utils.serialization',
                excArgs: [module, type, excArgs, ...rest],
              }),
        );
      case 'uuid':
        return { value: this.#remember(call, uuidFromCall(call)) };
      case 'set':
      case 'frozenset':
        return this.#set(call, [...iterableItems(args[0]), ...(call.listItems ?? [])]);
      case 'ordered-dict':
      case 'defaultdict':
      case 'counter':
        return this.#dict(call, dictLikePairs(call));
      case 'async-result':
        // AsyncResult(id, backend=None, task_name=None, app=None, parent=None): the backend and
        // app are Python objects with no meaning here and are dropped.
        return this.#builtFrom(call, [args[0], args[4] ?? null], ([id, parent]) =>
          new PickledAsyncResult(resultId(id, 'AsyncResult'), asResult(parent)),
        );
      case 'group-result':
        // GroupResult(id, results, parent=None).
        return this.#builtFrom(call, [args[0], args[1] ?? [], args[2] ?? null], ([id, results, parent]) => {
          const children = Array.isArray(results) ? results : [];
          const typed = children.map((child) => {
            const result = asResult(child);
            if (!result) throw new DecodeError('Corrupt pickle: a GroupResult child is not an AsyncResult or GroupResult.');
            return result;
          });
          return new PickledGroupResult(resultId(id, 'GroupResult'), typed, asResult(parent));
        });
      default:
        return this.#pickledObject(call, callee);
    }
  }

  /** Anything not allow-listed (and the inert allowed kinds): a `PickledObject`, created first so cycles work. */
  #pickledObject(call: PyCall, callee: PyGlobal | null): { frame: Frame } {
    const out = new PickledObject(callee?.module ?? '', callee?.name ?? '', null);
    this.#done.set(call, out);
    const kwargs = call.kwargs ?? null;
    const children = [
      callee ? null : call.callee,
      call.args,
      kwargs,
      call.hasState ? call.state : null,
      call.listItems,
      call.dictItems,
    ];
    return {
      frame: {
        node: call,
        children,
        next: 0,
        results: [],
        finish: ([calleeValue, args, kwargsValue, state, items, entries]) => {
          if (!callee) Object.assign(out, { callee: calleeValue });
          fillPickledObject(out, {
            args: args as unknown[],
            kwargs: (kwargsValue as Dict | null) ?? null,
            state: call.hasState ? state : undefined,
            items: (items as unknown[] | null) ?? null,
            entries: (entries as Dict | null) ?? null,
          });
          return out;
        },
      },
    };
  }
}

function flatten(dict: PyDict): unknown[] {
  const pairs: unknown[] = [];
  for (const [key, value] of dict.entries) pairs.push(key, value);
  return pairs;
}

/** The elements Python's `set(x)` would iterate (lists, tuples, sets, dict keys, characters). */
function iterableItems(source: unknown): unknown[] {
  if (source === undefined) return [];
  if (Array.isArray(source)) return source;
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
    if (source instanceof PyDict) {
      for (const [key, value] of source.entries) pairs.push(key, value);
    } else if (Array.isArray(source)) {
      for (const pair of source) {
        if (!Array.isArray(pair) || pair.length !== 2) throw new DecodeError('Corrupt pickle: a dict needs (key, value) pairs.');
        pairs.push(pair[0], pair[1]);
      }
    } else if (source !== null && source !== undefined) {
      throw new DecodeError('Corrupt pickle: unsupported argument for a dict-like class.');
    }
  }
  if (call.dictItems) for (const [key, value] of call.dictItems.entries) pairs.push(key, value);
  return pairs;
}

function setEntry(out: Dict, key: unknown, value: unknown): void {
  if (out instanceof Map) {
    out.set(key, value);
  } else if (key === '__proto__') {
    // Assignment would replace the object's prototype instead of adding a key.
    Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    out[key as string] = value;
  }
}

function resultId(id: unknown, what: string): string {
  if (typeof id !== 'string') throw new DecodeError(`Corrupt pickle: a ${what} id must be a string.`);
  return id;
}

function asResult(value: unknown): PickledResult | null {
  return value instanceof PickledAsyncResult || value instanceof PickledGroupResult ? value : null;
}
