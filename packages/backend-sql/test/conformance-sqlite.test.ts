import { afterAll } from 'vitest';
import { registerSqlConformance } from './conformance.js';
import { removeTempDir, sqliteUrl, tempDir } from './support.js';

// A file, so that two backends opened by one test share it (an in-memory database is private).
const dir = tempDir();
registerSqlConformance('sqlite', sqliteUrl(`${dir}/conformance.sqlite`));
afterAll(() => removeTempDir(dir));
