/**
 * The conformance suite wired for one database. Two tests of the suite do not apply to SQL and
 * are skipped by name, each with its reason:
 */
import type { BackendOptions } from '@resultkit/core';
import { registerConformanceTests } from '@resultkit/test-suite';
import { afterAll, describe, it, type TestAPI } from 'vitest';
import type { SqlBackendOptions } from '../src/index.js';
import { dropTables, openBackend, uniqueTables, writeForeignDocument, writeRawResult, type Engine } from './support.js';

/**
 * Tests whose premise does not hold for Celery's database backend, with the reason. They are
 * reported as skipped, never silently dropped.
 */
export const NOT_APPLICABLE_TO_SQL = new Map<string, string>([
  [
    'a value the serializer cannot encode is an EncodeError and nothing is stored',
    // The suite stores bytes with kombu 5.2 JSON and expects an EncodeError. The SQL backend
    // never runs the result through the serializer: the `result` column is a pickle (spec §4.4),
    // which holds bytes, exactly as Celery's PickleType does. Refusing would be a false limit.
    "the result column is pickled, not serialized (Celery's PickleType): bytes are storable",
  ],
]);

function sqlIt(): TestAPI {
  return new Proxy(it, {
    apply(target, self, args: Parameters<TestAPI>) {
      const [name] = args;
      if (typeof name === 'string' && NOT_APPLICABLE_TO_SQL.has(name)) return target.skip(`${name} [n/a for SQL: ${NOT_APPLICABLE_TO_SQL.get(name)}]`, () => {});
      return Reflect.apply(target, self, args);
    },
  });
}

export function registerSqlConformance(engine: Engine, url: string, sql: SqlBackendOptions = {}, extra: { ttlGranularity?: 'seconds' | 'milliseconds'; largeValueSize?: number } = {}): void {
  const tables = uniqueTables(`conf_${engine}`);
  registerConformanceTests({
    it: sqlIt(),
    describe,
    factory: (options?: BackendOptions) => openBackend(url, tables, options, sql),
    writeRaw: writeRawResult,
    writeDocument: writeForeignDocument,
    preservesSuccess: sql.preserveSuccess ?? true,
    ttlGranularity: extra.ttlGranularity ?? 'milliseconds',
    ...(extra.largeValueSize ? { largeValueSize: extra.largeValueSize } : {}),
  });
  afterAll(() => dropTables(engine, url, tables));
}
