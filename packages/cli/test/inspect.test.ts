import { randomUUID } from 'node:crypto';
import { PyDecimal, PyTuple, states } from '@resultkit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { PG_URL, REDIS_URL, buildOnce, cli, ownBackend, sqlTables } from './support.js';

beforeAll(buildOnce, 120_000);

const lines = (stdout: string) => stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);

describe('resultkit inspect', () => {
  it('--json prints one lossless object per task: bytes, big integers, floats, decimals, tuples and dates tagged', async () => {
    const backend = await ownBackend(REDIS_URL, { serializer: 'pickle', accept: ['pickle'] });
    const id = `rk-cli-inspect-${randomUUID()}`;
    const value = { data: new Uint8Array([0, 1, 255]), big: 2n ** 70n, half: 0.5, price: new PyDecimal('9.99'), pair: PyTuple.of<unknown>(1, 'a'), when: new Date('2026-01-02T03:04:05.678Z'), $odd: true };
    await backend.storeResult(id, value, states.SUCCESS);
    const unknown = `rk-cli-inspect-${randomUUID()}`;
    try {
      const run = await cli(['inspect', REDIS_URL, id, unknown, '--json', '--serializer', 'pickle']);
      expect(run.code, run.stderr).toBe(0);
      const [task, pending] = lines(run.stdout);
      expect(task).toMatchObject({ kind: 'task', task_id: id, state: 'SUCCESS', exception: null, traceback: null });
      expect(task!.date_done).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      expect(task!.result).toEqual({
        $dict: [
          ['data', { $bytes: 'AAH/' }],
          ['big', { $int: (2n ** 70n).toString() }],
          ['half', 0.5],
          ['price', { $decimal: '9.99' }],
          ['pair', { $tuple: [1, 'a'] }],
          ['when', { $datetime: '2026-01-02T03:04:05.678000+00:00' }],
          ['$odd', true],
        ],
      });
      expect(pending).toMatchObject({ task_id: unknown, state: 'PENDING', result: null });
    } finally {
      await backend.forget(id);
    }
  });

  it('prints a failure with its exception and traceback, read from PostgreSQL in tables of its own', async () => {
    const tables = sqlTables(PG_URL, 'inspect');
    const backend = await ownBackend(PG_URL, tables.options);
    const id = `rk-cli-inspect-${randomUUID()}`;
    await backend.markAsFailure(id, new TypeError('bad input 42'), { traceback: 'Traceback (most recent call last):\n  File "tasks.py", line 3\nTypeError: bad input 42\n' });
    const text = await cli(['inspect', PG_URL, id, '--options', tables.json]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`task ${id}`);
    expect(text.stdout).toMatch(/state\s+FAILURE/);
    expect(text.stdout).toMatch(/exception\s+TypeError: bad input 42/);
    expect(text.stdout).toContain('    File "tasks.py", line 3');
    const json = await cli(['inspect', PG_URL, id, '--options', tables.json, '--json']);
    const [task] = lines(json.stdout);
    expect(task).toMatchObject({ state: 'FAILURE', result: null, exception: { exc_type: 'TypeError', exc_message: ['bad input 42'] } });
    expect(task!.traceback).toContain('TypeError: bad input 42');
  });

  it('--group prints the members and their states; the URL may come from RESULTKIT_URL', async () => {
    const backend = await ownBackend(REDIS_URL);
    const [a, b, groupId] = [randomUUID(), randomUUID(), `rk-cli-group-${randomUUID()}`];
    await backend.storeResult(a, 1, states.SUCCESS);
    await backend.saveGroup(groupId, [a, b]);
    try {
      const run = await cli(['inspect', '--group', groupId, '--json'], { env: { RESULTKIT_URL: REDIS_URL } });
      expect(run.code, run.stderr).toBe(0);
      expect(lines(run.stdout)).toEqual([{ kind: 'group', group_id: groupId, found: true, members: [{ task_id: a, state: 'SUCCESS' }, { task_id: b, state: 'PENDING' }] }]);
      const missing = await cli(['inspect', REDIS_URL, '--group', `rk-cli-none-${randomUUID()}`]);
      expect(missing.code).toBe(1);
      expect(missing.stdout).toContain('not found');
    } finally {
      await backend.forget(a);
      await backend.deleteGroup(groupId);
    }
  });

  it('--serializer alone accepts that serializer; an --accept that leaves it out is refused before connecting, with a hint', async () => {
    const backend = await ownBackend(REDIS_URL, { serializer: 'pickle', accept: ['pickle'] });
    const id = `rk-cli-inspect-${randomUUID()}`;
    await backend.storeResult(id, 'pickled', states.SUCCESS);
    try {
      const fromOptions = await cli(['inspect', REDIS_URL, id, '--json', '--options', '{"serializer":"pickle"}']);
      expect(fromOptions.code, fromOptions.stderr).toBe(0);
      expect(lines(fromOptions.stdout)[0]).toMatchObject({ task_id: id, result: 'pickled' });
      const listed = await cli(['inspect', REDIS_URL, id, '--json', '--serializer', 'pickle', '--accept', 'json,pickle']);
      expect(listed.code, listed.stderr).toBe(0);
      const contradicted = await cli(['inspect', REDIS_URL, id, '--serializer', 'pickle', '--accept', 'json']);
      expect(contradicted.code).toBe(3);
      expect(contradicted.stderr).toContain('accept [json] refuses to read back');
      expect(contradicted.stderr).toMatch(/hint: .*--accept pickle,json/);
    } finally {
      await backend.forget(id);
    }
  });

  it('a value in another serializer than the one given fails with a hint, exit 1; no id at all is a usage error', async () => {
    const backend = await ownBackend(REDIS_URL, { serializer: 'pickle', accept: ['pickle'] });
    const id = `rk-cli-inspect-${randomUUID()}`;
    await backend.storeResult(id, 'x', states.SUCCESS);
    try {
      const run = await cli(['inspect', REDIS_URL, id]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/hint: .*--serializer/);
      const usage = await cli(['inspect', REDIS_URL]);
      expect(usage.code).toBe(2);
    } finally {
      await backend.forget(id);
    }
  });
});
