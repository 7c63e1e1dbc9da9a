/**
 * What every test-owned server offers the fault tests: a URL for `createBackend`, and the faults
 * themselves (an orderly restart, a crash and restart, a pause with SIGSTOP). Each server has its
 * own loopback port and data directory, never the shared services' ones, and `dispose()` stops
 * it and removes its data, whatever state it is in.
 */
import { dataDir, removeDir, waitUntil } from './loopback.js';
import type { OwnedProcess, RunAs } from './owned-process.js';

export type ServerKind = 'redis' | 'postgresql' | 'mariadb' | 'rabbitmq';

export abstract class OwnedServer {
  abstract readonly kind: ServerKind;
  readonly port: number;
  readonly dir: string;
  protected readonly runAs: RunAs | undefined;
  #process: OwnedProcess | null = null;
  #disposed = false;

  protected constructor(label: string, port: number, runAs: RunAs | undefined) {
    this.port = port;
    this.runAs = runAs;
    this.dir = dataDir(label, runAs);
  }

  /** The URL a backend under test uses. */
  abstract get url(): string;

  /** The server process (for its pid and output). */
  get process(): OwnedProcess | null {
    return this.#process;
  }

  /**
   * The first start: `prepare` (creating the cluster's files), the server itself, then `setup`
   * (a database to use). When any step fails the server is disposed before the error is thrown,
   * so a failed start leaves no process and no directory.
   */
  protected async launch(prepare?: () => Promise<void>, setup?: () => Promise<void>): Promise<this> {
    try {
      await prepare?.();
      await this.start();
      await setup?.();
    } catch (error) {
      await this.dispose();
      throw error;
    }
    return this;
  }

  /** Starts the server and resolves once it answers a query. */
  async start(): Promise<void> {
    if (this.#disposed) throw new Error(`${this.kind} server was disposed`);
    if (this.#process && !this.#process.exited) return;
    const owned = this.spawn();
    this.#process = owned;
    try {
      await waitUntil(async () => {
        if (owned.exited) throw new Error(`${owned.label} exited while starting:\n${owned.output}`);
        return this.answers();
      }, this.startTimeoutMs, `${owned.label} to answer`);
    } catch (error) {
      if (owned.exited) throw new Error(`${owned.label} exited while starting:\n${owned.output}`, { cause: error });
      throw error;
    }
  }

  /** An orderly shutdown, the server's own (clients get its goodbye, data is flushed). */
  async stop(): Promise<void> {
    await this.#process?.stop(this.shutdownSignal);
  }

  /** Kills every process of the server at once: no shutdown, only what was made durable survives. */
  async crash(): Promise<void> {
    await this.#process?.kill();
  }

  /** Stops (orderly or by a crash) and starts again on the same port and data. */
  async restart(mode: 'graceful' | 'crash', downMs = 0): Promise<void> {
    await (mode === 'crash' ? this.crash() : this.stop());
    if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.start();
  }

  /** SIGSTOP to the whole process group: connections stay open and nothing answers. */
  pause(): void {
    this.#process?.signal('SIGSTOP');
  }

  resume(): void {
    this.#process?.signal('SIGCONT');
  }

  /** Pauses the server for `ms`, then continues it (continued even when the wait is interrupted). */
  async pauseFor(ms: number): Promise<void> {
    this.pause();
    try {
      await new Promise((resolve) => setTimeout(resolve, ms));
    } finally {
      this.resume();
    }
  }

  /** Stops the server (killing it when it does not stop) and removes its data directory. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    try {
      await this.#process?.stop(this.shutdownSignal, 5_000);
    } finally {
      removeDir(this.dir);
    }
  }

  /** The signal of the server's fast orderly shutdown. */
  protected abstract readonly shutdownSignal: NodeJS.Signals;
  protected readonly startTimeoutMs: number = 30_000;
  protected abstract spawn(): OwnedProcess;
  /** True when the server answers a trivial query. */
  protected abstract answers(): Promise<boolean>;
}
