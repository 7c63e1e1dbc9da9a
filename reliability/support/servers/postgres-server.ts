/**
 * A test-owned PostgreSQL cluster: `initdb` (trust authentication) into a fresh directory, then
 * the `postgres` server in the foreground on its own port, with its socket in that directory.
 * It runs as the `postgres` user when the tests run as root. Commits are fsynced (the default),
 * so an acknowledged store survives a crash.
 */
import { readdirSync } from 'node:fs';
import pg from 'pg';
import { OwnedProcess, runToEnd } from './owned-process.js';
import { OwnedServer } from './owned-server.js';
import { LOOPBACK, freePort } from './loopback.js';
import { systemUser } from './system-user.js';

/** Where Debian keeps the server binaries (`/usr/lib/postgresql/<major>/bin`), newest major first. */
export function postgresBinDir(): string | null {
  try {
    const majors = readdirSync('/usr/lib/postgresql').filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a));
    return majors.length ? `/usr/lib/postgresql/${majors[0]}/bin` : null;
  } catch {
    return null;
  }
}

export class OwnedPostgres extends OwnedServer {
  readonly kind = 'postgresql' as const;
  // SIGINT is PostgreSQL's "fast" shutdown: clients are disconnected (57P01), data flushed.
  protected readonly shutdownSignal = 'SIGINT' as const;
  readonly #bin: string;

  private constructor(bin: string, port: number) {
    super('pg', port, systemUser('postgres'));
    this.#bin = bin;
  }

  /** Creates a cluster and starts it on a free loopback port. */
  static async start(): Promise<OwnedPostgres> {
    const bin = postgresBinDir();
    if (!bin) throw new Error('No PostgreSQL server binaries under /usr/lib/postgresql/*/bin');
    const server = new OwnedPostgres(bin, await freePort());
    const initdb = ['-D', server.dir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions'];
    return server.launch(() => runToEnd(`${bin}/initdb`, initdb, server.runAs));
  }

  get url(): string {
    return `db+postgresql://postgres@${LOOPBACK}:${this.port}/postgres`;
  }

  /** A plain `pg` connection string (no `db+`), for the raw clients of the tests. */
  get driverUrl(): string {
    return this.url.replace(/^db\+/, '');
  }

  /** Runs one statement on a connection of its own and returns its rows. */
  async query(sql: string): Promise<Record<string, unknown>[]> {
    const client = new pg.Client({ connectionString: this.driverUrl, connectionTimeoutMillis: 2_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      return (await client.query(sql)).rows as Record<string, unknown>[];
    } finally {
      await client.end().catch(() => {});
    }
  }

  protected spawn(): OwnedProcess {
    return new OwnedProcess({
      command: `${this.#bin}/postgres`,
      label: `postgres on ${LOOPBACK}:${this.port}`,
      runAs: this.runAs,
      args: [
        '-D', this.dir,
        '-p', String(this.port),
        '-c', `listen_addresses=${LOOPBACK}`,
        '-c', `unix_socket_directories=${this.dir}`,
        '-c', 'max_connections=60',
        '-c', 'shared_buffers=32MB',
        '-c', 'logging_collector=off',
      ],
    });
  }

  protected async answers(): Promise<boolean> {
    try {
      await this.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }
}
