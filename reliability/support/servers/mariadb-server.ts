/**
 * A test-owned MariaDB server: `mariadb-install-db` into a fresh directory, then `mariadbd` with
 * no option files (the shared server's configuration is never read), its own port and socket,
 * and `--skip-grant-tables` (root without a password, on loopback only). It runs as the `mysql`
 * user when the tests run as root. InnoDB flushes its log at each commit (the default), so an
 * acknowledged store survives a crash.
 */
import mysql from 'mysql2/promise';
import { OwnedProcess, runToEnd } from './owned-process.js';
import { OwnedServer } from './owned-server.js';
import { LOOPBACK, freePort } from './loopback.js';
import { systemUser } from './system-user.js';

/** The database the backends under test use. */
const DATABASE = 'rk';

export class OwnedMariaDb extends OwnedServer {
  readonly kind = 'mariadb' as const;
  protected readonly shutdownSignal = 'SIGTERM' as const;
  protected override readonly startTimeoutMs = 60_000;

  private constructor(port: number) {
    super('mariadb', port, systemUser('mysql'));
  }

  /** Creates the data directory and starts the server on a free loopback port. */
  static async start(): Promise<OwnedMariaDb> {
    const server = new OwnedMariaDb(await freePort());
    const installDb = [
      '--no-defaults',
      `--datadir=${server.dir}`,
      ...(server.runAs ? ['--user=mysql'] : []),
      '--skip-test-db',
      '--skip-name-resolve',
      '--auth-root-authentication-method=normal',
    ];
    return server.launch(
      () => runToEnd('mariadb-install-db', installDb),
      async () => void (await server.query(`CREATE DATABASE IF NOT EXISTS ${DATABASE}`)),
    );
  }

  get url(): string {
    return `db+mysql://root@${LOOPBACK}:${this.port}/${DATABASE}`;
  }

  /** A plain `mysql2` URI (no `db+`), for the raw clients of the tests. */
  get driverUrl(): string {
    return this.url.replace(/^db\+/, '');
  }

  /** Runs one statement on a connection of its own. */
  async query(sql: string): Promise<unknown> {
    const connection = await mysql.createConnection({ host: LOOPBACK, port: this.port, user: 'root', connectTimeout: 2_000 });
    try {
      const [rows] = await connection.query(sql);
      return rows;
    } finally {
      await connection.end().catch(() => {});
    }
  }

  protected spawn(): OwnedProcess {
    return new OwnedProcess({
      command: 'mariadbd',
      label: `mariadbd on ${LOOPBACK}:${this.port}`,
      args: [
        // Must come first: the server's option files describe the shared instance.
        '--no-defaults',
        `--datadir=${this.dir}`,
        `--port=${this.port}`,
        `--bind-address=${LOOPBACK}`,
        `--socket=${this.dir}/mariadbd.sock`,
        `--pid-file=${this.dir}/mariadbd.pid`,
        ...(this.runAs ? ['--user=mysql'] : []),
        '--skip-grant-tables',
        '--skip-log-bin',
        '--innodb-buffer-pool-size=64M',
        '--max-connections=100',
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
