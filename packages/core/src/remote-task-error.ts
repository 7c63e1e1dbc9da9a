import { ResultkitError } from './errors.js';

export interface RemoteTaskErrorInit {
  /** The exception class name (Python `__qualname__`), e.g. `ValueError`. */
  excType: string;
  /** The exception module (Python `__module__`), e.g. `builtins`; null when the writer left it out. */
  excModule?: string | null;
  /** The exception's arguments (Python `exc.args`). */
  excArgs?: readonly unknown[];
  /** The formatted traceback the worker stored, if any. */
  traceback?: string | null;
  /** The task that failed. */
  taskId?: string;
  /** The state the exception was stored under (FAILURE, REVOKED or RETRY). */
  state?: string;
}

/**
 * An exception a task raised, as data. It is what a stored exception decodes to, and what a
 * worker may throw to control the exact `exc_type`/`exc_module`/`exc_message` written.
 * Nothing here is ever resolved to code: the type and module are plain strings.
 */
export class RemoteTaskError extends ResultkitError {
  readonly excType: string;
  readonly excModule: string | null;
  readonly excArgs: readonly unknown[];
  readonly traceback: string | null;
  readonly taskId: string | undefined;
  readonly state: string | undefined;

  constructor(init: RemoteTaskErrorInit) {
    const args = init.excArgs ?? [];
    super('ERR_RESULTKIT_REMOTE_TASK', args.map(formatArg).join(', '));
    this.excType = init.excType;
    this.excModule = init.excModule ?? null;
    this.excArgs = args;
    this.traceback = init.traceback ?? null;
    this.taskId = init.taskId;
    this.state = init.state;
  }

  /** `module.Type`, as Python would print the class. */
  get qualifiedType(): string {
    return this.excModule && this.excModule !== 'builtins' ? `${this.excModule}.${this.excType}` : this.excType;
  }

  override toString(): string {
    return this.message ? `${this.qualifiedType}: ${this.message}` : this.qualifiedType;
  }
}

function formatArg(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'bigint') return arg.toString();
  try {
    return JSON.stringify(arg) ?? String(arg);
  } catch {
    return String(arg);
  }
}
