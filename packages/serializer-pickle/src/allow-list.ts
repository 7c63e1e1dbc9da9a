/**
 * The allow-list: the only globals whose *call* in a pickle turns into a real value. The
 * decision is made on two strings (module and name) and produces a tag; nothing is imported,
 * looked up or called, whatever the strings say. In strict mode (the default) a pickle that
 * names any other global is a `DecodeError`; with `strict: false` a call of one becomes an
 * inert `PickledObject`.
 */

export type GlobalKind =
  // Exceptions, decoded to RemoteTaskError.
  | 'exception'
  | 'exception-wrapper'
  // Values with a JavaScript counterpart.
  | 'datetime'
  | 'date'
  | 'time'
  | 'timedelta'
  | 'decimal'
  | 'uuid'
  | 'set'
  | 'frozenset'
  | 'bytes'
  | 'bytearray'
  | 'codecs-encode'
  | 'ordered-dict'
  | 'defaultdict'
  | 'counter'
  // Celery result references.
  | 'async-result'
  | 'group-result'
  // Calls that only rename or forward another call: `getattr(cls, 'name')`, copyreg helpers,
  // Celery's `_unpickle_appattr`. They are rewritten while reading and never reach the output.
  | 'getattr'
  | 'reconstructor'
  | 'newobj'
  | 'app-attr'
  // Allowed (also in strict mode) but kept inert: time zones (read as a datetime's tzinfo) and
  // Celery's pickled backend, which a GroupResult carries along.
  | 'timezone'
  | 'pytz-utc'
  | 'pytz-zone'
  | 'zoneinfo'
  | 'backend';

/**
 * Python 2 module names that Python 3 maps on load (`_compat_pickle.IMPORT_MAPPING`), limited
 * to the ones that matter for the allow-list. Protocols 0-2 written by Python 3 use them too.
 */
const MODULE_RENAMES: Record<string, string> = {
  __builtin__: 'builtins',
  exceptions: 'builtins',
  copy_reg: 'copyreg',
};

/** The module name Python 3 would look up for `module`. */
export function normalizeModule(module: string): string {
  return MODULE_RENAMES[module] ?? module;
}

const BUILTIN_EXCEPTIONS = new Set([
  'ArithmeticError', 'AssertionError', 'AttributeError', 'BaseException', 'BaseExceptionGroup',
  'BlockingIOError', 'BrokenPipeError', 'BufferError', 'BytesWarning', 'ChildProcessError',
  'ConnectionAbortedError', 'ConnectionError', 'ConnectionRefusedError', 'ConnectionResetError',
  'DeprecationWarning', 'EOFError', 'EncodingWarning', 'EnvironmentError', 'Exception', 'ExceptionGroup',
  'FileExistsError', 'FileNotFoundError', 'FloatingPointError', 'FutureWarning', 'GeneratorExit', 'IOError',
  'ImportError', 'ImportWarning', 'IndentationError', 'IndexError', 'InterruptedError', 'IsADirectoryError',
  'KeyError', 'KeyboardInterrupt', 'LookupError', 'MemoryError', 'ModuleNotFoundError', 'NameError',
  'NotADirectoryError', 'NotImplementedError', 'OSError', 'OverflowError', 'PendingDeprecationWarning',
  'PermissionError', 'ProcessLookupError', 'RecursionError', 'ReferenceError', 'ResourceWarning',
  'RuntimeError', 'RuntimeWarning', 'StopAsyncIteration', 'StopIteration', 'SyntaxError', 'SyntaxWarning',
  'SystemError', 'SystemExit', 'TabError', 'TimeoutError', 'TypeError', 'UnboundLocalError',
  'UnicodeDecodeError', 'UnicodeEncodeError', 'UnicodeError', 'UnicodeTranslateError', 'UnicodeWarning',
  'UserWarning', 'ValueError', 'Warning', 'ZeroDivisionError',
]);

// Exceptions whose names do not end in Error/Exception/Warning, listed from the modules of
// Celery 5.2.6, billiard 4 and kombu 5.2 (the others are caught by the suffix rule).
const PACKAGE_EXCEPTIONS: Record<string, ReadonlySet<string>> = {
  'celery.exceptions': new Set([
    'AlreadyRegistered', 'AlwaysEagerIgnored', 'ChordError', 'Ignore', 'ImproperlyConfigured',
    'IncompleteStream', 'MaxRetriesExceededError', 'NotConfigured', 'NotRegistered', 'QueueNotFound', 'Reject',
    'Retry', 'SystemTerminate', 'TaskPredicate', 'WorkerShutdown', 'WorkerTerminate',
    // Re-exported from billiard.
    'SoftTimeLimitExceeded', 'TimeLimitExceeded', 'Terminated',
  ]),
  'billiard.exceptions': new Set([
    'CoroStop', 'RestartFreqExceeded', 'SoftTimeLimitExceeded', 'Terminated', 'TimeLimitExceeded',
  ]),
  'kombu.exceptions': new Set([
    'ChannelLimitExceeded', 'ConnectionLimitExceeded', 'ContentDisallowed', 'LimitExceeded',
    'SerializerNotInstalled', 'VersionMismatch',
  ]),
};

