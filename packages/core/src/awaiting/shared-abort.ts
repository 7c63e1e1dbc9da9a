/**
 * One `abort` listener per signal, however many waits share it. Node warns
 * (`MaxListenersExceededWarning`) once an `AbortSignal` has more than ten listeners, and a
 * listener per wait would also cost memory per wait: a `ResultSet` of 1,000 members, or 10,000
 * `get()` calls cancelled by one request's signal, would each add their own. Here the first
 * wait on a signal adds the one real listener, later waits join its set of members, and the
 * last wait to leave removes the listener again, so the signal is left exactly as it was found.
 */

/** A party to a shared signal: told once when it aborts. */
export interface AbortMember {
  signalAborted(signal: AbortSignal): void;
}

interface Shared {
  readonly members: Set<AbortMember>;
  readonly listener: () => void;
}

const shared = new WeakMap<AbortSignal, Shared>();

/**
 * Tells `member` once when `signal` aborts, until `leaveAbort` takes it out. A member is an
 * object the caller keeps anyway (a wait's own record), so joining allocates no closure.
 */
export function joinAbort(signal: AbortSignal, member: AbortMember): void {
  let entry = shared.get(signal);
  if (!entry) {
    const members = new Set<AbortMember>();
    const listener = (): void => {
      shared.delete(signal);
      for (const joined of [...members]) joined.signalAborted(signal);
    };
    entry = { members, listener };
    shared.set(signal, entry);
    signal.addEventListener('abort', listener, { once: true });
  }
  entry.members.add(member);
}

/** Takes `member` out of `signal`'s set; the last one to leave removes the listener. */
export function leaveAbort(signal: AbortSignal, member: AbortMember): void {
  const entry = shared.get(signal);
  if (!entry || !entry.members.delete(member) || entry.members.size > 0) return;
  shared.delete(signal);
  signal.removeEventListener('abort', entry.listener);
}

/** Calls `onAbort` once when `signal` aborts; the returned function unregisters it. */
export function onSignalAbort(signal: AbortSignal, onAbort: () => void): () => void {
  const member: AbortMember = { signalAborted: onAbort };
  joinAbort(signal, member);
  return () => leaveAbort(signal, member);
}
