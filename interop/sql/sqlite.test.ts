import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { registerSqlInterop } from './celery-sql.js';

// A file both sides open: four slashes, an absolute path, as SQLAlchemy reads it.
const dir = mkdtempSync(join(tmpdir(), 'rk-interop-sqlite-'));
registerSqlInterop({ engine: 'sqlite', url: `db+sqlite:///${dir}/results.sqlite`, queue: 'rk-sql-sq' });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
