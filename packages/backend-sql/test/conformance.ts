/**
 * The conformance suite wired for one database. The `result` column is a pickle whatever the
 * serializer (Celery's PickleType), so the suite is told results do not go through it.
 */
import type { BackendOptions } from '@resultkit/core';
import { registerConformanceTests } from '@resultkit/test-suite';
import { afterAll, describe, it } from 'vitest';
import type { SqlBackendOptions } from '../src/options.js';
import { corruptWriters } from './corrupt-writers.js';
import { dropTables, openBackend, uniqueTables, writeForeignDocument, writeRawResult, type Engine } from './support.js';

export function registerSqlConformance(engine: Engine, url: string, sql: SqlBackendOptions = {}, extra: { ttlGranularity?: 'seconds' | 'milliseconds'; largeValueSize?: number } = {}): void {
  const tables = uniqueTables(`conf_${engine}`);
  registerConformanceTests({
    it,
    describe,
    factory: (options?: BackendOptions) => openBackend(url, tables, options, sql),
    writeRaw: writeRawResult,
    writeDocument: writeForeignDocument,
    ...corruptWriters(engine, url, tables),
    resultThroughSerializer: false,
    ttlGranularity: extra.ttlGranularity ?? 'milliseconds',
    ...(extra.largeValueSize ? { largeValueSize: extra.largeValueSize } : {}),
  });
  afterAll(() => dropTables(engine, url, tables));
}
