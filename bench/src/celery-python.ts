/**
 * Runs Debian's Python Celery (the runners in ../python) and reads what it measured. Celery's
 * backend API is synchronous, so every Python figure is one call at a time, timed inside the
 * Python process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Measurement } from './harness.ts';

const PYTHON = process.env.CELERY_PYTHON ?? '/usr/bin/python3';
const runner = (name: string): string => fileURLToPath(new URL(`../python/${name}`, import.meta.url));

/** What the runners read (celery_bench_app.py). */
export interface CelerySettings {
  backend: string;
  broker?: string;
  tables?: { task: string; group: string };
  schema?: string;
  ops: number;
  prefix: string;
  payload: unknown;
  reply_to?: string | null;
}

interface Timed {
  ops: number;
  seconds: number;
}

const asMeasurement = (label: string, { ops, seconds }: Timed): Measurement => ({ label, ops, seconds, opsPerSecond: ops / seconds });

/** The last line of a failed run's output, so a missing service reads as one clear line. */
const why = (stderr: string, error?: Error): string => (error?.message ?? stderr).trim().split('\n').pop() ?? 'no output';

/**
 * `store_result`, `get_task_meta` (not on rpc://) and `AsyncResult.get()` timed by
 * celery_operations.py; a string saying why when Celery could not be run.
 */
export function celeryOperations(settings: CelerySettings): Record<'store' | 'meta' | 'get', Measurement | undefined> | string {
  const python = spawnSync(PYTHON, [runner('celery_operations.py'), JSON.stringify(settings)], { encoding: 'utf8', timeout: 600_000 });
  if (python.status !== 0) return why(python.stderr, python.error);
  const timed = JSON.parse(python.stdout.trim().split('\n').pop()!) as Partial<Record<'store' | 'meta' | 'get', Timed>>;
  const out = (key: 'store' | 'meta' | 'get'): Measurement | undefined => (timed[key] ? asMeasurement(`Celery ${key}`, timed[key]) : undefined);
  return { store: out('store'), meta: out('meta'), get: out('get') };
}

/** One side of celery_end_to_end.py: started, ready, then told to go. */
class Side {
  private readonly lines: AsyncIterator<string>;
  private readonly child;
  private stderr = '';

  constructor(role: 'client' | 'worker', settings: CelerySettings) {
    this.child = spawn(PYTHON, [runner('celery_end_to_end.py'), role, JSON.stringify(settings)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  /** The next JSON line it prints; throws with its last error line if it exits first. */
  async next<T>(): Promise<T> {
    const { value, done } = await this.lines.next();
    if (done) {
      await new Promise((resolve) => (this.child.exitCode === null ? this.child.once('close', resolve) : resolve(undefined)));
      throw new Error(why(this.stderr));
    }
    return JSON.parse(value) as T;
  }

  go(): void {
    this.child.stdin.end('go\n');
  }

  stop(): void {
    if (this.child.exitCode === null) this.child.kill();
  }
}

/**
 * Celery's worker -> client path: a Python process storing `ops` results and another awaiting
 * them with `AsyncResult.get()`, both started and connected before the clock starts. The
 * figure is results per second as the client saw them arrive.
 */
export async function celeryEndToEnd(settings: CelerySettings): Promise<Measurement | string> {
  const client = new Side('client', settings);
  let worker: Side | undefined;
  try {
    const { reply_to } = await client.next<{ reply_to: string | null }>();
    worker = new Side('worker', { ...settings, reply_to });
    await worker.next();
    client.go();
    worker.go();
    const [received] = await Promise.all([client.next<Timed>(), worker.next<Timed>()]);
    return asMeasurement('Celery worker -> client', received);
  } catch (error) {
    return (error as Error).message;
  } finally {
    client.stop();
    worker?.stop();
  }
}
