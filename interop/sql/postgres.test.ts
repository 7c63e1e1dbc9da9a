import { randomBytes } from 'node:crypto';
import { registerSqlInterop } from './celery-sql.js';

const base = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
// A schema of this run's own: Celery puts task_id_sequence / taskset_id_sequence in it, and
// the teardown drops it whole.
registerSqlInterop({
  engine: 'postgresql',
  url: base.startsWith('db+') ? base : `db+${base}`,
  schema: `rk_interop_${randomBytes(4).toString('hex')}`,
  queue: 'rk-sql-pg',
});
