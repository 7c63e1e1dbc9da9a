import { createBackend, states } from '@resultkit/core';
import { resultkitAdapter, type SqlAdapter } from '@resultkit/backend-sql';
import pg from 'pg';
import { measure } from './harness.ts';
const url = 'db+postgresql://postgres@127.0.0.1:5432/test';
const b = await createBackend(url, { adapter: resultkitAdapter, sql: { tableNames: { task: 'zzp_task', group: 'zzp_group' }, batch: false, notify: false } });
const a = b.adapter as SqlAdapter;
const ids = Array.from({ length: 2000 }, (_, i) => `p-${i}`);
await Promise.all(ids.map((id) => b.storeResult(id, { report: 'x', total: 42, items: [{ id: 1, name: 'Café' }] }, states.SUCCESS)));
const pool = new pg.Pool({ connectionString: url.slice(3), max: 10 });
const o = { ops: 10000, concurrency: 64 };
for (let r = 0; r < 2; r++) {
  const show = (m: { label: string; opsPerSecond: number }) => console.log(m.label.padEnd(30), Math.round(m.opsPerSecond));
  show(await measure('raw select *', (i) => pool.query('SELECT task_id, status, result, date_done, traceback, group_id, parent_id FROM zzp_task WHERE task_id = $1', [ids[i % 2000]]), o));
  show(await measure('raw select to_char', (i) => pool.query(`SELECT task_id, status, result, to_char(date_done, 'YYYY-MM-DD"T"HH24:MI:SS.US') AS date_done, traceback, name, args, kwargs, worker, retries, queue, group_id, parent_id FROM zzp_task WHERE task_id = $1`, [ids[i % 2000]]), o));
  show(await measure('dialect.selectTasks', (i) => a.dialect.selectTasks(['task_id','status','result','date_done','traceback','name','args','kwargs','worker','retries','queue','group_id','parent_id'], [ids[i % 2000]!]), o));
  show(await measure('adapter.loadMany', (i) => a.loadMany([ids[i % 2000]!]), o));
  show(await measure('backend.getTaskMeta', (i) => b.getTaskMeta(ids[i % 2000]!), o));
}
await pool.query('DROP TABLE zzp_task; DROP TABLE zzp_group');
await pool.end(); await b.close();
