/**
 * What a finished run must not leave behind: active handles and requests (sockets, timers,
 * child processes), and process warnings such as `MaxListenersExceededWarning`.
 */
import { expect } from 'vitest';

/** Active resources of this process by type (`TCPSocketWrap`, `Timeout`, ...). */
export function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

/** The types whose count is above what `before` had, with both counts. */
export function resourceGrowth(before: Map<string, number>, after = activeResources()): string[] {
  const grown: string[] = [];
  for (const [type, count] of after) {
    const was = before.get(type) ?? 0;
    if (count > was) grown.push(`${type}: ${was} -> ${count}`);
  }
  return grown;
}

/**
 * Waits (at most `timeoutMs`; closing sockets and clearing timers can take a turn or two) until
 * no resource type has more active entries than in `before`, and fails naming those that do.
 */
export async function expectResourcesReleased(before: Map<string, number>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let grown = resourceGrowth(before);
  while (grown.length && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    grown = resourceGrowth(before);
  }
  expect(grown, 'active resources left behind').toEqual([]);
}

/** Collects the process warnings emitted until `stop()`. */
export function watchWarnings(): { readonly warnings: Error[]; stop(): void } {
  const warnings: Error[] = [];
  const onWarning = (warning: Error): void => void warnings.push(warning);
  process.on('warning', onWarning);
  return { warnings, stop: () => void process.off('warning', onWarning) };
}
