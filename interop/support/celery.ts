/**
 * Runs the Python side of the interop suites: Debian's python3-celery (5.2.6), the app in
 * `interop/python/interop_app.py` and the JSON command-line client `py_client.py`.
 *
 * `CELERY_PYTHON` picks the interpreter (default `/usr/bin/python3`, Debian's, which has the
 * celery package; a pyenv `python3` first on PATH usually does not).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

export const PYTHON = process.env.CELERY_PYTHON ?? '/usr/bin/python3';
export const PYTHON_DIR = fileURLToPath(new URL('../python/', import.meta.url));

export interface CeleryAvailability {
  ok: boolean;
  /** `celery kombu` versions when available; the reason otherwise. */
  detail: string;
}

/** Whether Python Celery (and redis-py) can be imported by `PYTHON`. */
export function celeryAvailability(): CeleryAvailability {
  const probe = spawnSync(PYTHON, ['-c', 'import celery, kombu, redis; print(celery.__version__, kombu.__version__)'], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (probe.status === 0) return { ok: true, detail: probe.stdout.trim() };
  return {
    ok: false,
    detail: `${PYTHON} cannot import celery/kombu/redis (${(probe.error?.message ?? probe.stderr).trim().split('\n').pop()}). ` +
      'Install Debian\'s python3-celery python3-redis (scripts/ensure-services.sh does), or set CELERY_PYTHON.',
  };
}

/**
 * Whether a suite may skip itself: only outside CI, and only when Celery is missing. In CI a
 * missing Celery must be a failing test, never a skip.
 */
export function skipWithoutCelery(availability: CeleryAvailability): boolean {
  if (availability.ok || process.env.CI) return false;
  console.warn(`[interop] skipped: ${availability.detail}`);
  return true;
}

/** Runs `<script> <command> <json>` (default `py_client.py`) and returns the JSON lines it printed. */
export async function pyClient<T = Record<string, unknown>>(
  command: string,
  arg: unknown,
  env: Record<string, string>,
  timeoutMs = 30_000,
  script = 'py_client.py',
): Promise<T[]> {
  const child = spawn(PYTHON, [script, command, JSON.stringify(arg)], {
    cwd: PYTHON_DIR,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${script} ${command} exited with ${code}:\n${stderr.trim()}`);
  return stdout
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as T);
}

/** A `py_client.py` run whose lines are read as they come (for a client blocked in `get()`). */
export interface PyClientProcess {
  /** Resolves with the next JSON line, rejects if the process ends first. */
  next<T = Record<string, unknown>>(timeoutMs?: number): Promise<T>;
  kill(): void;
}

/** Runs `<script> <command> <json>` (default `py_client.py`) from `interop/python/`, reading its JSON lines as they come. */
export function spawnPyClient(command: string, arg: unknown, env: Record<string, string>, script = 'py_client.py'): PyClientProcess {
  const child = spawn(PYTHON, [script, command, JSON.stringify(arg)], {
    cwd: PYTHON_DIR,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiting: (() => void)[] = [];
  let buffer = '';
  let stderr = '';
  let ended = false;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let at: number;
    while ((at = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 1);
      if (line.trim()) lines.push(line);
    }
    waiting.splice(0).forEach((wake) => wake());
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.on('close', () => {
    ended = true;
    waiting.splice(0).forEach((wake) => wake());
  });
  return {
    async next<T>(timeoutMs = 20_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      while (!lines.length) {
        if (ended) throw new Error(`${script} ${command} ended without output:\n${stderr.trim()}`);
        if (Date.now() > deadline) throw new Error(`${script} ${command} printed nothing within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 50);
          waiting.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return JSON.parse(lines.shift()!) as T;
    },
    kill: () => {
      if (!ended) child.kill('SIGKILL');
    },
  };
}

/** A real Celery worker in its own process group. */
export interface CeleryWorker {
  readonly process: ChildProcess;
  /** What the worker printed (warnings and errors only at `-l warning`). */
  output(): string;
  /** Stops the worker and everything it started: SIGTERM to the group, SIGKILL after 3 s. */
  stop(): Promise<void>;
}

/**
 * Starts `celery -A interop_app worker` consuming `queue` only, with the solo pool and no
 * heartbeat, gossip or mingle, so it is ready in about a second and does nothing else.
 */
export function startWorker(queue: string, env: Record<string, string>, app = 'interop_app'): CeleryWorker {
  const child = spawn(
    PYTHON,
    ['-m', 'celery', '-A', app, 'worker', '--pool=solo', '--concurrency=1', '-Q', queue, '-n', `${queue}@interop`,
      '--without-heartbeat', '--without-gossip', '--without-mingle', '-l', 'warning'],
    { cwd: PYTHON_DIR, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const group = -child.pid!;
      try {
        process.kill(group, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(group, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Registers the test that says whether Celery is there: in CI a missing Celery fails it (and
 * the suite, registered with `describe.skipIf(!availability.ok)`, is skipped); elsewhere both skip.
 */
export function registerCeleryPresenceTest(availability: CeleryAvailability): void {
  it.skipIf(skipWithoutCelery(availability))('Python Celery is installed for the interop suite', () => {
    expect(availability.ok, availability.detail).toBe(true);
  });
}

/** Rethrows a failure with what the worker printed appended, for a readable failing test. */
export function withOutputOf(worker: () => CeleryWorker | undefined): (error: unknown) => never {
  return (error) => {
    throw new Error(`${(error as Error).message}\n--- worker output ---\n${worker()?.output() ?? ''}`, { cause: error });
  };
}
