import { performance } from 'node:perf_hooks';

/** Throughput and latency of one operation run `count` times. */
export interface Measurement {
  count: number;
  opsPerSecond: number;
  p50: number;
  p99: number;
}

/**
 * Runs `operation(0..count-1)` with at most `concurrency` in flight and measures each call.
 * `onDone` is called after every call (for a progress bar).
 */
export async function measure(count: number, concurrency: number, operation: (i: number) => Promise<void>, onDone?: () => void): Promise<Measurement> {
  const latencies = new Float64Array(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const started = performance.now();
      await operation(i);
      latencies[i] = performance.now() - started;
      onDone?.();
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort();
  return { count, opsPerSecond: count / seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

function percentile(sorted: Float64Array, p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}
