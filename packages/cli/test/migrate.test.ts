import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { states, type ResultBackend } from '@resultkit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { PG_URL, REDIS_URL, buildOnce, cli, fileUrl, ownBackend, redisPrefix, sqlTables, startCli, testDir, until } from './support.js';

beforeAll(buildOnce, 120_000);

/** `count` results (every tenth a FAILURE with a traceback) and one saved group. */
async function seed(backend: ResultBackend, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `task-${i}`);
  await Promise.all(
    ids.map((id, i) =>
      i % 10 === 0 ? backend.markAsFailure(id, new RangeError(`out of range ${i}`), { traceback: `Traceback ${i}` }) : backend.storeResult(id, { i, half: i + 0.5 }, states.SUCCESS),
    ),
  );
  await backend.saveGroup('group-1', ids.slice(0, 3));
  return ids;
}

describe('resultkit migrate', () => {
  it('copies Redis to SQLite and verifies; a second run skips everything (unverified with --no-verify); --dry-run writes nothing', async () => {
    const redis = redisPrefix('migrate');
    await seed(await ownBackend(REDIS_URL, redis.options), 50);
    const dir = testDir();
    const target = `db+sqlite:///${join(dir, 'results.db')}`;
    const args = ['migrate', REDIS_URL, target, '--from-options', redis.json, '--state-file', join(dir, 'state.json')];

    const dry = await cli([...args, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('51 read, 51 would write');
    expect(existsSync(join(dir, 'results.db'))).toBe(true);
    const empty = await ownBackend(target);
    expect((await empty.getTaskMeta('task-1')).status).toBe('PENDING');

    const run = await cli(['--progress', ...args]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('51 read, 51 written, 0 skipped');
    // --progress shows the bars even on a pipe: the total counted first, the rate and the ETA.
    expect(run.stderr).toMatch(/copy \[.*\] 100% \| 51\/51 entries \| \d+\/s \| ETA/);
    expect(run.stderr).toMatch(/verify \[.*\] 100% \| 51\/51 entries/);
    expect(run.stdout).toContain('verified: all 51 source entries are on the target and read the same');
    expect(existsSync(join(dir, 'state.json'))).toBe(false);
    const copied = await ownBackend(target);
    expect(await copied.asyncResult('task-7').get({ timeout: 1_000 })).toEqual({ i: 7, half: 7.5 });
    expect((await copied.getTaskMeta('task-10')).traceback).toBe('Traceback 10');

    const again = await cli([...args, '--no-verify']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('51 read, 0 written, 51 skipped');
    expect(again.stdout).not.toContain('verified');
    expect(existsSync(join(dir, 'state.json'))).toBe(false);
  });

  it('Ctrl-C stops between pages and saves the cursor; --resume continues from it and verifies (Redis -> PostgreSQL)', async () => {
    const redis = redisPrefix('resume');
    await seed(await ownBackend(REDIS_URL, redis.options), 1_000);
    const tables = sqlTables(PG_URL, 'resume');
    const dir = testDir();
    const stateFile = join(dir, 'state.json');
    const args = ['migrate', REDIS_URL, PG_URL, '--from-options', redis.json, '--to-options', tables.json, '--page-size', '5', '--state-file', stateFile];

    const first = startCli(args);
    const saved = () => (existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as { cursor: string | null; scanned: number }) : null);
    // Bounded by the copy itself: PostgreSQL may be busy with other suites on this machine.
    await until(() => (saved()?.scanned ?? 0) >= 100, 25_000);
    first.child.kill('SIGINT');
    const stopped = await first.result;
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain('--resume');
    const state = saved()!;
    expect(state.cursor).not.toBeNull();
    expect(state.scanned).toBeLessThan(1_001);

    const resumed = await cli([...args, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`resuming from ${stateFile} (${state.scanned} entries read before`);
    const read = Number(/(\d+) read/.exec(resumed.stdout)![1]);
    expect(read).toBeLessThan(1_001);
    expect(read).toBeGreaterThanOrEqual(1_001 - state.scanned);
    expect(resumed.stdout).toContain('verified: all 1001 source entries are on the target and read the same');
    expect(existsSync(stateFile)).toBe(false);
  });

  it('a run stopped during its verification resumes with the verification only', async () => {
    const redis = redisPrefix('reverify');
    await seed(await ownBackend(REDIS_URL, redis.options), 100);
    const dir = testDir();
    const target = `db+sqlite:///${join(dir, 'results.db')}`;
    const stateFile = join(dir, 'state.json');
    const args = ['migrate', REDIS_URL, target, '--from-options', redis.json, '--state-file', stateFile];
    expect((await cli([...args, '--no-verify'])).code).toBe(0);

    // What a run leaves when it is stopped after its last page, during the verification.
    const state = { version: 1, from: REDIS_URL, to: target, cursor: 'task:0', copied: true, scanned: 101, updatedAt: new Date().toISOString() };
    writeFileSync(stateFile, JSON.stringify(state));
    const resumed = await cli([...args, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('copy complete: verifying only');
    expect(resumed.stdout).not.toMatch(/\d+ read, /);
    expect(resumed.stdout).toContain('verified: all 101 source entries are on the target and read the same');
    expect(existsSync(stateFile)).toBe(false);

    // A state file of another migration is refused, not applied.
    writeFileSync(stateFile, JSON.stringify({ ...state, to: 'db+sqlite:///elsewhere.db' }));
    const other = await cli([...args, '--resume']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('belongs to another migration');
  });

  it('a difference found by the verification exits 1 and is listed', async () => {
    const [source, target] = [testDir(), testDir()];
    const from = await ownBackend(fileUrl(source));
    await from.markAsStarted('task-running', { pid: 1, hostname: 'worker-1' });
    await from.storeResult('task-done', 42, states.SUCCESS);
    const args = ['migrate', fileUrl(source), fileUrl(target), '--state-file', join(source, 'state.json')];
    expect((await cli(args)).code).toBe(0);

    // The target moves on (the task finished there) while the source still says STARTED.
    const to = await ownBackend(fileUrl(target));
    await to.storeResult('task-running', 'finished', states.SUCCESS);
    const run = await cli(args);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('verification FAILED: 0 missing, 1 differing, of 2 source entries');
    expect(run.stdout).toContain('differs task task-running');
    expect(run.stdout).toMatch(/status: str STARTED -> str SUCCESS/);
  });

  it('an entry the target cannot hold exactly stops the copy with a hint, exit 1', async () => {
    const redis = redisPrefix('lossy');
    const from = await ownBackend(REDIS_URL, { ...redis.options, serializer: 'pickle', accept: ['pickle'] });
    await from.storeResult('task-when', { when: new Date('2026-01-02T03:04:05.678Z') }, states.SUCCESS);
    const target = testDir();
    const run = await cli(['migrate', REDIS_URL, fileUrl(target), '--from-options', redis.json, '--from-serializer', 'pickle', '--state-file', join(target, 's.json')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot hold the task task-when');
    expect(run.stderr).toContain('hint: pass --allow-lossy');
  });

  it('--overwrite and --skip-existing together are a usage error', async () => {
    const run = await cli(['migrate', 'memory://', 'memory://', '--overwrite', '--skip-existing']);
    expect(run.code).toBe(2);
  });
});
