/**
 * A test-owned `redis-server`. With `appendonly` (the default here) every write is in the
 * append-only file before Redis replies (`appendfsync always`), so an acknowledged store
 * survives a crash as well as a restart: what the fault tests then check is the client side.
 */
import { Socket } from 'node:net';
import { OwnedProcess } from './owned-process.js';
import { OwnedServer } from './owned-server.js';
import { LOOPBACK, freePort } from './loopback.js';

export interface OwnedRedisOptions {
  /** Keep data across restarts in an append-only file, fsynced before each reply (default true). */
  appendOnly?: boolean;
  /** Extra `redis-server` arguments, e.g. `['--maxclients', '100']`. */
  args?: readonly string[];
}

export class OwnedRedis extends OwnedServer {
  readonly kind = 'redis' as const;
  protected readonly shutdownSignal = 'SIGTERM' as const;
  readonly #options: OwnedRedisOptions;

  private constructor(port: number, options: OwnedRedisOptions) {
    super('redis', port, undefined);
    this.#options = options;
  }

  /** Starts a server on a free loopback port and a fresh data directory. */
  static async start(options: OwnedRedisOptions = {}): Promise<OwnedRedis> {
    return new OwnedRedis(await freePort(), options).launch();
  }

  get url(): string {
    return `redis://${LOOPBACK}:${this.port}/0`;
  }

  protected spawn(): OwnedProcess {
    const appendOnly = this.#options.appendOnly ?? true;
    return new OwnedProcess({
      command: 'redis-server',
      label: `redis-server on ${LOOPBACK}:${this.port}`,
      args: [
        '--port', String(this.port),
        '--bind', LOOPBACK,
        '--dir', this.dir,
        '--save', '',
        '--appendonly', appendOnly ? 'yes' : 'no',
        '--appendfsync', 'always',
        '--daemonize', 'no',
        '--logfile', '',
        ...(this.#options.args ?? []),
      ],
    });
  }

  // PING over a plain socket: +PONG only once the data is loaded (-LOADING before).
  protected answers(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = new Socket();
      let reply = '';
      const done = (ok: boolean): void => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(500, () => done(false));
      socket.once('error', () => done(false));
      socket.on('data', (chunk) => {
        reply += chunk.toString('utf8');
        if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
      });
      socket.connect(this.port, LOOPBACK, () => socket.write('PING\r\n'));
    });
  }
}
