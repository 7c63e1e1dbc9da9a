/**
 * The values a pickle decodes to when no plain JavaScript value fits. All of them are inert
 * data: a module and a name are strings, never something that was imported or called.
 */

/** A bare reference to a Python global (a class or function), e.g. `celery.backends.database.DatabaseBackend`. */
export class PickledGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}

  /** `module.name`, as Python prints a qualified name. */
  toString(): string {
    return `${this.module}.${this.name}`;
  }

  toJSON(): { __pyglobal__: string } {
    return { __pyglobal__: this.toString() };
  }
}

/**
 * An object the pickle would have built by calling something outside the allow-list. Python
 * would have run `module.name(*args, **kwargs)`, then `__setstate__(state)`, `append`/`extend`
 * for `items` and `__setitem__` for `entries`; here those parts are only recorded.
 */
export class PickledObject {
  /** The module of the global that would have been called ('' when it was not a global). */
  readonly module: string;
  /** The qualified name of the global that would have been called ('' when it was not a global). */
  readonly name: string;
  /** What would have been called when it was not a global (for example another `PickledObject`). */
  readonly callee: unknown;
  /** Positional arguments of the call. */
  readonly args: readonly unknown[] = [];
  /** Keyword arguments (NEWOBJ_EX only), else null. */
  readonly kwargs: Record<string, unknown> | Map<unknown, unknown> | null = null;
  /** The argument of BUILD (`__setstate__` or the instance `__dict__`); undefined when there was none. */
  readonly state: unknown = undefined;
  /** Items appended with APPEND/APPENDS/ADDITEMS (list and set subclasses), else null. */
  readonly items: readonly unknown[] | null = null;
  /** Items set with SETITEM/SETITEMS (dict subclasses), else null. */
  readonly entries: Record<string, unknown> | Map<unknown, unknown> | null = null;

  constructor(module: string, name: string, callee: unknown = null) {
    this.module = module;
    this.name = name;
    this.callee = callee;
  }

  toJSON(): Record<string, unknown> {
    return {
      __pyobject__: this.module || this.name ? `${this.module}.${this.name}` : null,
      args: this.args,
      ...(this.kwargs ? { kwargs: this.kwargs } : {}),
      ...(this.state !== undefined ? { state: this.state } : {}),
      ...(this.items ? { items: this.items } : {}),
      ...(this.entries ? { entries: this.entries } : {}),
    };
  }
}

/** The parts of a `PickledObject` the reviver fills in once its children are converted. */
export interface PickledObjectParts {
  args: readonly unknown[];
  kwargs: Record<string, unknown> | Map<unknown, unknown> | null;
  state: unknown;
  items: readonly unknown[] | null;
  entries: Record<string, unknown> | Map<unknown, unknown> | null;
}

/**
 * Fills a `PickledObject` after construction. The reviver creates the object first, so a cycle
 * that leads back to it finds the same object, and fills it once its parts are converted.
 * Internal to this package: users see the fields as read-only.
 */
export function fillPickledObject(target: PickledObject, parts: PickledObjectParts): void {
  Object.assign(target, parts);
}

/** A Celery result reference: either a task result or a group of them. */
export type PickledResult = PickledAsyncResult | PickledGroupResult;

/** `celery.result.AsyncResult`: a task id (and its parent result, if the pickle had one). */
export class PickledAsyncResult {
  constructor(
    readonly id: string,
    readonly parent: PickledResult | null = null,
  ) {}

  /** Celery's `as_tuple()`: `[[id, parent], null]`, the form results are referenced by in JSON. */
  asTuple(): [[string, unknown], null] {
    return [[this.id, this.parent ? this.parent.asTuple() : null], null];
  }

  toJSON(): unknown {
    return this.asTuple();
  }
}

/** `celery.result.GroupResult`: a group id and its child results, as `GroupResult.save()` pickles them. */
export class PickledGroupResult {
  constructor(
    readonly id: string,
    readonly results: readonly PickledResult[],
    readonly parent: PickledResult | null = null,
  ) {}

  /** Celery's `as_tuple()`: `[[id, parent], [child tuples...]]`. */
  asTuple(): [[string, unknown], unknown[]] {
    return [[this.id, this.parent ? this.parent.asTuple() : null], this.results.map((r) => r.asTuple())];
  }

  toJSON(): unknown {
    return this.asTuple();
  }
}

const MAX_DAYS = 999_999_999;

/**
 * `datetime.timedelta`, kept exactly as Python normalises it: whole `days` (may be negative),
 * `seconds` in 0..86399 and `microseconds` in 0..999999. Use `totalSeconds()` for a number.
 */
export class PyTimedelta {
  readonly days: number;
  readonly seconds: number;
  readonly microseconds: number;

  constructor(days: number, seconds = 0, microseconds = 0) {
    if (![days, seconds, microseconds].every(Number.isSafeInteger)) {
      throw new TypeError('PyTimedelta takes whole days, seconds and microseconds.');
    }
    let us = microseconds;
    let s = seconds + Math.floor(us / 1_000_000);
    us -= Math.floor(us / 1_000_000) * 1_000_000;
    let d = days + Math.floor(s / 86_400);
    s -= Math.floor(s / 86_400) * 86_400;
    if (Math.abs(d) > MAX_DAYS) throw new RangeError(`A timedelta is limited to ±${MAX_DAYS} days; got ${d}.`);
    // Normalise -0 so that equal durations compare equal.
    d += 0;
    s += 0;
    us += 0;
    this.days = d;
    this.seconds = s;
    this.microseconds = us;
  }

  /** Python's `total_seconds()`: a float, exact to the microsecond for spans under ~285 years. */
  totalSeconds(): number {
    return this.days * 86_400 + this.seconds + this.microseconds / 1_000_000;
  }

  toString(): string {
    return `${this.totalSeconds()}s`;
  }

  /** The total number of seconds, as a number. */
  toJSON(): number {
    return this.totalSeconds();
  }
}
