/**
 * Redis servers started by a test file, on loopback ports of their own with data in a temporary
 * directory: a Cluster, a Sentinel setup. Every process is stopped by `stop()` (call it in
 * `afterAll`), whatever happened to it in between.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { until } from './support.js';

/** One `redis-server` process (plain, cluster node or Sentinel). */
export interface RedisProcess {
  port: number;
  /** The running process (a new one after `restart()`). */
  readonly process: ChildProcess;
  /** SIGKILL: the server dies with whatever it had not replicated yet, as in a crash. */
  kill(): Promise<void>;
  /**
   * Starts the server again after `kill()`: same port, arguments and directory (a cluster node
   * keeps its nodes.conf), with `extra` arguments appended (`--replicaof host port`).
   */
  restart(extra?: readonly string[]): Promise<void>;
  /** SIGSTOP: the server stays connected and answers nothing, like a replica stalled on a slow disk. */
  pause(): void;
  /** SIGCONT after `pause()`. */
  resume(): void;
}

/** A set of processes and their directory, stopped and removed together. */
export class RedisServers {
  readonly dir: string;
  readonly processes: RedisProcess[] = [];

  constructor(label: string) {
    this.dir = mkdtempSync(join(tmpdir(), `rk-${label}-`));
  }

  /** Starts `redis-server` on `port` with the given arguments (after the config file, if any) and waits for PING. */
  async start(port: number, args: readonly string[], options: { sentinel?: boolean; config?: string } = {}): Promise<RedisProcess> {
    const dir = join(this.dir, String(port));
    mkdirSync(dir, { recursive: true });
    const argv = [
      ...(options.config ? [options.config] : []),
      ...(options.sentinel ? ['--sentinel'] : []),
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
      // No snapshots or append-only file: a killed server loses what it held, as in a crash.
      ...(options.sentinel ? [] : ['--save', '', '--appendonly', 'no']),
      ...args,
    ];
    let child = spawn('redis-server', argv, { stdio: 'ignore' });
    const started = () => until(async () => (await ask(port, ['PING'])) === 'PONG', 10_000, `redis-server on port ${port}`);
    const handle: RedisProcess = {
      port,
      get process() {
        return child;
      },
      kill: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        // A stopped process dies of SIGKILL too; SIGCONT first only so that it is never left stopped.
        child.kill('SIGCONT');
        child.kill('SIGKILL');
        await exited;
      },
      restart: async (extra = []) => {
        await handle.kill();
        child = spawn('redis-server', [...argv, ...extra], { stdio: 'ignore' });
        await started();
      },
      pause: () => void child.kill('SIGSTOP'),
      resume: () => void child.kill('SIGCONT'),
    };
    this.processes.push(handle);
    await started();
    return handle;
  }

  /** Kills every process still running and removes the directory. */
  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.kill()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Sends one command on a short-lived connection; null when the server does not answer. */
export async function ask(port: number, command: readonly string[]): Promise<unknown> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 1_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return await client.call(command[0]!, ...command.slice(1));
  } catch {
    return null;
  } finally {
    client.disconnect();
  }
}

/**
 * `count` free loopback ports in 7000-7999 (away from the shared 6379 and from ephemeral ports) whose
 * port + 10000 is free too: a Cluster node also listens on that one (its cluster bus).
 */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  const start = 7000 + Math.floor(Math.random() * 900);
  for (let port = start; ports.length < count && port < 8000; port++) {
    if ((await isFree(port)) && (await isFree(port + 10_000))) ports.push(port);
  }
  if (ports.length < count) throw new Error(`only ${ports.length} of ${count} free ports found in 7000-7999`);
  return ports;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
