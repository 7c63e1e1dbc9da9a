/**
 * A test-owned RabbitMQ node, beside the shared one and never touching it: a node name, AMQP
 * port, Erlang distribution port and data directory of its own, listening on loopback only,
 * with no plugins. It registers with the epmd that is already running for the shared node (a
 * node started here never starts an epmd of its own, which would outlive the test) and uses
 * the Erlang cookie of the user it runs as, unchanged. Run as root, it runs as the `rabbitmq`
 * user, as the shared node does.
 *
 * Durable queues and persistent messages are written to its data directory, so what the
 * broker confirmed for them survives a restart and a crash; transient queues do not survive
 * either.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { connect, type Channel, type ConfirmChannel } from 'amqplib';
import { OwnedProcess } from './owned-process.js';
import { OwnedServer } from './owned-server.js';
import { LOOPBACK, freePort } from './loopback.js';
import { systemUser } from './system-user.js';

/**
 * The broker's own start script. Debian's `/usr/sbin/rabbitmq-server` is a wrapper that
 * switches user with `su` and sends the output to the system log directory; the script it
 * wraps runs the node in the foreground in this process group, with its output on ours.
 */
export function rabbitmqServerCommand(): string | null {
  const debian = '/usr/lib/rabbitmq/bin/rabbitmq-server';
  if (existsSync(debian)) return debian;
  try {
    return execFileSync('sh', ['-c', 'command -v rabbitmq-server'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** The home directory of `user` (where its `.erlang.cookie` is), from the passwd database. */
function homeOf(user: string): string {
  return execFileSync('getent', ['passwd', user], { encoding: 'utf8' }).split(':')[5]!;
}

export class OwnedRabbitMq extends OwnedServer {
  readonly kind = 'rabbitmq' as const;
  // The node's own orderly shutdown: connections are closed with 320 CONNECTION_FORCED.
  protected readonly shutdownSignal = 'SIGTERM' as const;
  // A first boot creates the node's database; a restart takes 5-15 s on a busy machine.
  protected override readonly startTimeoutMs = 90_000;
  /** The Erlang node name, fixed for the server's life: its database lives under it. */
  readonly nodeName = `rk-${randomUUID().slice(0, 8)}@localhost`;
  readonly distPort: number;
  readonly #command: string;
  readonly #home: string;

  private constructor(command: string, port: number, distPort: number) {
    super('rabbitmq', port, systemUser('rabbitmq'));
    this.#command = command;
    this.distPort = distPort;
    this.#home = this.runAs ? homeOf('rabbitmq') : (process.env.HOME ?? this.dir);
  }

  /** Starts a node on free loopback ports and a fresh data directory. */
  static async start(): Promise<OwnedRabbitMq> {
    const command = rabbitmqServerCommand();
    if (!command) throw new Error('rabbitmq-server is not installed');
    const server = new OwnedRabbitMq(command, await freePort(), await freePort());
    return server.launch(async () => server.#writeConfig());
  }

  /**
   * Runs `rabbitmqctl <args>` against this node (`-n`, `-q`) and returns what it printed. An
   * Erlang VM starts for each call: a second or more.
   */
  async ctl(...args: string[]): Promise<string> {
    // Debian's wrapper switches to the rabbitmq user, whose cookie the node uses.
    const { stdout } = await promisify(execFile)('rabbitmqctl', ['-n', this.nodeName, '-q', ...args], { encoding: 'utf8', timeout: 60_000 });
    return stdout;
  }

  /** The broker URL (vhost `/`, written `//` as kombu does; the default guest user, which may log in over loopback). */
  get url(): string {
    return `amqp://guest:guest@${LOOPBACK}:${this.port}//`;
  }

  #file(name: string): string {
    return join(this.dir, name);
  }

  #writeConfig(): void {
    writeFileSync(this.#file('rabbitmq.conf'), `listeners.tcp.1 = ${LOOPBACK}:${this.port}\n`);
    // No plugins: the management plugin would listen on a port of its own.
    writeFileSync(this.#file('enabled_plugins'), '[].\n');
    // Read instead of the system's rabbitmq-env.conf, whose node name is the shared node's.
    writeFileSync(this.#file('rabbitmq-env.conf'), '');
  }

  protected spawn(): OwnedProcess {
    return new OwnedProcess({
      command: this.#command,
      args: [],
      label: `rabbitmq-server ${this.nodeName} on ${LOOPBACK}:${this.port}`,
      runAs: this.runAs,
      env: {
        PATH: process.env.PATH,
        HOME: this.#home,
        LANG: 'C.UTF-8',
        RABBITMQ_CONF_ENV_FILE: this.#file('rabbitmq-env.conf'),
        RABBITMQ_NODENAME: this.nodeName,
        RABBITMQ_NODE_IP_ADDRESS: LOOPBACK,
        RABBITMQ_NODE_PORT: String(this.port),
        RABBITMQ_DIST_PORT: String(this.distPort),
        ERL_EPMD_ADDRESS: LOOPBACK,
        RABBITMQ_MNESIA_BASE: this.#file('mnesia'),
        RABBITMQ_LOG_BASE: this.#file('log'),
        RABBITMQ_LOGS: '-',
        RABBITMQ_PID_FILE: this.#file('node.pid'),
        RABBITMQ_CONFIG_FILE: this.#file('rabbitmq.conf'),
        RABBITMQ_ADVANCED_CONFIG_FILE: this.#file('advanced.config'),
        RABBITMQ_ENABLED_PLUGINS_FILE: this.#file('enabled_plugins'),
        // The distribution port on loopback too, and no epmd started by this node.
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1} -start_epmd false',
      },
    });
  }

  // A whole AMQP login and a channel, what the tests need, rather than an open port: the
  // listener opens a little before the node has finished booting. The socket timeout (idle
  // time) ends a handshake that stalls.
  protected async answers(): Promise<boolean> {
    const connection = await connect(this.url, { timeout: 2_000 });
    connection.on('error', () => {});
    try {
      await connection.createChannel();
      return true;
    } finally {
      await connection.close().catch(() => {});
    }
  }
}

/**
 * Runs `use` on a channel of a connection of its own to `url` (a confirm channel when
 * `confirms`), and closes the connection after, whatever happened: nothing is left open on a
 * node a test is about to stop or kill.
 */
export async function withAmqpChannel<T>(url: string, use: (channel: Channel) => Promise<T>): Promise<T>;
export async function withAmqpChannel<T>(url: string, use: (channel: ConfirmChannel) => Promise<T>, confirms: true): Promise<T>;
export async function withAmqpChannel<T>(url: string, use: (channel: ConfirmChannel) => Promise<T>, confirms = false): Promise<T> {
  const connection = await connect(url);
  connection.on('error', () => {});
  try {
    return await use((confirms ? await connection.createConfirmChannel() : await connection.createChannel()) as ConfirmChannel);
  } finally {
    await connection.close().catch(() => {});
  }
}
