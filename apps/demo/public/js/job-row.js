import { h } from './dom.js';
import { describeInput, formatDuration, formatValue, shortId } from './format.js';

/** One row of the results table: what ran, its state, how long it took, and what came of it. */
export function jobRow(job) {
  return h(
    'tr',
    { 'data-job-id': job.id, 'data-state': job.state },
    h(
      'td',
      {},
      h('span', { class: 'job-name' }, describeInput(job)),
      ' ',
      h('code', { title: job.id }, shortId(job.id)),
      job.worker ? h('span', { class: 'worker' }, `by ${job.worker}`) : null,
    ),
    h('td', {}, stateCell(job)),
    h('td', { class: 'number' }, formatDuration(job.durationMs)),
    h('td', { class: 'outcome' }, outcome(job)),
  );
}

function stateCell(job) {
  const badge = h('span', { class: `state state-${job.state}` }, job.state);
  const progress = job.state === 'PROGRESS' && job.result && typeof job.result.total === 'number' ? job.result : null;
  if (!progress) return badge;
  const label = `${progress.current} of ${progress.total} steps`;
  return [badge, ' ', h('progress', { value: progress.current, max: progress.total, 'aria-label': label, title: label })];
}

function outcome(job) {
  return [job.exception ? exception(job) : job.state === 'SUCCESS' ? h('output', {}, formatValue(job.result)) : null, job.parts ? parts(job) : null];
}

/** The exception as its summary; the traceback opens beneath it (a native disclosure: keyboard and screen reader ready). */
function exception(job) {
  const { type, message } = job.exception;
  const summary = h('summary', { class: 'exception' }, `${type}: ${message}`);
  return job.traceback ? h('details', { class: 'traceback' }, summary, h('pre', {}, job.traceback)) : h('p', { class: 'exception' }, `${type}: ${message}`);
}

/** A group's or chord's members, one square each, in order; the chord's body is named after them. */
function parts(job) {
  const done = job.parts.filter((part) => part.state === 'SUCCESS' || part.state === 'FAILURE').length;
  const label = `${job.kind === 'sum-of-squares' ? 'chord header' : 'group'}: ${done} of ${job.parts.length} parts done`;
  return h(
    'div',
    { class: 'parts' },
    h('span', { class: 'parts-label' }, label),
    h(
      'ol',
      { 'aria-label': label },
      job.parts.map((part, position) =>
        h('li', { class: `part state-${part.state}`, title: `part ${position + 1} (${part.id}): ${part.state}` }, h('span', { class: 'visually-hidden' }, `part ${position + 1}: ${part.state}`)),
      ),
    ),
    job.bodyId ? h('span', { class: 'parts-label' }, 'body ', h('code', { title: job.bodyId }, shortId(job.bodyId))) : null,
  );
}
