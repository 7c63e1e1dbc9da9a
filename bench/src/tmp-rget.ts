import { createBackend, states } from '@resultkit/core';
import { resultkitAdapter } from '@resultkit/backend-redis';
import { Redis } from 'ioredis';
import { measure } from './harness.ts';
import { typicalPayload } from './payloads.ts';
const url = 'redis://127.0.0.1:6379/12';
const b = await createBackend(url, { adapter: resultkitAdapter });
const rawAuto = new Redis(url, { enableAutoPipelining: true });
const N = 20000;
const run = 'tmprget-';
await Promise.all(Array.from({ length: N }, (_, i) => b.storeResult(`${run}${i}`, typicalPayload, states.SUCCESS)));
const clock = (process.env.CLOCK ?? 'cpu') as 'cpu' | 'wall';
const o: number[] = [], r: number[] = [];
for (let k = 0; k < 7; k++) {
  o.push((await measure('o', (i) => b.getTaskMeta(`${run}${i % N}`), { ops: N, concurrency: 64, clock })).opsPerSecond);
  r.push((await measure('r', (i) => rawAuto.get(`celery-task-meta-${run}${i % N}`), { ops: N, concurrency: 64, clock })).opsPerSecond);
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[3]!;
console.log(clock, 'ours', med(o).toFixed(0), 'raw', med(r).toFixed(0), 'ratio', (med(o) / med(r)).toFixed(3), 'rounds', o.map((x, i) => (x / r[i]!).toFixed(2)).join(' '));
const keys = await rawAuto.keys(`*${run}*`); for (let i = 0; i < keys.length; i += 1000) await rawAuto.del(...keys.slice(i, i + 1000));
await b.close(); rawAuto.disconnect();
