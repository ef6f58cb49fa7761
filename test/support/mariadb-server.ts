/**
 * A throwaway MariaDB server for tests: its own data directory in a temporary folder, its own
 * socket and TCP port, started and stopped by the test (so tests can also kill and restart it).
 * The server itself is the demo's `ThrowawayServer` (src/demo/throwaway-server.ts), started with
 * test settings; this class adds what only tests need: root connections, the environment for
 * git-dbsync, the stock clients.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import mysql from 'mysql2/promise';
import { findProgram, freePort, ThrowawayServer } from '../../src/demo/throwaway-server.js';

export { freePort };

/** Server options every test server gets on top of the standard ones: room for big rows, fast and unsafe writes. */
const TEST_SERVER_ARGS = [
  '--innodb-buffer-pool-size=64M',
  '--max-allowed-packet=64M',
  '--innodb-flush-log-at-trx-commit=2',
  '--sync-binlog=0',
  '--innodb-doublewrite=0',
];

function findClient(names: string[]): string {
  for (const n of names) {
    const p = findProgram(n);
    if (p) return p;
  }
  throw new Error(`none of ${names.join(', ')} found: install mariadb-client (apt-get install mariadb-client)`);
}

export class MariaDbServer {
  readonly dir: string;
  readonly datadir: string;
  readonly socket: string;
  private extra: string[] = [];

  private constructor(private readonly server: ThrowawayServer) {
    this.dir = server.dir;
    this.datadir = server.datadir;
    this.socket = server.socket;
  }

  get port(): number {
    return this.server.port;
  }

  /**
   * Initialise a data directory and start the server; root has no password. DBSYNC_TEST_BINLOG=1
   * starts every test server with a row-format binary log (unless the test gives its own
   * --log-bin), so that the tests run with the binlog change source instead of full reads.
   */
  static async start(extraArgs: string[] = []): Promise<MariaDbServer> {
    if (process.env.DBSYNC_TEST_BINLOG === '1' && !extraArgs.some((a) => a.startsWith('--log-bin') || a.startsWith('--skip-log-bin'))) {
      extraArgs = [...extraArgs, '--log-bin=mysql-bin', '--binlog-format=ROW', '--server-id=1'];
    }
    const server = ThrowawayServer.create({
      folderPrefix: 'dbsync-mariadb-',
      fileStem: 'mysqld',
      serverArgs: [...TEST_SERVER_ARGS, ...extraArgs],
      detached: false,
      startTimeoutMs: 60_000,
      // One mariadb-install-db per machine and MariaDB version, kept in the temporary folder.
      templateFolder: os.tmpdir(),
    });
    const s = new MariaDbServer(server);
    s.extra = extraArgs;
    await s.withLogHint(() => server.start());
    return s;
  }

  /** A start-up failure names the server's error log (the folder is kept for it). */
  private async withLogHint(start: () => Promise<void>): Promise<void> {
    try {
      await start();
    } catch (err) {
      throw new Error(`${(err as Error).message}; see ${this.dir}/error.log`, { cause: err });
    }
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }

  /** Start again on the same data directory and port. */
  async restart(extraArgs = this.extra): Promise<void> {
    this.extra = extraArgs;
    await this.withLogHint(() => this.server.restart([...TEST_SERVER_ARGS, ...extraArgs]));
  }

  async destroy(): Promise<void> {
    await this.server.destroy();
  }

  /** A root connection to a database (created if missing). */
  async connect(database?: string): Promise<mysql.Connection> {
    const c = await mysql.createConnection({
      socketPath: this.socket,
      user: 'root',
      multipleStatements: true,
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
    });
    if (database) {
      await c.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4`);
      await c.query(`USE \`${database}\``);
    }
    return c;
  }

  /** Environment for git-dbsync pointing at this server as root. */
  env(database: string, extra: Record<string, string> = {}): Record<string, string> {
    return { DB_SOCKET: this.socket, DB_USER: 'root', DB_NAME: database, ...extra };
  }

  /** Run the stock client (for oracles such as mariadb-dump), returns stdout. */
  client(bin: 'mariadb' | 'mariadb-dump', args: string[], input?: string | Buffer): Buffer {
    return execFileSync(findClient([bin, bin === 'mariadb' ? 'mysql' : 'mysqldump']), ['--no-defaults', `--socket=${this.socket}`, '-uroot', ...args], {
      input,
      maxBuffer: 1 << 30,
    });
  }
}
