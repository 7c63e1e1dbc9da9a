/**
 * The intermediate object graph the unpickler builds. Python containers are filled *after*
 * they are created (EMPTY_DICT, then SETITEMS; NEWOBJ, then BUILD) and may be shared through
 * the memo or even contain themselves, so they stay mutable placeholders until STOP. The
 * reviver (`revive.ts`) then turns the finished graph into the values users see, recording the
 * result on each node (`out`) so that a shared node is converted once.
 */
import type { GlobalKind } from './allow-list.js';

/** Where the reviver is with a node: not visited yet. */
export const NEW = 0;
/** Being built from its children; meeting it again means a cycle. */
export const BUILDING = 1;
/** `out` holds the result (possibly still being filled, for containers). */
export const DONE = 2;

/** Base of every intermediate node. */
export abstract class PyNode {
  phase: typeof NEW | typeof BUILDING | typeof DONE = NEW;
  out: unknown = undefined;
}

/** A `list` being built (APPEND/APPENDS add to `items`). */
export class PyList extends PyNode {
  constructor(readonly items: unknown[] = []) {
    super();
  }
}

/** A `tuple`: complete when created. */
export class PyTuple extends PyNode {
  constructor(readonly items: readonly unknown[]) {
    super();
  }
}

/** A `dict` being built. Keys are kept as decoded (strings, numbers, bigints, tuples...). */
export class PyDict extends PyNode {
  readonly entries = new Map<unknown, unknown>();
}

/** A `set` or `frozenset` being built. */
export class PySet extends PyNode {
  readonly items = new Set<unknown>();
  constructor(readonly frozen: boolean) {
    super();
  }
}

/** A reference to `module.name`. Only a pair of strings: nothing is imported or looked up. */
export class PyGlobal extends PyNode {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {
    super();
  }

  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/**
 * What Python would get by calling `callee(*args, **kwargs)` (REDUCE, NEWOBJ, OBJ, INST), kept
 * as data: the reviver decides from `kind` whether it becomes a known value or a
 * `PickledObject`. BUILD, APPEND(S) and SETITEM(S) applied to it are recorded, not executed.
 */
export class PyCall extends PyNode {
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
    /**
     * The tuple (or list) node `args` came from, when the call used one as is. The reviver
     * converts that node, once, instead of `args`: a pickle may pass one huge tuple to
     * thousands of calls, and each must not copy it.
     */
    readonly argsNode: PyTuple | PyList | null = null,
  ) {
    super();
  }
}

/** The items of a list or tuple node, or undefined for anything else. */
export function sequenceItems(value: unknown): readonly unknown[] | undefined {
  return value instanceof PyList || value instanceof PyTuple ? value.items : undefined;
}
