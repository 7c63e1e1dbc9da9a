/**
 * One `abort` listener per signal, however many waits share it. Node warns
 * (`MaxListenersExceededWarning`) once an `AbortSignal` has more than ten listeners, and a
 * listener per wait would also cost memory per wait: a `ResultSet` of 1,000 members, or 10,000
 * `get()` calls cancelled by one request's signal, would each add their own. Here the first
 * wait on a signal adds the one real listener, later waits join its set of callbacks, and the
 * last wait to leave removes the listener again, so the signal is left exactly as it was found.
 */
interface Shared {
  readonly callbacks: Set<() => void>;
  readonly listener: () => void;
}

const shared = new WeakMap<AbortSignal, Shared>();

/** Calls `onAbort` once when `signal` aborts; the returned function unregisters it. */
export function onSignalAbort(signal: AbortSignal, onAbort: () => void): () => void {
  let entry = shared.get(signal);
  if (!entry) {
    const callbacks = new Set<() => void>();
    const listener = (): void => {
      shared.delete(signal);
      for (const callback of [...callbacks]) callback();
    };
    entry = { callbacks, listener };
    shared.set(signal, entry);
    signal.addEventListener('abort', listener, { once: true });
  }
  const joined = entry;
  joined.callbacks.add(onAbort);
  return () => {
    if (!joined.callbacks.delete(onAbort) || joined.callbacks.size > 0) return;
    if (shared.get(signal) === joined) shared.delete(signal);
    signal.removeEventListener('abort', joined.listener);
  };
}
