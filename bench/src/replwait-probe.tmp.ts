import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend } from '@resultkit/core';
import { resultkitAdapter } from '@resultkit/backend-redis';
import { Redis } from 'ioredis';
import { measure } from './harness.ts';
const dir = mkdtempSync(join(tmpdir(), 'rk-probe-'));
const P = 7950, R = 7951;
const a = spawn('redis-server', ['--port', String(P), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--dbfilename', 'p.rdb'], { stdio: 'ignore' });
const b = spawn('redis-server', ['--port', String(R), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--dbfilename', 'r.rdb', '--replicaof', '127.0.0.1', String(P)], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 1500));
const raw = new Redis(P);
while ((await raw.call('WAIT', '1', '100')) !== 1) await new Promise((r) => setTimeout(r, 100));
const url = `redis://127.0.0.1:${P}/0`;
const plain = await createBackend(url, { adapter: resultkitAdapter });
const waiting = await createBackend(url, { adapter: resultkitAdapter, redis: { waitForReplicas: { count: 1 } } });
const waiting4 = await createBackend(url, { adapter: resultkitAdapter, redis: { waitForReplicas: { count: 1 }, maxConnections: 4 } });
for (let round = 0; round < 2; round++) {
  for (const [label, be] of [['plain', plain], ['wait', waiting], ['wait 4 conns', waiting4]] as const) {
    const m = await measure(label, (i) => be.storeResult(`p-${label}-${i}`, { x: i }), { ops: 5000, concurrency: 64 });
    console.log(label, Math.round(m.opsPerSecond));
  }
}
await plain.close(); await waiting.close(); await waiting4.close(); raw.disconnect();
a.kill('SIGKILL'); b.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true });
