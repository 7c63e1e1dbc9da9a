/**
 * Heap figures that mean something: measured after a full garbage collection, so what is
 * counted is what is still referenced. `gc` is reached without restarting the test process
 * with `--expose-gc`: the flag is set at run time and a fresh context hands out the function.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Bytes of heap in use after a full collection (twice: finalizers can free more on the second pass). */
export async function heapAfterGc(): Promise<number> {
  // Let pending callbacks (closed sockets, settled promises) run first.
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
