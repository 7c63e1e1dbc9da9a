/**
 * The intermediate object graph the unpickler builds. Python containers are filled *after*
 * they are created (EMPTY_DICT, then SETITEMS; NEWOBJ, then BUILD) and may be shared through
 * the memo or even contain themselves, so they stay mutable placeholders until STOP. The
 * reviver (`revive.ts`) then turns the finished graph into the values users see.
 *
 * Lists are plain mutable arrays and tuples are frozen arrays, so APPEND can tell them apart.
 */
import type { GlobalKind } from './allow-list.js';

/** A reference to `module.name`. Only a pair of strings: nothing is imported or looked up. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}

  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A `dict` being built. Keys are kept as decoded (strings, numbers, bigints, tuples...). */
export class PyDict {
  readonly entries = new Map<unknown, unknown>();
}

/** A `set` or `frozenset` being built. */
export class PySet {
  readonly items = new Set<unknown>();
  constructor(readonly frozen: boolean) {}
}

/**
 * What Python would get by calling `callee(*args, **kwargs)` (REDUCE, NEWOBJ, OBJ, INST), kept
 * as data: the reviver decides from `kind` whether it becomes a known value or a
 * `PickledObject`. BUILD, APPEND(S) and SETITEM(S) applied to it are recorded, not executed.
 */
export class PyCall {
  /** The BUILD argument; `hasState` tells "no BUILD" from "BUILD with None". */
  state: unknown = undefined;
  hasState = false;
  /** Items Python would have passed to `append`/`extend`/`add`. */
  listItems: unknown[] | null = null;
  /** Items Python would have passed to `__setitem__`. */
  dictItems: PyDict | null = null;

  constructor(
    readonly callee: unknown,
    /** The allow-list entry for `callee`, or undefined when it is not a listed global. */
    readonly kind: GlobalKind | undefined,
    readonly args: readonly unknown[],
    readonly kwargs: PyDict | null,
  ) {}
}

/** True for the intermediate containers the reviver must convert; false for finished values. */
export function isIntermediate(value: unknown): value is unknown[] | PyDict | PySet | PyCall | PyGlobal {
  return (
    Array.isArray(value) ||
    value instanceof PyDict ||
    value instanceof PySet ||
    value instanceof PyCall ||
    value instanceof PyGlobal
  );
}
