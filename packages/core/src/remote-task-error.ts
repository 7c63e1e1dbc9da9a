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
    super('ERR_RESULTKIT_REMOTE_TASK', formatArgs(args));
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

// The message is for people: each argument as short text. Arguments are data from another
// process, possibly hostile (a pickle can share one list a billion times, a YAML alias one long
// text a million times), so formatting walks at most a fixed number of nodes and characters,
// per argument and for the message as a whole, instead of serialising the whole value.
const MAX_ARG_CHARS = 1_000;
const MAX_ARG_NODES = 1_000;
const MAX_MESSAGE_CHARS = 10_000;

function formatArgs(args: readonly unknown[]): string {
  let message = '';
  for (let i = 0; i < args.length; i++) {
    const text = (i > 0 ? ', ' : '') + formatArg(args[i]);
    if (message.length + text.length > MAX_MESSAGE_CHARS) {
      return `${message}${text.slice(0, MAX_MESSAGE_CHARS - message.length)}… (${args.length} arguments)`;
    }
    message += text;
  }
  return message;
}

function formatArg(arg: unknown): string {
  if (typeof arg === 'string') return arg.length > MAX_ARG_CHARS ? `${arg.slice(0, MAX_ARG_CHARS)}…` : arg;
  const budget = { nodes: MAX_ARG_NODES, chars: MAX_ARG_CHARS };
  const text = formatValue(arg, budget);
  return budget.nodes <= 0 || budget.chars <= 0 ? `${text}…` : text;
}

function formatValue(value: unknown, budget: { nodes: number; chars: number }): string {
  if (--budget.nodes < 0 || budget.chars <= 0) return '';
  let text: string;
  if (value === null || value === undefined) text = 'null';
  else if (typeof value === 'string') text = JSON.stringify(value.length > budget.chars ? value.slice(0, budget.chars) : value);
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') text = String(value);
  else if (value instanceof Date) text = Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  else if (value instanceof Uint8Array) text = `<${value.length} bytes>`;
  else if (Array.isArray(value)) {
    const parts: string[] = [];
    for (const item of value) {
      if (budget.nodes <= 0 || budget.chars <= 0) break;
      parts.push(formatValue(item, budget));
    }
    text = `[${parts.join(', ')}]`;
  } else if (typeof value === 'object') {
    const parts: string[] = [];
    for (const key in value) {
      if (budget.nodes <= 0 || budget.chars <= 0) break;
      parts.push(`${JSON.stringify(key)}: ${formatValue((value as Record<string, unknown>)[key], budget)}`);
    }
    text = `{${parts.join(', ')}}`;
  } else text = String(value);
  budget.chars -= text.length;
  return text;
}
