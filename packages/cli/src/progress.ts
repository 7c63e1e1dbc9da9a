import { performance } from 'node:perf_hooks';
import cliProgress from 'cli-progress';
import type { Output } from './output.js';

/**
 * A progress bar on stderr (cli-progress) with the rate and, when the total is known, the ETA.
 * Shown only when the output allows it (a terminal, or `--progress`); otherwise every call is a
 * no-op, so a command reports progress the same way whether anyone sees it or not.
 */
export class Progress {
  readonly #bar: cliProgress.SingleBar | null;
  readonly #started = performance.now();
  #startValue = 0;

  constructor(out: Output, label: string, total: number | null, unit = 'entries') {
    if (!out.progress) {
      this.#bar = null;
      return;
    }
    const counts = total === null ? '{value} ' + unit : '{value}/{total} ' + unit;
    const bar = total === null ? '' : '[{bar}] {percentage}% | ';
    const eta = total === null ? '' : ' | ETA {eta_formatted}';
    this.#bar = new cliProgress.SingleBar(
      {
        format: `${label} ${bar}${counts} | {rate}/s${eta}`,
        stream: process.stderr,
        noTTYOutput: !process.stderr.isTTY,
        notTTYSchedule: 1_000,
        etaBuffer: 50,
        hideCursor: false,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    this.#bar.start(total ?? 0, 0, { rate: '0' });
  }

  /** Starts counting from `value` (a resumed run), so the rate covers only this run. */
  resumeAt(value: number): void {
    this.#startValue = value;
    this.#bar?.update(value);
  }

  update(value: number): void {
    if (!this.#bar) return;
    const seconds = (performance.now() - this.#started) / 1000;
    const rate = seconds > 0 ? Math.round((value - this.#startValue) / seconds) : 0;
    this.#bar.update(value, { rate: String(rate) });
  }

  stop(): void {
    this.#bar?.stop();
  }
}
