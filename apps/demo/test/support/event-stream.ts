import type { Json } from './test-app.js';

/** Reads `GET /api/events` until `until` returns true for a received job record; then hangs up. */
export async function readEvents(baseUrl: string, until: (job: Json) => boolean, start: () => Promise<unknown>): Promise<Json[]> {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/api/events`, { signal: controller.signal });
  const seen: Json[] = [];
  try {
    await start();
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body!) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: (.*)$/m.exec(event)?.[1];
        if (!/^event: job$/m.test(event) || !data) continue;
        const job = JSON.parse(data) as Json;
        seen.push(job);
        if (until(job)) return seen;
      }
    }
    throw new Error('the event stream ended early');
  } finally {
    controller.abort();
  }
}
