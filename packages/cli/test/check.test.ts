import { cpSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, MYSQL_URL, PACKAGE_DIR, PG_URL, REDIS_URL, buildOnce, cli, closedPort, fileUrl, sqlTables, testDir } from './support.js';

beforeAll(buildOnce, 120_000);

const STEPS = ['connect', 'write', 'read', 'wait', 'expire', 'delete'];

function expectAllSteps(stdout: string): void {
  for (const step of STEPS) expect(stdout).toMatch(new RegExp(`✓ ${step}\\s+\\d+\\.\\d ms`));
}

describe('resultkit check', () => {
  it('runs every step against Redis, the wait delivered by push and the expiry set by the store', async () => {
    const run = await cli(['check', REDIS_URL]);
    expect(run.code, run.stderr).toBe(0);
    expectAllSteps(run.stdout);
    expect(run.stdout).toContain('delivered by push');
    expect(run.stdout).toMatch(/expires by itself in 86400 s/);
  });

  it('runs every step against PostgreSQL and MariaDB in tables of its own, and against SQLite and file://', async () => {
    const dir = testDir();
    const targets = [
      [PG_URL, sqlTables(PG_URL, 'check').json],
      [MYSQL_URL, sqlTables(MYSQL_URL, 'check').json],
      [`db+sqlite:///${join(dir, 'results.db')}`, '{}'],
      [fileUrl(dir), '{}'],
    ];
    for (const [url, options] of targets) {
      const run = await cli(['check', url!, '--options', options!]);
      expect(run.code, run.stderr).toBe(0);
      expectAllSteps(run.stdout);
      expect(run.stdout).toContain('run `resultkit cleanup`');
    }
  });

  it('checks rpc:// with the broker from CELERY_BROKER_URL, whose password is never printed', async () => {
    const broker = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
    const run = await cli(['--verbose', 'check', 'rpc://'], { env: { CELERY_BROKER_URL: broker } });
    expect(run.code, run.stderr).toBe(0);
    expectAllSteps(run.stdout);
    expect(run.stdout).toContain('delivered by push');
    const password = decodeURIComponent(new URL(broker).password);
    expect(password).not.toBe('');
    expect(run.stdout + run.stderr).not.toContain(`:${password}@`);
  });

  it('reads the URL from RESULTKIT_URL, then from CELERY_RESULT_BACKEND', async () => {
    const fromOwn = await cli(['check'], { env: { RESULTKIT_URL: REDIS_URL, CELERY_RESULT_BACKEND: 'redis://127.0.0.1:1/0' } });
    expect(fromOwn.code, fromOwn.stderr).toBe(0);
    const dir = testDir();
    const fromCelery = await cli(['check'], { env: { CELERY_RESULT_BACKEND: fileUrl(dir) } });
    expect(fromCelery.code, fromCelery.stderr).toBe(0);
    expect(fromCelery.stdout).toContain(`checking ${fileUrl(dir)}`);
  });

  it('a refused connection exits 3 with "service down", and no stack trace without --verbose', async () => {
    const port = await closedPort();
    const run = await cli(['--connect-timeout', '1000', 'check', `redis://127.0.0.1:${port}/13`]);
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/✗ connect/);
    expect(run.stderr).toContain('could not be reached');
    expect(run.stderr).toContain('hint: service down');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    const verbose = await cli(['--connect-timeout', '1000', '--verbose', 'check', `redis://127.0.0.1:${port}/13`]);
    expect(verbose.code).toBe(3);
    expect(verbose.stderr).toMatch(/\n\s+at /);
    expect(verbose.stderr).toContain('caused by:');
  });

  it('a wrong password exits 3 with the hint, and the password appears nowhere in the output', async () => {
    const password = `pw-${Date.now()}-secret`;
    const runs = [
      await cli(['--verbose', 'check', `db+postgresql://rk_cli_nobody:${password}@127.0.0.1:5432/test`]),
      await cli(['--verbose', 'check', `db+mysql://root:${password}@127.0.0.1:3306/test`]),
      await cli(['--verbose', 'check'], { env: { RESULTKIT_URL: `db+mysql://root:${password}@127.0.0.1:3306/test` } }),
    ];
    for (const run of runs) {
      expect(run.code).toBe(3);
      expect(run.stderr).toContain('hint: wrong user or password');
      expect(run.stdout + run.stderr).not.toContain(password);
      expect(run.stdout + run.stderr).toContain(':***@');
    }
  });

  it('a password Redis does not need is masked in every line, even with --verbose', async () => {
    const password = `pw-${Date.now()}-redis`;
    const run = await cli(['--verbose', 'check', REDIS_URL.replace('redis://', `redis://:${password}@`)]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('redis://:***@127.0.0.1');
    expect(run.stdout + run.stderr).not.toContain(password);
  });

  it('a scheme whose adapter package is not installed names the package to install', async () => {
    // The CLI alone, next to core and its own dependencies but without any adapter package.
    const dir = testDir();
    cpSync(join(PACKAGE_DIR, 'dist'), join(dir, 'dist'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'rk-cli-alone', type: 'module' }));
    mkdirSync(join(dir, 'node_modules', '@resultkit'), { recursive: true });
    for (const name of ['@resultkit/core', 'commander', 'cli-progress']) {
      symlinkSync(realpathSync(join(PACKAGE_DIR, 'node_modules', name)), join(dir, 'node_modules', name), 'dir');
    }
    const run = await cli(['check', fileUrl(dir)], { bin: join(dir, 'dist', 'bin.js'), cwd: dir });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('@resultkit/backend-fs');
    expect(run.stderr).toContain('hint: install the adapter next to @resultkit/cli: npm install @resultkit/backend-fs');
  });

  it('a usage error exits 2: an unknown option, no URL at all, a bad number', async () => {
    for (const args of [['check', '--bogus'], ['check'], ['check', REDIS_URL, '--timeout', 'soon'], ['nonsense']]) {
      const run = await cli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
    const help = await cli(['check', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: resultkit check');
    expect(BIN).toMatch(/dist[\\/]bin\.js$/);
  });
});

describe('resultkit check over TLS', () => {
  it('TLS asked of servers that do not speak it exits 3 with a TLS hint (PostgreSQL sslmode, rediss://)', async () => {
    const pgRun = await cli(['check', `${PG_URL}?sslmode=require`]);
    expect(pgRun.code).toBe(3);
    expect(pgRun.stderr).toContain('hint: TLS mismatch');
    const redisRun = await cli(['--connect-timeout', '1000', 'check', `${REDIS_URL.replace('redis://', 'rediss://')}?ssl_cert_reqs=none`]);
    expect(redisRun.code).toBe(3);
    expect(redisRun.stderr).toContain('TLS mismatch if the server does not speak TLS');
  });
});
