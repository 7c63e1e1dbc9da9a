/**
 * Shared by the CLI tests: every test runs the built `resultkit` binary (`dist/bin.js`) as a
 * child process against the real services, with its own Redis db, table names, directories and
 * ids, and removes what it made.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createBackend, type BackendOptions, type ResultBackend } from '@resultkit/core';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { onTestFinished } from 'vitest';

export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
export const BIN = join(PACKAGE_DIR, 'dist', 'bin.js');

/** Redis db 13 is this package's own; ids are unique per test. */
export const REDIS_URL = `${(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379').replace(/\/\d*$/, '')}/13`;
export const PG_URL = `db+${process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test'}`.replace(/^db\+db\+/, 'db+');
export const MYSQL_URL = `db+${process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'}`.replace(/^db\+db\+/, 'db+');

/**
 * Builds the CLI and what it depends on when a source file is newer than the built binary: the
 * tests run the real binary, and a stale one would test old code.
 */
export function buildOnce(): void {
  const built = existsSync(BIN) ? statSync(BIN).mtimeMs : 0;
  const sources = ['cli', 'core', 'backend-redis', 'backend-sql', 'backend-fs'].flatMap((dir) => {
    const src = join(PACKAGE_DIR, '..', dir, 'src');
    return readdirSync(src, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  });
  if (sources.every((file) => statSync(file).mtimeMs <= built)) return;
  execFileSync('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@resultkit/cli...', '--output-logs=errors-only'], { cwd: PACKAGE_DIR, stdio: 'ignore' });
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Environment added to a clean one (no RESULTKIT_URL / CELERY_* from the caller's shell). */
  env?: Record<string, string>;
  cwd?: string;
  /** Path of the binary (default the package's `dist/bin.js`). */
  bin?: string;
}

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of ['RESULTKIT_URL', 'CELERY_RESULT_BACKEND', 'CELERY_BROKER_URL', 'NODE_OPTIONS', 'NODE_PATH']) delete env[key];
  return { ...env, ...extra };
}

/** Starts `resultkit args...`; the child is killed when the test finishes, if still running. */
export function startCli(args: readonly string[], options: CliOptions = {}): { child: ChildProcess; result: Promise<CliResult> } {
  const child = spawn(process.execPath, [options.bin ?? BIN, ...args], { cwd: options.cwd ?? PACKAGE_DIR, env: cleanEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const result = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, result };
}

/** Runs `resultkit args...` to the end. */
export function cli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).result;
}

/** A directory of the test's own, removed when it finishes. */
export function testDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rk-cli-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function fileUrl(dir: string): string {
  return pathToFileURL(dir).href;
}

/** A short random suffix for ids and names no other test uses. */
export function unique(label: string): string {
  return `${label}_${randomBytes(4).toString('hex')}`;
}

/** SQL table names of the test's own (dropped when it finishes), as `--options` JSON and as backend options. */
export function sqlTables(url: string, label: string): { options: BackendOptions; json: string } {
  const base = unique(`rk_cli_${label}`);
  const sql = {
    tableNames: { task: `${base}_task`, group: `${base}_group` },
    sequenceNames: { task: `${base}_task_seq`, group: `${base}_group_seq` },
  };
  onTestFinished(() => dropTables(url, [sql.tableNames.task, sql.tableNames.group], [sql.sequenceNames.task, sql.sequenceNames.group]));
  return { options: { sql } as BackendOptions, json: JSON.stringify({ sql }) };
}

async function dropTables(url: string, tables: string[], sequences: string[]): Promise<void> {
  if (url.startsWith('db+postgresql')) {
    const client = new pg.Client({ connectionString: url.slice(3) });
    await client.connect();
    try {
      for (const t of tables) await client.query(`DROP TABLE IF EXISTS ${t}`);
      for (const s of sequences) await client.query(`DROP SEQUENCE IF EXISTS ${s}`);
    } finally {
      await client.end();
    }
  } else if (url.startsWith('db+mysql')) {
    const connection = await mysql.createConnection(url.slice(3));
    try {
      for (const t of tables) await connection.query(`DROP TABLE IF EXISTS ${t}`);
      for (const s of sequences) await connection.query(`DROP SEQUENCE IF EXISTS ${s}`);
    } finally {
      await connection.end();
    }
  }
}

/** A backend opened in the test process (to seed or look at data), closed when the test finishes. */
export async function ownBackend(url: string, options: BackendOptions = {}): Promise<ResultBackend> {
  const backend = await createBackend(url, options);
  onTestFinished(() => backend.close());
  return backend;
}

/** A loopback port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A Redis key prefix of the test's own, as `--options` JSON and backend options; its keys are deleted when it finishes. */
export function redisPrefix(label: string): { prefix: string; options: BackendOptions; json: string } {
  const prefix = `${unique(`rk-cli-${label}`)}:`;
  const redis = { keyPrefix: prefix };
  onTestFinished(async () => {
    const client = new Redis(REDIS_URL);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        if (keys.length) await client.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      client.disconnect();
    }
  });
  return { prefix, options: { redis } as BackendOptions, json: JSON.stringify({ redis }) };
}

/** Resolves once `check` holds, polling every 20 ms; fails after `timeout` ms. */
export async function until(check: () => boolean, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('The condition did not hold in time.');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
