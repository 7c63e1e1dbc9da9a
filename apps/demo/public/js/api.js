/** The app's HTTP API, as the dashboard uses it. */

/** Submits a job; resolves with its record, or throws an Error with the server's message. */
export async function submitJob(kind, input) {
  const response = await fetch(`/api/jobs/${encodeURIComponent(kind)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(body.message ?? `the server answered ${response.status}`);
  return body;
}

/** Recent jobs, newest first, optionally in one state only. */
export async function listJobs(state) {
  const query = state ? `?state=${encodeURIComponent(state)}` : '';
  const response = await fetch(`/api/jobs${query}`);
  return (await response.json()).jobs;
}

/** Which backend the app runs on and what it can do (chords or not). */
export async function appInfo() {
  return (await fetch('/api/info')).json();
}

/**
 * Calls `onJob(record)` for every state change the server streams. `onReconnect` runs each
 * time the stream (re)opens, so the caller can reload what it may have missed.
 */
export function streamJobs(onJob, onReconnect) {
  const source = new EventSource('/api/events');
  source.addEventListener('job', (event) => onJob(JSON.parse(event.data)));
  source.addEventListener('open', onReconnect);
  return source;
}
