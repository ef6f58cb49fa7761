/**
 * A throwaway MariaDB server for tests: its own data directory in a temporary folder, its own
 * socket and TCP port, started and stopped by the test (so tests can also kill and restart it).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';

function findBinary(names: string[]): string {
  for (const n of names) {
    for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/bin', '/usr/local/sbin']) {
      const p = path.join(dir, n);
      if (existsSync(p)) return p;
    }
  }
  throw new Error(`none of ${names.join(', ')} found: install mariadb-server (apt-get install mariadb-server)`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export class MariaDbServer {
  readonly dir: string;
  readonly datadir: string;
  readonly socket: string;
  port = 0;
  private proc: ChildProcess | null = null;

  private constructor(dir: string) {
    this.dir = dir;
    this.datadir = path.join(dir, 'data');
    this.socket = path.join(dir, 'mysqld.sock');
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
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dbsync-mariadb-'));
    const s = new MariaDbServer(dir);
    execFileSync(
      findBinary(['mariadb-install-db', 'mysql_install_db']),
      [
        '--no-defaults',
        `--datadir=${s.datadir}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        `--user=${os.userInfo().username}`,
        '--innodb-log-file-size=8M',
      ],
      { stdio: 'ignore' },
    );
    s.port = await freePort();
    await s.startProcess(extraArgs);
    return s;
  }

  private extra: string[] = [];

  private async startProcess(extraArgs: string[]): Promise<void> {
    this.extra = extraArgs;
    const args = [
      '--no-defaults',
      `--datadir=${this.datadir}`,
      `--socket=${this.socket}`,
      `--port=${this.port}`,
      '--bind-address=127.0.0.1',
      `--pid-file=${path.join(this.dir, 'mysqld.pid')}`,
      `--log-error=${path.join(this.dir, 'error.log')}`,
      `--user=${os.userInfo().username}`,
      '--innodb-buffer-pool-size=64M',
      '--innodb-log-file-size=8M',
      '--skip-name-resolve',
      '--max-allowed-packet=64M',
      '--innodb-flush-log-at-trx-commit=2',
      '--sync-binlog=0',
      '--innodb-doublewrite=0',
      ...extraArgs,
    ];
    this.proc = spawn(findBinary(['mariadbd', 'mysqld']), args, { stdio: 'ignore' });
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (this.proc.exitCode !== null) throw new Error(`mariadbd exited with ${this.proc.exitCode}; see ${this.dir}/error.log`);
      try {
        const c = await mysql.createConnection({ socketPath: this.socket, user: 'root' });
        await c.end();
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`mariadbd did not start; see ${this.dir}/error.log`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
    this.proc = null;
  }

  /** Start again on the same data directory and port. */
  async restart(extraArgs = this.extra): Promise<void> {
    await this.stop();
    await this.startProcess(extraArgs);
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
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
    return execFileSync(findBinary([bin, bin === 'mariadb' ? 'mysql' : 'mysqldump']), ['--no-defaults', `--socket=${this.socket}`, '-uroot', ...args], {
      input,
      maxBuffer: 1 << 30,
    });
  }
}