const EXCEPTION_SUFFIX = /(?:Error|Exception|Warning)$/;

/** Whether `module.name` is a listed exception class (without the user's `isException` hook). */
export function isListedException(module: string, name: string): boolean {
  if (module === 'builtins') return BUILTIN_EXCEPTIONS.has(name) || EXCEPTION_SUFFIX.test(name);
  const extras = PACKAGE_EXCEPTIONS[module];
  return extras !== undefined && (extras.has(name) || EXCEPTION_SUFFIX.test(name));
}

const LISTED: Record<string, GlobalKind> = {
  'datetime.datetime': 'datetime',
  'datetime.date': 'date',
  'datetime.time': 'time',
  'datetime.timedelta': 'timedelta',
  'datetime.timezone': 'timezone',
  'decimal.Decimal': 'decimal',
  '_pydecimal.Decimal': 'decimal',
  'uuid.UUID': 'uuid',
  'builtins.set': 'set',
  'builtins.frozenset': 'frozenset',
  'builtins.bytes': 'bytes',
  'builtins.bytearray': 'bytearray',
  'builtins.getattr': 'getattr',
  '_codecs.encode': 'codecs-encode',
  'codecs.encode': 'codecs-encode',
  'collections.OrderedDict': 'ordered-dict',
  'collections.defaultdict': 'defaultdict',
  'collections.Counter': 'counter',
  'copyreg._reconstructor': 'reconstructor',
  'copyreg.__newobj__': 'newobj',
  'celery.result.AsyncResult': 'async-result',
  'celery.result.GroupResult': 'group-result',
  'celery.app.base._unpickle_appattr': 'app-attr',
  'celery.backends.base.unpickle_backend': 'backend',
  'celery.utils.serialization.UnpickleableExceptionWrapper': 'exception-wrapper',
  'pytz._UTC': 'pytz-utc',
  'pytz._p': 'pytz-zone',
  'zoneinfo.ZoneInfo': 'zoneinfo',
  'zoneinfo.ZoneInfo._unpickle': 'zoneinfo',
  'backports.zoneinfo.ZoneInfo': 'zoneinfo',
  'backports.zoneinfo.ZoneInfo._unpickle': 'zoneinfo',
};

/** Decides, from the names alone, what a call of `module.name` decodes to. */
export function classifyGlobal(
  module: string,
  name: string,
  isException?: (module: string, name: string) => boolean,
): GlobalKind | undefined {
  const listed = LISTED[`${module}.${name}`];
  if (listed) return listed;
  if (isListedException(module, name)) return 'exception';
  if (isException?.(module, name) === true) return 'exception';
  return undefined;
}

/**
 * Globals Celery's pickles name without calling them, so strict mode must let them be named:
 * the base class of protocol 0-1's `copyreg._reconstructor(cls, object, None)`, the factory of
 * a `defaultdict(list)`, and the backend class a pickled GroupResult carries as the first
 * argument of `unpickle_backend(cls, args, kwargs)`. A call of one is still not on the list.
 */
const NAMED_ONLY = new Set([
  'builtins.object', 'builtins.list', 'builtins.dict', 'builtins.set', 'builtins.tuple', 'builtins.int',
  'builtins.float', 'builtins.str', 'builtins.bytes', 'builtins.bool',
]);
const CELERY_BACKEND_MODULE = /^celery\.backends\.[a-z_]+$/;
const CELERY_BACKEND_CLASS = /^[A-Za-z]+Backend$/;

/** Whether strict mode lets a pickle name `module.name` at all (GLOBAL, STACK_GLOBAL, INST). */
export function isAllowedGlobal(
  module: string,
  name: string,
  isException?: (module: string, name: string) => boolean,
): boolean {
  if (classifyGlobal(module, name, isException) !== undefined) return true;
  if (NAMED_ONLY.has(`${module}.${name}`)) return true;
  return CELERY_BACKEND_MODULE.test(module) && CELERY_BACKEND_CLASS.test(name);
}
