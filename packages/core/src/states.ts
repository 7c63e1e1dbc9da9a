/**
 * Task states exactly as Celery names them (celery/states.py). The strings are the wire values
 * stored in every backend, so they are never translated.
 */
export const states = {
  PENDING: 'PENDING',
  RECEIVED: 'RECEIVED',
  STARTED: 'STARTED',
  SUCCESS: 'SUCCESS',
  FAILURE: 'FAILURE',
  REVOKED: 'REVOKED',
  REJECTED: 'REJECTED',
  RETRY: 'RETRY',
  IGNORED: 'IGNORED',
} as const;

/** One of Celery's built-in states. */
export type BuiltinState = (typeof states)[keyof typeof states];

/**
 * A state as stored: a built-in one or a custom state such as `PROGRESS` written by
 * `update_state`. Custom states are kept verbatim and are never ready.
 */
export type State = BuiltinState | (string & {});

/** The result is final. */
export const READY_STATES: ReadonlySet<State> = new Set([states.SUCCESS, states.FAILURE, states.REVOKED]);

export const UNREADY_STATES: ReadonlySet<State> = new Set([
  states.PENDING,
  states.RECEIVED,
  states.STARTED,
  states.REJECTED,
  states.RETRY,
]);

/** The stored `result` of these states is an encoded exception. RETRY counts too. */
export const EXCEPTION_STATES: ReadonlySet<State> = new Set([states.RETRY, states.FAILURE, states.REVOKED]);

/** `get({ propagate: true })` throws the stored exception for these. */
export const PROPAGATE_STATES: ReadonlySet<State> = new Set([states.FAILURE, states.REVOKED]);

/** Every state a backend may hold (REJECTED and IGNORED are events only). */
export const ALL_STATES: ReadonlySet<State> = new Set([
  states.PENDING,
  states.RECEIVED,
  states.STARTED,
  states.SUCCESS,
  states.FAILURE,
  states.RETRY,
  states.REVOKED,
]);

// Celery's PRECEDENCE list: a lower index is "more final". `null` marks where unknown
// (custom) states rank: below SUCCESS and FAILURE, above everything else.
const PRECEDENCE: readonly (State | null)[] = [
  states.SUCCESS,
  states.FAILURE,
  null,
  states.REVOKED,
  states.STARTED,
  states.RECEIVED,
  states.REJECTED,
  states.RETRY,
  states.PENDING,
];
const CUSTOM_RANK = PRECEDENCE.indexOf(null);

/** The rank of a state in Celery's precedence order; lower is more final. */
export function precedence(state: State): number {
  const index = PRECEDENCE.indexOf(state);
  return index === -1 ? CUSTOM_RANK : index;
}

/** True when `a` is more final than `b` (Celery's `state(a) > state(b)`). */
export function isMoreFinal(a: State, b: State): boolean {
  return precedence(a) < precedence(b);
}

export function isReady(state: State): boolean {
  return READY_STATES.has(state);
}

export function isExceptionState(state: State): boolean {
  return EXCEPTION_STATES.has(state);
}

export function isPropagateState(state: State): boolean {
  return PROPAGATE_STATES.has(state);
}
