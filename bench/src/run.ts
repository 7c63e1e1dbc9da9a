/**
 * Runs the benchmarks named on the command line (`codec`, `redis`, ...), or all of them, one
 * after another so they never compete for the two cores. `--quick` is a short pass: fewer
 * operations and rounds everywhere, to see that everything runs and roughly where it stands.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Each benchmark reads its sizes from these variables when it is imported (below); --quick only
// fills in the ones not set, so a size given explicitly still wins.
const QUICK: Record<string, string> = {
  BENCH_CODEC_ROUNDS: '3',
  BENCH_REDIS_OPS: '2000',
  BENCH_REDIS_LATENCY: '200',
  BENCH_RPC_OPS: '1000',
  BENCH_RPC_LATENCY: '200',
  BENCH_FS_OPS: '1000',
  BENCH_SQL_OPS: '1000',
  BENCH_SQL_CLEANUP_ROWS: '10000',
  BENCH_SQL_PYTHON_OPS: '200',
  BENCH_PEERS_OPS: '1000',
  BENCH_PEERS_PYTHON_OPS: '300',
  BENCH_PEERS_ROUNDS: '1',
  BENCH_E2E_RESULTS: '1000',
  BENCH_E2E_PYTHON_RESULTS: '300',
  BENCH_MIGRATE_COUNT: '2000',
};
if (process.argv.includes('--quick')) {
  for (const [name, value] of Object.entries(QUICK)) process.env[name] ??= value;
}

const here = fileURLToPath(new URL('.', import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort();
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const selected = wanted.length ? wanted : available;

for (const name of selected) {
  if (!available.includes(name)) {
    console.error(`No benchmark named "${name}". Available: ${available.join(', ')}`);
    process.exitCode = 2;
    continue;
  }
  console.log(`\n## ${name}`);
  const mod = (await import(`./${name}.bench.ts`)) as { run: () => Promise<void> };
  await mod.run();
}
