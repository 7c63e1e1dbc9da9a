/** How values look on the dashboard. */

export function formatDuration(ms) {
  if (ms === null || ms === undefined) return '—';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** A value as short JSON text. */
export function formatValue(value) {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text;
}

export function shortId(id) {
  return id.slice(0, 8);
}

/** What a job was asked to do, e.g. `divide(1, 0)` or `squares(n=8)`. */
export function describeInput(job) {
  const input = job.input ?? {};
  if (job.kind.startsWith('celery-')) return `${describeInput({ ...job, kind: job.kind.slice('celery-'.length) })} in Python`;
  if (job.kind === 'divide') return `divide(${input.a}, ${input.b})`;
  if (job.kind === 'countdown') return `countdown(${input.steps} × ${input.delayMs} ms)`;
  if (job.kind === 'task') return `${input.name ?? 'task'}(${(input.args ?? []).map(formatValue).join(', ')})`;
  return `${job.kind}(n=${input.n})`;
}

export const READY_STATES = new Set(['SUCCESS', 'FAILURE', 'REVOKED']);
