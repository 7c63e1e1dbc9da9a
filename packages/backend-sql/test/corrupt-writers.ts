/**
 * Foreign writers for the conformance suite's corrupt-value tests: raw bytes in a saved
 * group's `result` column, and a `date_done` no Python datetime can be. The rows are created
 * through the adapter (id sequences, defaults), then overwritten with the engine's own driver,
 * bypassing every check of the adapter.
 */
import type { ResultBackend } from '@resultkit/core';
import { adapterOf, withRaw, writeRawResult, type Engine, type TestTables } from './support.js';

// pickle.dumps('late', protocol=2): a valid result, so that only the date is wrong.
const PICKLED_TEXT = Uint8Array.from([0x80, 0x02, 0x58, 0x04, 0, 0, 0, 0x6c, 0x61, 0x74, 0x65, 0x2e]);

export function corruptWriters(engine: Engine, url: string, tables: TestTables) {
  const placeholder = (n: number): string => (engine === 'postgresql' ? `$${n}` : '?');
  return {
    /** Puts `bytes` in the `result` column of the group row for `groupId`. */
    async writeRawGroup(backend: ResultBackend, groupId: string, bytes: Uint8Array): Promise<void> {
      await adapterOf(backend).saveGroup({ groupId, results: [], dateDone: new Date() }, { expires: null });
      await withRaw(engine, url, (query) =>
        query(`UPDATE ${tables.group} SET result = ${placeholder(1)} WHERE taskset_id = ${placeholder(2)}`, [Buffer.from(bytes), groupId]),
      );
    },

    /**
     * A SUCCESS row for `taskId` whose `date_done` holds `text` where the column takes any text
     * (SQLite), and otherwise the nearest the typed column holds that no Python datetime is:
     * PostgreSQL's `infinity`, MySQL's zero date (written with the session's strict mode off).
     */
    async writeDateDone(backend: ResultBackend, taskId: string, text: string): Promise<void> {
      await writeRawResult(backend, taskId, PICKLED_TEXT);
      await withRaw(engine, url, async (query) => {
        const set = (value: string, params: unknown[]) => query(`UPDATE ${tables.task} SET date_done = ${value} WHERE task_id = ${placeholder(params.length)}`, params);
        if (engine === 'postgresql') await set(`'infinity'::timestamp`, [taskId]);
        else if (engine === 'mysql') {
          await query(`SET SESSION sql_mode = ''`);
          await set(`'0000-00-00 00:00:00'`, [taskId]);
        } else await set(placeholder(1), [text, taskId]);
      });
    },
  };
}
