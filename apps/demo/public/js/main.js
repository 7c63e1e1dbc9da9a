import { appInfo, listJobs, streamJobs, submitJob } from './api.js';
import { describeInput, READY_STATES } from './format.js';
import { jobRow } from './job-row.js';
import { ThroughputChart } from './throughput-chart.js';

const MAX_ROWS = 100;
const jobs = new Map(); // id -> record, as last received
const tbody = document.querySelector('#results tbody');
const filter = document.querySelector('#state-filter');
const announcer = document.querySelector('#announcer');
const chart = new ThroughputChart(document.querySelector('#throughput-chart'), document.querySelector('#throughput-summary'));

/** Which jobs the table shows: the filter's state, newest first. */
function visible() {
  const state = filter.value;
  return [...jobs.values()]
    .filter((job) => !state || job.state === state)
    .sort((a, b) => b.submittedAt.localeCompare(a.submittedAt))
    .slice(0, MAX_ROWS);
}

/**
 * Brings the table in line with `jobs`: rows are replaced only when their job changed, so an
 * opened traceback stays open and the keyboard focus stays where it was.
 */
function render() {
  const rows = visible().map((job) => {
    const existing = tbody.querySelector(`tr[data-job-id="${CSS.escape(job.id)}"]`);
    if (existing && existing.dataset.version === job.version) return existing;
    const row = jobRow(job);
    row.dataset.version = job.version;
    if (existing?.querySelector('details[open]')) row.querySelector('details')?.setAttribute('open', '');
    return row;
  });
  tbody.replaceChildren(...rows);
  document.querySelector('#empty').hidden = rows.length > 0;
}

let renderQueued = false;
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
  });
}

function receive(job) {
  const previous = jobs.get(job.id);
  // The answer to a submission can arrive after the stream's newer events for the same job.
  if (previous && previous.revision > job.revision) return;
  job.version = JSON.stringify(job);
  jobs.set(job.id, job);
  if (READY_STATES.has(job.state) && !READY_STATES.has(previous?.state)) {
    chart.record(job);
    if (previous) announcer.textContent = `${describeInput(job)}: ${job.state}`;
  }
  scheduleRender();
}

/** Reloads the list from the server (on start, on a filter change, after the stream reconnects). */
async function reload() {
  for (const job of await listJobs(filter.value)) receive(job);
  render();
}

filter.addEventListener('change', reload);

// The form shows the fields of the chosen kind only; hidden fieldsets are disabled, so they
// are neither validated nor sent.
const form = document.querySelector('#submit-form');
const kind = document.querySelector('#kind');
function showFields() {
  for (const fieldset of form.querySelectorAll('fieldset')) {
    const shown = fieldset.dataset.kind.split(' ').includes(kind.value);
    fieldset.hidden = !shown;
    fieldset.disabled = !shown;
  }
}
kind.addEventListener('change', showFields);
showFields();

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const error = document.querySelector('#submit-error');
  error.textContent = '';
  const input = {};
  for (const field of form.querySelectorAll('fieldset:not([disabled]) input')) input[field.name] = Number(field.value);
  try {
    receive(await submitJob(kind.value, input));
    announcer.textContent = `${kind.value} submitted`;
  } catch (failure) {
    error.textContent = failure.message;
  }
});

const info = await appInfo();
document.querySelector('#backend-info').textContent =
  `Results in ${info.adapter} (${info.backend}), ${info.workers} workers, push ${info.capabilities.push ? 'on' : 'off (polling)'}.`;
/** Kinds this app cannot run are shown, but cannot be chosen, with the reason. */
function unavailable(value, reason) {
  const option = kind.querySelector(`option[value="${value}"]`);
  option.disabled = true;
  option.textContent += ` (${reason})`;
}
if (!info.capabilities.chords) unavailable('sum-of-squares', `not on ${info.adapter}`);
if (!info.celery) for (const value of ['celery-divide', 'celery-countdown']) unavailable(value, 'Celery mode is off');

streamJobs(receive, reload);
chart.render();
