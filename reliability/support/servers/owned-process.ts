/**
 * One server process owned by a test: started in a process group of its own (so a signal reaches
 * the server and every worker process it forks, as PostgreSQL's backends), optionally as another
 * user (PostgreSQL and MariaDB refuse to run as root), and always stopped. Every group still
 * running when the test process exits is killed, so a failed or interrupted test never leaves a
 * server behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** A system user to run the server as, when the tests run as root. */
export interface RunAs {
  uid: number;
  gid: number;
}

export interface OwnedProcessOptions {
  command: string;
  args: readonly string[];
  /** What the process is, for messages ("redis-server on 127.0.0.1:16379"). */
  label: string;
  runAs?: RunAs | undefined;
  env?: NodeJS.ProcessEnv;
}

/** Process groups started here and not yet seen to exit: the exit hook's list. */
const running = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous on purpose: 'exit' handlers cannot wait. SIGKILL needs no cooperation, and a
  // stopped (SIGSTOP) group is killed as well.
  process.on('exit', () => {
    for (const group of running) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });
}

export class OwnedProcess {
  readonly label: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  #exitCode: number | null | undefined;
  /** The last lines the server printed, for the message when it fails to start. */
  #output = '';

  constructor(options: OwnedProcessOptions) {
    installExitHook();
    this.label = options.label;
    this.#child = spawn(options.command, options.args, {
      // Its own process group: signals go to -pid and reach every process the server forks.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      ...(options.runAs ? { uid: options.runAs.uid, gid: options.runAs.gid } : {}),
    });
    const keep = (chunk: Buffer): void => {
      this.#output = (this.#output + chunk.toString('utf8')).slice(-4_000);
    };
    this.#child.stdout!.on('data', keep);
    this.#child.stderr!.on('data', keep);
    const pid = this.#child.pid;
    if (pid !== undefined) running.add(pid);
    this.#exited = new Promise<void>((resolve) => {
      this.#child.once('exit', (code) => {
        this.#exitCode = code;
        if (pid !== undefined) running.delete(pid);
        resolve();
      });
      this.#child.once('error', (error) => {
        this.#output += `\n${error.message}`;
        this.#exitCode = -1;
        if (pid !== undefined) running.delete(pid);
        resolve();
      });
    });
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  /** True once the process has exited (or could not be started). */
  get exited(): boolean {
    return this.#exitCode !== undefined;
  }

  /** What the server printed last. */
  get output(): string {
    return this.#output;
  }

  /** Sends `signal` to the whole process group. */
  signal(signal: NodeJS.Signals): void {
    if (this.exited) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      // The group is gone already.
    }
  }

  /**
   * Stops the server: `signal` (its own orderly shutdown) and, when it is not gone within
   * `graceMs`, SIGKILL. A paused group is continued first, or it could not act on the signal.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
    if (this.exited) return;
    this.signal('SIGCONT');
    this.signal(signal);
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      await this.#exited;
    } finally {
      clearTimeout(timer);
    }
    // Forked workers of a killed leader (PostgreSQL backends) may outlive it for a moment.
    this.#killGroupLeftovers();
  }

  /** Kills the whole group at once (a crash, no shutdown), and waits for the leader to exit. */
  async kill(): Promise<void> {
    this.signal('SIGKILL');
    await this.#exited;
    this.#killGroupLeftovers();
  }

  /** Resolves when the process exits. */
  async exit(): Promise<void> {
    await this.#exited;
  }

  #killGroupLeftovers(): void {
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // Nothing left.
    }
  }
}

/** Runs a one-shot command (initdb, mariadb-install-db) to its end; rejects with its output when it fails. */
export async function runToEnd(command: string, args: readonly string[], runAs?: RunAs, timeoutMs = 120_000): Promise<void> {
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-4_000)));
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-4_000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output}`);
  } finally {
    clearTimeout(timer);
  }
}
