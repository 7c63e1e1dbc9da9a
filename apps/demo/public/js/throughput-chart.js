import { svg } from './dom.js';

const WINDOW_SECONDS = 60;
const WIDTH = 600;
const HEIGHT = 120;
const SERIES = ['SUCCESS', 'FAILURE'];

/**
 * Finished jobs per second by state over the last minute, as stacked SVG bars. Each job counts once,
 * in the second its ready state arrived at this page.
 */
export class ThroughputChart {
  #counts = new Map(); // second -> { SUCCESS, FAILURE }
  #counted = new Set();

  constructor(element, summary) {
    this.element = element;
    this.summary = summary;
    setInterval(() => this.render(), 1000);
  }

  /** Counts a job that just became ready (a repeat of the same job is ignored). */
  record(job) {
    if (!SERIES.includes(job.state) || this.#counted.has(job.id)) return;
    this.#counted.add(job.id);
    const second = Math.floor(Date.now() / 1000);
    const bucket = this.#counts.get(second) ?? { SUCCESS: 0, FAILURE: 0 };
    bucket[job.state] += 1;
    this.#counts.set(second, bucket);
  }

  render() {
    const now = Math.floor(Date.now() / 1000);
    for (const second of this.#counts.keys()) if (second <= now - WINDOW_SECONDS) this.#counts.delete(second);
    const buckets = Array.from({ length: WINDOW_SECONDS }, (_, i) => this.#counts.get(now - WINDOW_SECONDS + 1 + i) ?? { SUCCESS: 0, FAILURE: 0 });
    const peak = Math.max(1, ...buckets.map((b) => b.SUCCESS + b.FAILURE));
    const barWidth = WIDTH / WINDOW_SECONDS;
    const bars = buckets.flatMap((bucket, i) => {
      let top = HEIGHT;
      return SERIES.map((state) => {
        const height = (bucket[state] / peak) * (HEIGHT - 14);
        top -= height;
        return height > 0 ? svg('rect', { x: i * barWidth + 1, y: top, width: barWidth - 2, height, class: `bar-${state}` }) : null;
      });
    });
    this.element.replaceChildren(
      svg('line', { x1: 0, y1: HEIGHT - 0.5, x2: WIDTH, y2: HEIGHT - 0.5, class: 'axis' }),
      ...bars.filter(Boolean),
    );
    const totals = buckets.reduce((sum, b) => ({ SUCCESS: sum.SUCCESS + b.SUCCESS, FAILURE: sum.FAILURE + b.FAILURE }), { SUCCESS: 0, FAILURE: 0 });
    this.summary.textContent = `Jobs finished per second over the last minute (left: 60 s ago, right: now; tallest bar ${peak}/s): ${totals.SUCCESS} succeeded (green), ${totals.FAILURE} failed (red).`;
  }
}
