import { describeValue } from './describe-value.js';
import { DecodeError } from './errors.js';
import { RemoteTaskError } from './remote-task-error.js';

/** The three-key dict Celery stores for an exception with the json, msgpack and yaml serializers. */
export interface ExceptionDocument {
  exc_type: string;
  exc_message: unknown[];
  exc_module: string;
}

// JavaScript errors whose names are also Python built-in exceptions keep their name; a Python
// reader then raises the real built-in class. `Error` itself becomes Python's `Exception`.
const PYTHON_BUILTIN_NAMES = new Set([
  'Exception', 'ValueError', 'TypeError', 'KeyError', 'IndexError', 'RuntimeError', 'AttributeError',
  'NotImplementedError', 'ZeroDivisionError', 'OverflowError', 'LookupError', 'ArithmeticError',
  'AssertionError', 'OSError', 'IOError', 'FileNotFoundError', 'PermissionError', 'TimeoutError',
  'ConnectionError', 'MemoryError', 'RecursionError', 'UnicodeError', 'StopIteration',
]);

/** The module written for JavaScript errors that have no Python counterpart. */
export const NODE_EXCEPTION_MODULE = 'nodejs';

/**
 * Encodes an error as Celery's exception dict. A `RemoteTaskError` keeps its exact type, module
 * and arguments; any other `Error` becomes `{exc_type: name, exc_message: [message], exc_module}`
 * with `builtins` for names Python also has (so Python raises the real class) and `nodejs`
 * otherwise (Python then synthesises a class of that name; it never imports anything).
 */
export function encodeException(error: unknown): ExceptionDocument {
  if (error instanceof RemoteTaskError) {
    return {
      exc_type: error.excType,
      exc_message: [...error.excArgs],
      exc_module: error.excModule ?? 'builtins',
    };
  }
  if (error instanceof Error) {
    const name = error.name && error.name !== 'Error' ? error.name : 'Exception';
    const custom = error as Error & { excModule?: unknown; excArgs?: unknown };
    const module =
      typeof custom.excModule === 'string' ? custom.excModule : PYTHON_BUILTIN_NAMES.has(name) ? 'builtins' : NODE_EXCEPTION_MODULE;
    const args = Array.isArray(custom.excArgs) ? [...(custom.excArgs as unknown[])] : error.message ? [error.message] : [];
    return { exc_type: name, exc_message: args, exc_module: module };
  }
  if (error === null || error === undefined) {
    return { exc_type: 'Exception', exc_message: [], exc_module: 'builtins' };
  }
  return { exc_type: 'Exception', exc_message: [typeof error === 'string' ? error : String(error)], exc_module: 'builtins' };
}

/**
 * Decodes a stored exception the way Celery's `exception_to_python` reads it, but into data:
 * never resolving a module or class. A falsy value (RETRY without `exc`) is null; anything that
 * is not an exception dict is a `DecodeError`, never a crash.
 */
export function decodeException(
  value: unknown,
  context: { traceback?: string | null; taskId?: string; state?: string } = {},
): RemoteTaskError | null {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return null;
  if (value instanceof RemoteTaskError) {
    // Already an exception (a pickled one): add what the document knows about it.
    return new RemoteTaskError({
      excType: value.excType,
      excModule: value.excModule,
      excArgs: value.excArgs,
      traceback: value.traceback ?? context.traceback ?? null,
      taskId: value.taskId ?? context.taskId,
      state: value.state ?? context.state,
    });
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new DecodeError(`A stored exception must be a dict with exc_type; this one is ${describeValue(value)}.`);
  }
  const doc = value as Record<string, unknown>;
  const excType = doc.exc_type;
  if (typeof excType !== 'string' || excType === '') {
    throw new DecodeError(
      excType === undefined
        ? 'Exception information must include the exception type (exc_type).'
        : `exc_type of a stored exception is ${describeValue(excType)}, not the name of the exception type.`,
    );
  }
  const module = doc.exc_module;
  if (module !== undefined && module !== null && typeof module !== 'string') {
    throw new DecodeError(`exc_module of a stored exception is ${describeValue(module)}, not a module name or null.`);
  }
  const message = doc.exc_message;
  const excArgs = Array.isArray(message) ? message : message === undefined || message === null ? [] : [message];
  return new RemoteTaskError({
    excType,
    excModule: module ?? null,
    excArgs,
    traceback: context.traceback ?? null,
    taskId: context.taskId,
    state: context.state,
  });
}
