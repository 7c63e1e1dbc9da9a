/**
 * A small benchmark harness. Every benchmark compares resultkit with a baseline doing the same
 * work in the same process and run, and reports the ratio: absolute numbers depend on the
 * machine, ratios on our code.
 */

export interface Measurement {
  label: string;
  /** Operations per second. */
  opsPerSecond: number;
  ops: number;
  seconds: number;
}

/**
 * Runs `op` `ops` times with at most `concurrency` in flight, after a warm-up, and times it.
 * `clock: 'cpu'` counts the CPU time this process spent instead of the time that passed: for
 * work that never waits (codecs), it leaves out the time other processes on a shared machine
 * had the cores. Anything that waits on a server needs the default wall clock.
 */
export async function measure(
  label: string,
  op: (i: number) => unknown,
  {
    ops = 10_000,
    concurrency = 1,
    warmup = Math.min(1_000, ops),
    clock = 'wall',
  }: { ops?: number; concurrency?: number; warmup?: number; clock?: 'wall' | 'cpu' } = {},
): Promise<Measurement> {
  await runOps(op, warmup, concurrency);
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  await runOps(op, ops, concurrency);
  let seconds: number;
  if (clock === 'cpu') {
    const used = process.cpuUsage(cpuStarted);
    seconds = (used.user + used.system) / 1e6;
  } else {
    seconds = Number(process.hrtime.bigint() - started) / 1e9;
  }
  return { label, ops, seconds, opsPerSecond: ops / seconds };
}

async function runOps(op: (i: number) => unknown, ops: number, concurrency: number): Promise<void> {
  if (concurrency <= 1) {
    for (let i = 0; i < ops; i++) {
      const r = op(i);
      if (r instanceof Promise) await r;
    }
    return;
  }
  let next = 0;
  const lanes = Array.from({ length: concurrency }, async () => {
    while (next < ops) await op(next++);
  });
  await Promise.all(lanes);
}

/** Prints one comparison line: ours, the baseline and ours/baseline. Returns the ratio. */
export function report(ours: Measurement, baseline: Measurement, target?: number): number {
  const ratio = ours.opsPerSecond / baseline.opsPerSecond;
  const verdict = target === undefined ? '' : ratio >= target ? `  (target >= ${target}x: met)` : `  (target >= ${target}x: MISSED)`;
  console.log(
    `${ours.label.padEnd(44)} ${fmt(ours.opsPerSecond).padStart(12)} ops/s | ${baseline.label.padEnd(30)} ${fmt(
      baseline.opsPerSecond,
    ).padStart(12)} ops/s | ratio ${ratio.toFixed(2)}x${verdict}`,
  );
  return ratio;
}

/** Latency percentiles of a list of durations in milliseconds. */
export function percentiles(samples: number[], ps: number[] = [50, 99]): Record<string, number> {
  const sorted = [...samples].sort((a, b) => a - b);
  const out: Record<string, number> = {};
  for (const p of ps) {
    const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
    out[`p${p}`] = sorted[Math.max(0, index)] ?? Number.NaN;
  }
  return out;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/**
 * Ours and the baseline, alternated over `rounds` rounds so that neither always runs first (the
 * first run in a process pays for JIT warm-up and the garbage of what ran before); the median
 * round of each is reported with `report`. Returns the ratio.
 */
export async function alternate(
  ours: { label: string; op: (i: number) => unknown },
  baseline: { label: string; op: (i: number) => unknown },
  {
    ops,
    concurrency,
    rounds = 3,
    target,
    warmup,
    afterRound = () => {},
  }: { ops: number; concurrency: number; rounds?: number; target?: number; warmup?: number; afterRound?: () => void },
): Promise<number> {
  return alternateRounds(
    async () => measure(ours.label, ours.op, { ops, concurrency, ...(warmup === undefined ? {} : { warmup }) }),
    async () => {
      const measured = await measure(baseline.label, baseline.op, { ops, concurrency, ...(warmup === undefined ? {} : { warmup }) });
      afterRound();
      return measured;
    },
    { rounds, target },
  );
}

/** As `alternate`, for rounds that measure themselves (a fresh table per round, say). */
export async function alternateRounds(
  ours: (round: number) => Promise<Measurement>,
  baseline: (round: number) => Promise<Measurement>,
  { rounds = 3, target }: { rounds?: number; target?: number } = {},
): Promise<number> {
  const [a, b] = await alternateMedians(ours, baseline, rounds);
  return report(a, b, target);
}

/** The median round of ours and of the baseline, alternated as in `alternate`, not printed. */
export async function alternateMedians(
  ours: (round: number) => Promise<Measurement>,
  baseline: (round: number) => Promise<Measurement>,
  rounds = 3,
): Promise<[Measurement, Measurement]> {
  const [a, b] = await medianRounds([ours, baseline], rounds);
  return [a!, b!];
}

/**
 * The median round of each of several runs (ours and more than one baseline), taken in turn in
 * every round, so no one of them always runs after the same other.
 */
export async function medianRounds(runs: Array<(round: number) => Promise<Measurement>>, rounds = 3): Promise<Measurement[]> {
  const measured: Measurement[][] = runs.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < runs.length; i++) {
      // Rotate the order each round.
      const at = (i + round) % runs.length;
      measured[at]!.push(await runs[at]!(round));
    }
  }
  return measured.map(medianRun);
}

function medianRun(runs: Measurement[]): Measurement {
  return [...runs].sort((x, y) => x.opsPerSecond - y.opsPerSecond)[Math.floor(runs.length / 2)]!;
}
