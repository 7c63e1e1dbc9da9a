/**
 * The opt-in periodic cleanup (`sweepInterval`): Celery leaves cleanup to celery beat's daily
 * `backend_cleanup` task, and without beat nothing is ever removed. The timer is unref'd (it
 * never keeps the process alive), runs never overlap, and `stop()` waits for a running sweep.
 */
export class Sweeper {
  readonly #timer: NodeJS.Timeout;
  #running: Promise<void> | null = null;
  #stopped = false;

  constructor(intervalMs: number, sweep: () => Promise<unknown>, onError: (error: unknown) => void) {
    this.#timer = setInterval(() => {
      if (this.#running || this.#stopped) return;
      this.#running = sweep()
        .then(
          () => {},
          (error: unknown) => onError(error),
        )
        .finally(() => {
          this.#running = null;
        });
    }, intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#running;
  }
}
