import { createBackend } from '@resultkit/core';
import { resultkitAdapter } from '@resultkit/backend-redis';
import { Redis } from 'ioredis';
import { measure } from './harness.ts';
const url = 'redis://127.0.0.1:6379/12';
const raw = new Redis(url);
const payload = { report: 'inventory-sync', total: 42, elapsed: 12.375, items: [ { id: 1, name: 'Café', ok: true }, { id: 2, name: 'Item 2', ok: false }, { id: 3, name: 'Item 3', ok: true } ] };
const A = await createBackend(url, { adapter: resultkitAdapter });
await A.storeResult('prof-warm', 1);
const buf = Buffer.from('x'.repeat(387));
const res: Record<string, number[]> = {};
const O = 30000;
for (let r = 0; r < 5; r++) {
  const cases: [string, (i: number) => unknown][] = [
    ['raw setex', (i) => raw.setex('prof-a' + (i % 2000), 86400, buf)],
    ['backend.storeResult', (i) => A.storeResult('prof-e' + (i % 2000), payload)],
    ['raw get', (i) => raw.get('prof-e' + (i % 2000))],
    ['backend.getTaskMeta', (i) => A.getTaskMeta('prof-e' + (i % 2000))],
  ];
  for (const [l, f] of cases) { const m = await measure(l, f, { ops: O, concurrency: 64 }); (res[l] ??= []).push(Math.round(m.opsPerSecond)); }
}
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(28), v.sort((a, b) => a - b).join(' '));
let c = '0'; do { const [n, k] = await raw.scan(c, 'MATCH', '*prof*', 'COUNT', 1000); c = n; if (k.length) await raw.del(...k); } while (c !== '0');
await raw.quit(); await A.close();
